'use strict';

// The checks `npm run test:arm64` runs inside an emulated arm64 Node against the arm64 addon
// (scripts/test-arm64.js starts it): usage `node smoke-checks.js <package dir> [expected arch]`.
// Plain node:assert, no jest, so that it needs nothing but the package itself. Prints one line
// per check and exits non-zero on the first failure.

const assert = require('assert');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { elf } = require('./binary-formats'); // test-arm64.js copies it beside this file
const { fdCount, fdTargets } = require('./open-descriptors'); // likewise

const [pkgDir, expectArch] = process.argv.slice(2);
const pty = require(path.resolve(pkgDir));
// The fork fallback of an old glibc and kernel, forced through the binding's internal switch
// (test-arm64.js sets this variable, which the library itself does not read).
if (process.env.NODE_PTY_RS_TEST_OLD_SYSTEM === '1') require(path.resolve(pkgDir, 'lib', 'native.js')).__testOldSystem(true);

const ptyFds = () =>
  fdTargets()
    .map((d) => d.target)
    .filter((t) => t === '/dev/ptmx' || t.startsWith('/dev/pts/'));

/** Runs a terminal to its exit: { term, out, exit }. `drive(term, outSoFar)` runs after spawn and on each chunk; it may write and resize. */
function run(file, args, opts, drive) {
  return new Promise((resolve) => {
    const term = pty.spawn(file, args, opts);
    let out = '';
    term.onData((d) => {
      out += d;
      if (drive) drive(term, out);
    });
    term.onExit((exit) => resolve({ term, out, exit }));
    if (drive) drive(term, out);
  });
}

const checks = [];
const check = (name, fn) => checks.push({ name, fn });

check('the addon loaded is the one under test, in a Node of that architecture', () => {
  const loaded = Object.keys(require.cache).filter((f) => f.endsWith('.node'));
  assert.strictEqual(loaded.length, 1, `one native addon loaded: ${loaded.join(', ')}`);
  if (expectArch) {
    assert.strictEqual(process.arch, expectArch);
    const header = elf(fs.readFileSync(loaded[0]));
    assert.ok(header, `${loaded[0]} is an ELF file`);
    const want = { arm64: 'aarch64', x64: 'x86-64' }[expectArch];
    assert.strictEqual(header.machine, want, `ELF e_machine of ${loaded[0]}: ${header.machine}`);
  }
  return `${process.version} ${process.arch}, ${path.basename(loaded[0])}`;
});

check('spawn: output and exit code', async () => {
  const { out, exit } = await run('/bin/sh', ['-c', 'echo hello from the pty; exit 7'], {});
  assert.strictEqual(out, 'hello from the pty\r\n');
  assert.strictEqual(exit.exitCode, 7);
  assert.strictEqual(exit.signal, 0);
  return `exit ${exit.exitCode}, ${JSON.stringify(out)}`;
});

check('resize: stty size sees the size given at spawn, then the new one', async () => {
  let resized = false;
  const { out, exit } = await run('/bin/sh', ['-c', 'stty size; read x; stty size'], { cols: 91, rows: 27 }, (term, sofar) => {
    if (!resized && sofar.includes('27 91\r\n')) {
      resized = true;
      term.resize(100, 40);
      assert.deepStrictEqual([term.cols, term.rows], [100, 40]);
      term.write('\r');
    }
  });
  assert.strictEqual(exit.exitCode, 0);
  assert.strictEqual(out, '27 91\r\n\r\n40 100\r\n');
  return JSON.stringify(out);
});

check('write round trip: a line is echoed and read back; 200,000 raw bytes arrive intact', async () => {
  const line = 'hello arm64 é✓';
  let sent = false;
  const a = await run('/bin/sh', ['-c', 'read line; echo "got:$line"'], {}, (term) => {
    if (!sent) {
      sent = true;
      term.write(`${line}\r`);
    }
  });
  assert.strictEqual(a.exit.exitCode, 0);
  assert.strictEqual(a.out, `${line}\r\ngot:${line}\r\n`);

  const payload = crypto.randomBytes(100000).toString('hex'); // 200,000 bytes
  const want = crypto.createHash('sha256').update(payload).digest('hex');
  let written = false;
  const b = await run('/bin/sh', ['-c', 'stty raw -echo && echo READY && head -c 200000 | sha256sum'], {}, (term, sofar) => {
    if (!written && sofar.includes('READY')) {
      written = true;
      term.write(payload);
    }
  });
  assert.strictEqual(b.exit.exitCode, 0);
  assert.ok(b.out.includes(want), `sha256 of what the child read: ${JSON.stringify(b.out)}; want ${want}`);
  return `echo and got:, then sha256 ${want.slice(0, 12)}… of 200,000 bytes`;
});

check('cwd is honoured, and the child inherits no descriptor of the host beyond 0-2', async () => {
  // test-arm64.js hands this process its descriptor 3 WITHOUT close-on-exec (as a host's
  // inherited descriptors may be): the spawn must still keep it from the child.
  const inherited = process.env.SMOKE_INHERITED_FD ? Number(process.env.SMOKE_INHERITED_FD) : null;
  if (inherited !== null) fs.fstatSync(inherited); // it is really open here
  const { out, exit } = await run('/bin/sh', ['-c', 'pwd; exec ls /proc/self/fd'], { cwd: '/tmp' });
  assert.strictEqual(exit.exitCode, 0);
  const [cwd, ...fds] = out.split(/\s+/).filter(Boolean);
  assert.strictEqual(cwd, '/tmp');
  assert.deepStrictEqual(fds.map(Number), [0, 1, 2, 3], `the child's descriptors (3 is ls's own directory): ${out}`);
  return `pwd /tmp; the child holds 0, 1, 2 (and ls its directory, 3)${inherited !== null ? `; the host's inheritable fd ${inherited} did not reach it` : ''}`;
});

check('a program that cannot start: exit code 1 and a structured error', async () => {
  const { exit } = await run('no-such-program-node-pty-rs', [], {});
  assert.strictEqual(exit.exitCode, 1);
  assert.strictEqual(exit.error.code, 'ENOENT');
  return `exitCode 1, error.code ${exit.error.code}, syscall ${exit.error.syscall}`;
});

check('50 spawns: /proc/self/fd and lsof back at the baseline, no pty descriptor left', async () => {
  await run('/bin/sh', ['-c', 'exit 0'], {}); // the reactor's own descriptors
  const before = fdCount();
  const ptysBefore = ptyFds();
  for (let i = 0; i < 50; i++) {
    const { term, exit } = await run('/bin/sh', ['-c', `echo ${i}`], {});
    assert.strictEqual(exit.exitCode, 0);
    term.destroy();
  }
  const after = fdCount();
  assert.strictEqual(after, before, `descriptors: ${before} before, ${after} after`);
  assert.deepStrictEqual(ptyFds(), ptysBefore);
  assert.deepStrictEqual(pty.leaks(), { terminals: [], descriptors: [] });
  let lsof = 'lsof not installed';
  try {
    const names = execFileSync('lsof', ['-n', '-P', '-p', String(process.pid), '-F', 'n'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.startsWith('n/dev/pt'));
    assert.deepStrictEqual(names, [], `lsof lists pty descriptors: ${names.join(', ')}`);
    lsof = 'lsof: no /dev/ptmx, no /dev/pts/*';
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  return `/proc/self/fd ${before} -> ${after}; ${lsof}`;
});

(async () => {
  for (const { name, fn } of checks) {
    try {
      const detail = await fn();
      console.log(`ok   ${name}${detail ? `: ${detail}` : ''}`);
    } catch (err) {
      console.log(`FAIL ${name}\n${err.stack}`);
      process.exitCode = 1;
      return;
    }
  }
  console.log(`all ${checks.length} checks passed`);
})();

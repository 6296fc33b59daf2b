'use strict';

// The conformance suite: the same cases under Node, Bun and Deno.
//
//   node __tests__/conformance/suite.cjs
//   bun  __tests__/conformance/suite.cjs
//   deno run -A __tests__/conformance/suite.cjs
//
// It asserts counts, bytes and order, never timings; the closing line is
// `N passed, M failed, K skipped`, and the exit code is 1 when a case failed.
// `.cjs`, because Deno treats a `.js` file as an ES module unless told otherwise.

const fs = require('fs');
const os = require('os');
const path = require('path');
const process = require('process');
const { Buffer } = require('buffer');
const { spawn: spawnProcess } = require('child_process');
const pty = require('../..');
const { ptyDescriptors } = require('../../lib/descriptors');
const { fdTargets } = require('../../scripts/lib/open-descriptors');
const { test, skip, assert, guard, run, list } = require('./runner.cjs');
const runtime = require('./runtime.cjs');
const members = require('./members.cjs');

const KiB = 1024;
const MiB = 1024 * KiB;
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pty-conformance-'));

// The descriptor cases read /proc/self/fd; where there is none, they say so.
const procfs = fs.existsSync('/proc/self/fd');
const withProcfs = (name, fn) => (procfs ? test(name, fn) : skip(name, `no /proc/self/fd on ${process.platform}`));

/** A slave's name: /dev/pts/N (Linux devpts) or /dev/ttysNNN (macOS). */
const TTY_NAME = /^\/dev\/(pts\/\d+|ttys\d+)$/;

/** The pty descriptors (masters and slaves) open in this process, `fd -> target`. */
const ptyFds = () => ptyDescriptors().map(({ fd, target }) => `${fd} -> ${target}`);

/** Every descriptor open in this process, `fd -> target`. */
function allFds() {
  return fdTargets().map(({ fd, target }) => `${fd} -> ${target}`);
}

/**
 * `n` bytes of numbered records ("00000000,00000001,…", cut at `n`): a lost, repeated or
 * reordered chunk shows as a difference. No newline, so the line discipline passes it as is.
 */
function pattern(n) {
  const records = Math.ceil(n / 9) + 1;
  let s = '';
  for (let i = 0; i < records; i++) s += `${String(i).padStart(8, '0')},`;
  return Buffer.from(s.slice(0, n), 'latin1');
}

/** A file holding `bytes`, in this run's scratch directory. */
function fileWith(name, bytes) {
  const file = path.join(scratch, name);
  fs.writeFileSync(file, bytes);
  return file;
}

/**
 * Runs a program in a terminal to its exit. Resolves with the bytes that arrived before the
 * exit event, the event, and how many data events came after it (there must be none).
 */
function collect(file, args, options = {}, onSpawn) {
  const term = pty.spawn(file, args, { encoding: null, ...options });
  const result = new Promise((resolve, reject) => {
    const chunks = [];
    let exit = null;
    let afterExit = 0;
    term.onData((d) => {
      if (exit) afterExit++;
      else chunks.push(d);
    });
    term.onExit((e) => {
      exit = e;
      // Anything that (wrongly) follows the exit has a few turns of the event loop to show.
      setTimeout(() => resolve({ term, output: Buffer.concat(chunks), exit, afterExit }), 20);
    });
    if (onSpawn) Promise.resolve(onSpawn(term)).catch(reject);
  });
  return guard(result, 30000, `the exit of ${file} ${args.join(' ')}`);
}

/** Resolves with everything received once the output contains `text`. */
function waitForText(term, text) {
  return guard(
    new Promise((resolve) => {
      let seen = '';
      const sub = term.onData((d) => {
        seen += typeof d === 'string' ? d : d.toString('latin1');
        if (seen.includes(text)) {
          sub.dispose();
          resolve(seen);
        }
      });
    }),
    30000,
    JSON.stringify(text)
  );
}

function exitOf(term) {
  return guard(new Promise((resolve) => term.onExit(resolve)), 30000, 'the exit event');
}

/** Polls `predicate` until it holds; a guard against a hang, not a measurement. */
async function until(predicate, what, ms = 10000) {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await delay(10);
  }
}

// ---- spawn ---------------------------------------------------------------------------------

test('spawn: pid, process, size, ptsName; output and exit code 0', async () => {
  const r = await collect('/bin/sh', ['-c', 'echo hello'], { cols: 90, rows: 30 }, (term) => {
    assert.ok(Number.isInteger(term.pid) && term.pid > 0, `pid ${term.pid}`);
    assert.ok(TTY_NAME.test(term.ptsName), `ptsName ${term.ptsName}`);
    assert.deepEqual([term.cols, term.rows], [90, 30]);
    assert.equal(typeof term.process, 'string');
  });
  assert.equal(r.output.toString(), 'hello\r\n');
  assert.deepEqual(r.exit, { exitCode: 0, signal: 0 });
  assert.equal(r.afterExit, 0, 'data events after the exit');
});

test('spawn: env and cwd reach the program; a string encoding gives strings', async () => {
  const term = pty.spawn('/bin/sh', ['-c', 'printf "%s %s" "$PTY_CONFORMANCE" "$(pwd)"'], {
    env: { PATH: process.env.PATH, PTY_CONFORMANCE: 'héllo' },
    cwd: scratch,
  });
  let out = '';
  term.onData((d) => {
    assert.equal(typeof d, 'string');
    out += d;
  });
  const exit = await exitOf(term);
  assert.equal(out, `héllo ${fs.realpathSync(scratch)}`);
  assert.equal(exit.exitCode, 0);
});

test('spawn: a missing program exits with code 1 and error.code ENOENT', async () => {
  const r = await collect(path.join(scratch, 'no-such-program'), []);
  assert.equal(r.exit.exitCode, 1);
  assert.equal(r.exit.error && r.exit.error.code, 'ENOENT');
});

test('spawn: process names the foreground program', async () => {
  const term = pty.spawn('/bin/sh', ['-c', 'echo up; exec sleep 30'], {});
  const exited = exitOf(term);
  await waitForText(term, 'up');
  await until(() => term.process === 'sleep', `process to be "sleep" (it is ${JSON.stringify(term.process)})`);
  term.kill('SIGKILL');
  await exited;
});

if (typeof process.getuid === 'function' && process.getuid() === 0) {
  test('spawn: uid and gid (the fork path) reach the program', async () => {
    const r = await collect('/bin/sh', ['-c', 'id -u; id -g'], { uid: 65534, gid: 65534, cwd: '/' });
    assert.equal(r.output.toString(), '65534\r\n65534\r\n');
    assert.deepEqual(r.exit, { exitCode: 0, signal: 0 });
  });
} else {
  skip('spawn: uid and gid (the fork path) reach the program', 'changing user needs root, and this is not root');
}

test('spawn: a terminal in a worker thread delivers every byte and its exit; the worker ends', async () => {
  const { Worker } = require('worker_threads');
  const expected = pattern(100 * KiB);
  const file = fileWith('worker', expected);
  const worker = new Worker(
    `
    const pty = require(${JSON.stringify(require.resolve('../..'))});
    const { parentPort } = require('worker_threads');
    const term = pty.spawn('/bin/sh', ['-c', 'cat "$0"; exit 4', ${JSON.stringify(file)}], { encoding: null });
    const chunks = [];
    term.onData((d) => chunks.push(d));
    term.onExit((e) => parentPort.postMessage({ output: Buffer.concat(chunks).toString('latin1'), exit: e }));
  `,
    { eval: true }
  );
  const message = new Promise((resolve) => worker.once('message', resolve));
  const ended = new Promise((resolve, reject) => {
    worker.once('exit', resolve);
    worker.once('error', reject);
  });
  const { output, exit } = await guard(message, 30000, 'the worker to report');
  assert.bytesEqual(Buffer.from(output, 'latin1'), expected);
  assert.deepEqual({ exitCode: exit.exitCode, signal: exit.signal }, { exitCode: 4, signal: 0 });
  assert.equal(await guard(ended, 30000, 'the worker to end by itself'), 0, 'the worker exit code');
});

// ---- output: complete, in order, before the exit ------------------------------------------

for (const size of [0, 1, 4095, 64 * KiB, MiB]) {
  test(`output: ${size} bytes from cat arrive complete, in order, before onExit (5 runs)`, async () => {
    const expected = pattern(size);
    const file = fileWith(`out-${size}`, expected);
    for (let i = 0; i < 5; i++) {
      const r = await collect('cat', [file]);
      assert.bytesEqual(r.output, expected, `run ${i + 1}`);
      assert.deepEqual(r.exit, { exitCode: 0, signal: 0 }, `run ${i + 1}`);
      assert.equal(r.afterExit, 0, `run ${i + 1}: data events after the exit`);
    }
  });
}

test('output: 300 KiB arrive complete while the JS thread is busy at the start', async () => {
  const expected = pattern(300 * KiB);
  const file = fileWith('busy', expected);
  const r = await collect('cat', [file], {}, () => {
    // The program writes everything and exits while JS cannot read: nothing may be dropped.
    const end = Date.now() + 300;
    while (Date.now() < end);
  });
  assert.bytesEqual(r.output, expected);
  assert.equal(r.exit.exitCode, 0);
  assert.equal(r.afterExit, 0, 'data events after the exit');
});

test('output: 20 programs at once each get exactly their own bytes', async () => {
  const runs = [];
  for (let i = 0; i < 20; i++) {
    const expected = Buffer.concat([Buffer.from(`[${i}]`), pattern(32 * KiB)]);
    runs.push(collect('cat', [fileWith(`many-${i}`, expected)]).then((r) => ({ r, expected, i })));
  }
  for (const { r, expected, i } of await Promise.all(runs)) {
    assert.bytesEqual(r.output, expected, `terminal ${i}`);
    assert.equal(r.exit.exitCode, 0, `terminal ${i}`);
  }
});

// ---- exit codes and signals ----------------------------------------------------------------

test('exit codes 0, 3, 255 and deaths by SIGTERM, SIGKILL, SIGINT are reported as such', async () => {
  const cases = [
    ['exit 0', { exitCode: 0, signal: 0 }],
    ['exit 3', { exitCode: 3, signal: 0 }],
    ['exit 255', { exitCode: 255, signal: 0 }],
    ['kill -TERM $$', { exitCode: 0, signal: 15 }],
    ['kill -KILL $$', { exitCode: 0, signal: 9 }],
    ['trap - INT; kill -INT $$', { exitCode: 0, signal: 2 }],
  ];
  for (const [script, expected] of cases) {
    const r = await collect('/bin/sh', ['-c', script]);
    assert.deepEqual({ exitCode: r.exit.exitCode, signal: r.exit.signal }, expected, script);
  }
});

// ---- input ---------------------------------------------------------------------------------

test('write: a line through the line discipline comes back, UTF-8 intact', async () => {
  const term = pty.spawn('/bin/sh', ['-c', 'read line; echo "got:$line"'], {});
  const got = waitForText(term, 'got:héllo wörld\r\n');
  const exited = exitOf(term);
  term.write('héllo wörld\r');
  await got;
  assert.equal((await exited).exitCode, 0);
});

test('write: 64 KiB of every byte value round-trip through a raw pty unchanged', async () => {
  const input = Buffer.alloc(64 * KiB);
  for (let i = 0; i < input.length; i++) input[i] = (i * 7 + (i >> 8)) & 0xff;
  const term = pty.spawn('/bin/sh', ['-c', `stty raw -echo; echo ready; head -c ${input.length}`], {
    encoding: null,
  });
  const chunks = [];
  term.onData((d) => chunks.push(d));
  const exited = exitOf(term);
  await waitForText(term, 'ready\n');
  term.write(input.subarray(0, 1000));
  term.write(input.subarray(1000)); // two writes: order across writes is kept
  const exit = await exited;
  const all = Buffer.concat(chunks);
  const start = all.indexOf('ready\n') + 'ready\n'.length;
  assert.bytesEqual(all.subarray(start), input);
  assert.equal(exit.exitCode, 0);
});

test('write: 4 MiB to a program that reads only later: writableLength > 0, then one drain and 0', async () => {
  const total = 4 * MiB;
  // The program starts reading when told (a file appears), not after a delay: on a busy machine
  // a delay could run out before the writes below.
  const go = path.join(scratch, 'go');
  const script = `stty raw -echo; echo ready; while [ ! -e "$0" ]; do sleep 0.05; done; head -c ${total} | wc -c`;
  const term = pty.spawn('/bin/sh', ['-c', script, go], {});
  const exited = exitOf(term);
  await waitForText(term, 'ready');
  assert.equal(term.writableLength, 0);
  const drains = [];
  term.onDrain(() => drains.push(['onDrain', term.writableLength]));
  term.on('drain', () => drains.push(['drain', term.writableLength]));
  const counted = waitForText(term, String(total));
  for (let i = 0; i < 4; i++) term.write(Buffer.alloc(MiB, 'x'));
  // The pty takes a few KiB at most: the rest waits in the library.
  assert.ok(term.writableLength > 3 * MiB, `writableLength ${term.writableLength} after 4 MiB`);
  assert.ok(term.writableLength <= total, `writableLength ${term.writableLength} after 4 MiB`);
  assert.deepEqual(drains, [], 'drain events before the program read anything');
  fs.writeFileSync(go, '');
  await counted;
  assert.deepEqual(drains, [
    ['onDrain', 0],
    ['drain', 0],
  ]);
  assert.equal(term.writableLength, 0);
  assert.equal((await exited).exitCode, 0);
});

// ---- resize --------------------------------------------------------------------------------

test('resize: stty size in the program follows the terminal', async () => {
  const term = pty.spawn('/bin/sh', ['-c', 'stty size; read x; stty size'], { cols: 80, rows: 24 });
  const exited = exitOf(term);
  await waitForText(term, '24 80\r\n');
  const second = waitForText(term, '40 100\r\n');
  term.resize(100, 40);
  assert.deepEqual([term.cols, term.rows], [100, 40]);
  term.write('\r');
  await second;
  assert.equal((await exited).exitCode, 0);
  assert.throws(() => term.resize(-1, 10), undefined, 'a negative size');
});

// ---- kill and destroy ----------------------------------------------------------------------

test('kill: SIGHUP by default, then a named and a numbered signal; an unknown one sends nothing', async () => {
  for (const [signal, expected] of [
    [undefined, 1],
    ['SIGTERM', 15],
    [9, 9],
  ]) {
    const term = pty.spawn('sleep', ['30'], {});
    const exited = exitOf(term);
    term.kill(signal);
    const exit = await exited;
    assert.deepEqual({ exitCode: exit.exitCode, signal: exit.signal }, { exitCode: 0, signal: expected }, String(signal));
  }
  // As node-pty (process.kill with its errors swallowed): an unknown signal sends nothing.
  const term = pty.spawn('sleep', ['30'], {});
  const exited = exitOf(term);
  term.kill('SIGNOPE');
  term.kill('SIGKILL');
  const exit = await exited;
  assert.deepEqual({ exitCode: exit.exitCode, signal: exit.signal }, { exitCode: 0, signal: 9 }, 'after an unknown signal');
});

withProcfs('destroy: the master is closed when destroy() returns; the program gets SIGHUP; no data after', async () => {
  const before = ptyFds();
  const term = pty.spawn('/bin/sh', ['-c', 'echo started; exec sleep 30'], {});
  const during = ptyFds();
  assert.equal(during.length, before.length + 1, `pty descriptors while alive: ${during.join(', ')}`);
  const mine = during.filter((d) => !before.includes(d));
  assert.ok(mine.length === 1 && mine[0].endsWith('-> /dev/ptmx'), `the new descriptor: ${mine}`);
  await waitForText(term, 'started');
  let dataAfter = 0;
  term.onData(() => dataAfter++);
  const exited = exitOf(term);
  term.destroy();
  assert.deepEqual(ptyFds(), before, 'pty descriptors right after destroy()');
  const exit = await exited;
  assert.equal(exit.signal, 1);
  assert.equal(dataAfter, 0, 'data events after destroy()');
  term.destroy(); // twice is harmless
});

// ---- pause and resume ----------------------------------------------------------------------

test('pause/resume: nothing is delivered while paused, then every byte in order, then the exit', async () => {
  const expected = pattern(MiB);
  const file = fileWith('paused', expected);
  const term = pty.spawn('cat', [file], { encoding: null });
  const chunks = [];
  const events = [];
  let paused = false;
  let whilePaused = 0;
  term.onData((d) => {
    if (paused) whilePaused++;
    chunks.push(d);
    if (events[events.length - 1] !== 'data') events.push('data');
    if (chunks.length === 1) {
      term.pause();
      paused = true;
    }
  });
  const exited = new Promise((resolve) =>
    term.onExit((e) => {
      events.push('exit');
      resolve(e);
    })
  );
  await until(() => paused, 'the first chunk');
  // The window is not a measurement: whatever its length, a paused terminal delivers nothing.
  await delay(300);
  assert.equal(whilePaused, 0, 'data events while paused');
  assert.ok(!events.includes('exit'), 'the exit arrived while paused (before the output)');
  paused = false;
  term.resume();
  const exit = await guard(exited, 30000, 'the exit');
  assert.bytesEqual(Buffer.concat(chunks), expected);
  assert.deepEqual(events, ['data', 'exit']);
  assert.equal(exit.exitCode, 0);
});

// ---- open() --------------------------------------------------------------------------------

withProcfs('open(): a pair without a process, both ways through the line discipline, closed by destroy()', async () => {
  const before = ptyFds();
  const pair = pty.open({ cols: 90, rows: 20 });
  assert.equal(pair.pid, null);
  assert.deepEqual([pair.cols, pair.rows], [90, 20]);
  assert.ok(TTY_NAME.test(pair.ptsName), `ptsName ${pair.ptsName}`);
  let onMaster = '';
  let onSlave = '';
  pair.master.on('data', (d) => (onMaster += d));
  pair.slave.on('data', (d) => (onSlave += d));
  pair.master.write('typed\r'); // ICRNL: the slave reads a newline; ECHO: the master sees it
  await until(() => onSlave === 'typed\n', 'the slave to read the line');
  pair.slave.write('printed\n'); // ONLCR: the master reads CR LF
  await until(() => onMaster.includes('printed\r\n'), 'the master to read the output');
  assert.equal(onMaster, 'typed\r\nprinted\r\n');
  const closed = guard(new Promise((resolve) => pair.on('close', resolve)), 10000, 'close');
  pair.destroy();
  await closed;
  assert.deepEqual(ptyFds(), before);
});

// ---- descriptors ---------------------------------------------------------------------------

withProcfs('descriptors: none left after 100 spawns (count back to the baseline)', async () => {
  const spawnAndWait = () => collect('/bin/sh', ['-c', 'echo x']);
  for (let i = 0; i < 5; i++) await spawnAndWait(); // the runtime's own lazily opened descriptors
  const baseline = allFds();
  for (let i = 0; i < 100; i += 4) await Promise.all([spawnAndWait(), spawnAndWait(), spawnAndWait(), spawnAndWait()]);
  // What closes on another thread (the runtime's, not ours) gets a moment; the count is what counts.
  try {
    await until(() => allFds().length <= baseline.length, 'the descriptor count to return', 15000);
  } catch {
    const now = allFds();
    throw new Error(
      `${now.length} descriptors instead of ${baseline.length}; new: ${now.filter((d) => !baseline.includes(d)).join(', ')}`
    );
  }
  assert.deepEqual(ptyFds(), baseline.filter((d) => /-> \/dev\/(ptmx|pts\/)/.test(d)));
  assert.deepEqual(pty.leaks(), { terminals: [], descriptors: [] });
});

// ---- members beyond node-pty (issue 13) ----------------------------------------------------

const lacking = members.missing(pty);
/** A case for a member this build of the library may not have yet: skipped, saying so. */
function member(name, fn) {
  const { test: title, procfs: readsProc, symbol } = members.MEMBERS[name];
  if (symbol && typeof Symbol[symbol] !== 'symbol') skip(title, `this runtime has no Symbol.${symbol}`);
  else if (lacking.includes(name)) skip(title, `this build of the library has no ${name}`);
  else if (readsProc) withProcfs(title, fn);
  else test(title, fn);
}

/** Whether a process is alive (a zombie is not), from /proc. */
function alive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

member('foreground', async () => {
  const term = pty.spawn('/bin/sh', ['-c', 'cd /tmp && exec sleep 30'], {});
  const exited = exitOf(term);
  await until(() => term.foreground && term.foreground.name === 'sleep', 'sleep in the foreground');
  const { pid, name, cwd } = term.foreground;
  assert.deepEqual({ pid, name, cwd }, { pid: term.pid, name: 'sleep', cwd: fs.realpathSync('/tmp') });
  term.kill('SIGKILL');
  await exited;
  assert.equal(term.foreground, undefined, 'foreground after the exit');
});

member('killSession', async () => {
  const term = pty.spawn('/bin/sh', ['-c', 'sleep 30 & echo "job $!"; wait'], {});
  const exited = exitOf(term);
  const seen = await waitForText(term, '\r\n');
  const job = Number(/job (\d+)/.exec(seen)[1]);
  assert.ok(alive(job), `the job ${job} runs`);
  term.killSession();
  const exit = await exited;
  assert.equal(exit.signal, 1, 'the shell got SIGHUP');
  await until(() => !alive(job), `the job ${job} to end`);
});

member('exited', async () => {
  const term = pty.spawn('/bin/sh', ['-c', 'exit 7'], {});
  const fromEvent = new Promise((resolve) => term.onExit(resolve));
  const [a, b] = await guard(Promise.all([term.exited, fromEvent]), 30000, 'the exit');
  assert.deepEqual({ exitCode: a.exitCode, signal: a.signal }, { exitCode: 7, signal: 0 });
  assert.deepEqual(a, b);
  assert.equal(await term.exited, a, 'the same event, every time');
});

member('asyncDispose', async () => {
  // A program that exits on SIGHUP, and one that ignores it (ignored signals stay so across exec).
  for (const [script, signal] of [
    ['echo up; exec sleep 30', 1],
    ['trap "" HUP; echo up; exec sleep 30', 9],
  ]) {
    const term = pty.spawn('/bin/sh', ['-c', script], {});
    const events = [];
    term.onExit((e) => events.push(e));
    await waitForText(term, 'up');
    await guard(term[Symbol.asyncDispose](), 30000, 'asyncDispose to resolve');
    assert.equal(events.length, 1, `${script}: exit events when asyncDispose resolved`);
    assert.equal(events[0].signal, signal, script);
    assert.ok(!alive(term.pid), `${script}: the program is gone`);
  }
});

member('dispose', async () => {
  const before = ptyFds();
  const term = pty.spawn('sleep', ['30'], {});
  const exited = exitOf(term);
  term[Symbol.dispose]();
  assert.deepEqual(ptyFds(), before, 'pty descriptors right after Symbol.dispose');
  assert.equal((await exited).signal, 1);
});

member('asyncIterator', async () => {
  const expected = pattern(MiB);
  const file = fileWith('iterated', expected);
  const term = pty.spawn('cat', [file], { encoding: null });
  let exitedFirst = false;
  term.onExit(() => (exitedFirst = true));
  const chunks = [];
  await guard(
    (async () => {
      for await (const chunk of term) {
        chunks.push(Buffer.from(chunk));
        await delay(1); // a slow consumer: the terminal must wait for it, not drop or pile up
      }
    })(),
    60000,
    'the loop to end'
  );
  assert.bytesEqual(Buffer.concat(chunks), expected);
  assert.ok(exitedFirst, 'the loop ended before the exit');
});

// ---- the process ends by itself ------------------------------------------------------------

/**
 * Runs fixtures/ends-by-itself.cjs in `mode` under this runtime and waits (at most `ms`) for it
 * to end by itself; kills it by pid if it does not. Resolves with its exit and its output.
 */
async function runFixture(mode, ms, what) {
  const [file, args] = runtime.command(path.join(__dirname, 'fixtures', 'ends-by-itself.cjs'), [mode]);
  const child = spawnProcess(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const ended = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  try {
    return { result: await guard(ended, ms, what), out, err };
  } catch (e) {
    process.kill(child.pid, 'SIGKILL');
    throw e;
  }
}

for (const [mode, expected] of [
  ['exit', 'done\r\nexit 0\n'],
  ['destroy', 'signal 1\n'],
  ['open', 'slave read "hi\\n"\n'],
]) {
  test(`the process ends by itself: ${mode}`, async () => {
    const { result, out, err } = await runFixture(mode, 30000, `${runtime.current().name} to end by itself (${mode})`);
    assert.deepEqual(result, { code: 0, signal: null }, `exit status; stderr: ${err}`);
    assert.equal(out, expected);
  });
}

/** Processes whose command line contains `marker`, from /proc. */
function processesWith(marker) {
  const found = [];
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(marker)) found.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

withProcfs('workers terminated mid-stream: no crash, the host ends by itself, none of their programs survive', async () => {
  const marker = `pty-conformance-${process.pid}-${Date.now()}`;
  try {
    const { result, out, err } = await runFixture(`workers-terminated:${marker}`, 40000, `${runtime.current().name} to end by itself`);
    assert.deepEqual(result, { code: 0, signal: null }, `exit status; stderr: ${err}`);
    assert.equal(out, 'main thread still running\n');
    // Their masters are closed, so the programs get SIGHUP (or EIO); they may take a moment to go.
    await until(() => processesWith(marker).length === 0, 'the programs to end');
  } finally {
    // Whatever the outcome, nothing of this case stays behind (ended by pid).
    const left = processesWith(marker);
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // ended meanwhile
      }
    }
    if (left.length > 0) console.log(`     (ended ${left.length} programs left running: ${left.join(', ')})`);
  }
});

// ---- the report ----------------------------------------------------------------------------

const here = runtime.current();
if (process.argv.includes('--list')) {
  list();
  fs.rmSync(scratch, { recursive: true, force: true });
} else {
  run({ header: `conformance: ${here.name} ${here.version} (${process.platform} ${process.arch})` }).then(
    (failed) => {
      fs.rmSync(scratch, { recursive: true, force: true });
      // Exits at once: a failed case may have left a program or a guard timer behind.
      process.exit(failed > 0 ? 1 : 0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    }
  );
}

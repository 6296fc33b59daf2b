'use strict';

// The conformance suite (__tests__/conformance/suite.cjs) under Node, Bun and Deno. Bun and
// Deno are devDependencies: `npm install` brings their binaries (platform packages from the
// npm registry), so a missing one is a failure, never a skip.

const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const SUITE = path.join(__dirname, 'conformance', 'suite.cjs');

/** The first candidate path that exists and answers `--version`. */
function firstWorking(candidates) {
  for (const file of candidates) {
    if (!file || !fs.existsSync(file)) continue;
    const r = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 60000 });
    if (r.status === 0) return { file, version: r.stdout.trim().split('\n')[0] };
  }
  return null;
}

/** Where a platform package's file is, or undefined when the package is not installed. */
function inPackage(pkg, file) {
  try {
    return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
  } catch {
    return undefined;
  }
}

const arch = { x64: 'x64', arm64: 'aarch64' }[process.arch];
const RUNTIMES = {
  node: () => firstWorking([process.execPath]),
  // bun's postinstall copies the platform binary over bin/bun.exe; without it (install scripts
  // disabled), the platform package's own binary is used.
  bun: () =>
    firstWorking([
      path.join(ROOT, 'node_modules', 'bun', 'bin', 'bun.exe'),
      inPackage(`@oven/bun-${process.platform}-${arch}`, 'bin/bun'),
      inPackage(`@oven/bun-${process.platform}-${arch}-baseline`, 'bin/bun'),
    ]),
  deno: () =>
    firstWorking([
      path.join(ROOT, 'node_modules', 'deno', 'deno'),
      inPackage(`@deno/${process.platform}-${process.arch}-glibc`, 'deno'),
      inPackage(`@deno/${process.platform}-${process.arch}`, 'deno'),
    ]),
};

/** The arguments that run a script under each runtime (Deno: `run` and all permissions). */
const ARGS = { node: (s) => [s], bun: (s) => [s], deno: (s) => ['run', '-A', s] };

// What this machine cannot do is skipped by the suite with the reason printed: the cases that
// read /proc (Linux only) and the one that changes user (root only).
const PROCFS_CASES = [
  'destroy: the master is closed when destroy() returns; the program gets SIGHUP; no data after',
  'open(): a pair without a process, both ways through the line discipline, closed by destroy()',
  'descriptors: none left after 100 spawns (count back to the baseline)',
  'workers terminated mid-stream: no crash, the host ends by itself, none of their programs survive',
];
const ROOT_CASES = ['spawn: uid and gid (the fork path) reach the program'];
// Issue 13's members are tested once the library has them; until then their cases say so.
const { MEMBERS, missing } = require('./conformance/members.cjs');
const procfs = fs.existsSync('/proc/self/fd');
const lacking = missing(require('..'));
const MEMBER_SKIPS = Object.keys(MEMBERS)
  .filter((name) => lacking.includes(name) || (MEMBERS[name].procfs && !procfs))
  .map((name) => MEMBERS[name].test);
const MACHINE_SKIPS = [...(process.getuid() === 0 ? [] : ROOT_CASES), ...(procfs ? [] : PROCFS_CASES), ...MEMBER_SKIPS];
/** Per runtime, what it is expected to skip: today nothing beyond the machine's and the build's. */
const EXPECTED_SKIPS = { node: MACHINE_SKIPS, bun: MACHINE_SKIPS, deno: MACHINE_SKIPS };

function suite(name, bin, extra = []) {
  const r = spawnSync(bin.file, [...ARGS[name](SUITE), ...extra], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300000, // a guard against a hang, not a measurement
    killSignal: 'SIGKILL',
    maxBuffer: 16 * 1024 * 1024,
  });
  return r;
}

describe.each(Object.keys(RUNTIMES))('conformance under %s', (name) => {
  let bin;

  beforeAll(() => {
    bin = RUNTIMES[name]();
  });

  test('the runtime is installed', () => {
    if (!bin) {
      throw new Error(
        `${name}: no working binary. It comes with \`npm install\` (devDependency "${name}" and its ` +
          'platform package); run `npm install` again, without --ignore-scripts/--omit=optional.'
      );
    }
    // The versions tested, in the log.
    console.log(`${name}: ${bin.version} (${bin.file})`);
  });

  test('every case passes; skips are only those expected, each with its reason', () => {
    if (!bin) throw new Error(`${name}: no working binary (see the previous test)`);
    const listed = suite(name, bin, ['--list']);
    expect(listed.stderr).toBe('');
    const total = Number(/^(\d+) cases$/m.exec(listed.stdout)[1]);
    expect(total).toBeGreaterThan(20);

    const r = suite(name, bin);
    const report = `${r.stdout}${r.stderr}`;
    const closing = /^(\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(r.stdout);
    if (!closing || r.status !== 0 || Number(closing[2]) !== 0) {
      throw new Error(`the suite under ${name} (status ${r.status}, signal ${r.signal}):\n${report}`);
    }
    const [passed, failed, skipped] = closing.slice(1).map(Number);
    const skips = [...r.stdout.matchAll(/^skip (.+); reason: (.+)$/gm)];
    expect(skips.map((m) => m[1]).sort()).toEqual([...EXPECTED_SKIPS[name]].sort());
    for (const m of skips) expect(m[2].length).toBeGreaterThan(0);
    expect({ passed, failed, skipped }).toEqual({
      passed: total - EXPECTED_SKIPS[name].length,
      failed: 0,
      skipped: EXPECTED_SKIPS[name].length,
    });
    // The suite's header names the runtime it ran under.
    expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^conformance: ${name} `));
  });
});

test('the tested versions are those package-lock.json pins', () => {
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  for (const name of ['bun', 'deno']) {
    const bin = RUNTIMES[name]();
    if (!bin) throw new Error(`${name}: no working binary; run \`npm install\``);
    const locked = lock.packages[`node_modules/${name}`].version;
    expect(bin.version).toContain(locked);
  }
});

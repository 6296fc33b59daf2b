'use strict';

// glibc < 2.34 (RHEL 8, Debian 11, Ubuntu 20.04) has no posix_spawn_file_actions_addclosefrom_np,
// glibc < 2.29 no addchdir_np, and kernels < 5.9 no close_range: the prebuilt Linux packages
// (glibc 2.17 floor) must still honour cwd and keep the host's descriptors from the child
// there. The binding's internal __testOldSystem(true) makes this machine behave so (the fixture
// calls it when NODE_PTY_RS_TEST_OLD_SYSTEM=1; the library itself reads no such variable); the
// same checks run without it, so both paths keep the same promises.

const { execFileSync } = require('child_process');
const path = require('path');
const { describeOn } = require('./helpers');

// The old-glibc switch is read on Linux only, and the fixture reads /proc/self/fdinfo; macOS
// always spawns through spawn-helper with POSIX_SPAWN_CLOEXEC_DEFAULT.
const linux = describeOn(['linux'], 'glibc and Linux-kernel fallbacks (NODE_PTY_RS_TEST_OLD_SYSTEM is Linux only)');

function checks(oldSystem) {
  const env = { ...process.env };
  if (oldSystem) env.NODE_PTY_RS_TEST_OLD_SYSTEM = '1';
  else delete env.NODE_PTY_RS_TEST_OLD_SYSTEM;
  const out = execFileSync(process.execPath, [path.join(__dirname, 'fixtures', 'spawn-checks.js')], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 30000,
  });
  return JSON.parse(out);
}

linux('old and new libc', () => describe.each([
  ['forced old-libc fallback (fork path)', true],
  ['posix_spawn on this system', false],
])('%s', (_, oldSystem) => {
  let r;
  beforeAll(() => {
    r = checks(oldSystem);
  });

  test('the cwd is honoured', () => {
    expect(r.pwd).toEqual({ output: `${r.dir}\r\n`, exitCode: 0 });
  });

  test('a host descriptor that is not close-on-exec is not inherited', () => {
    // the precondition: this descriptor would be inherited by default
    expect(r.host).toMatchObject({ target: '/dev/ptmx', cloexec: false });
    expect(r.fds.exitCode).toBe(0);
    expect(r.fds.output).toMatch(/ 0 -> \/dev\/pts\/\d+/);
    expect(r.fds.output).not.toContain('/dev/ptmx');
    const fds = [...r.fds.output.matchAll(/ (\d+) -> /g)].map((m) => Number(m[1]));
    // 0-2 the tty, and the one ls opens to read /proc/self/fd
    expect(fds.filter((fd) => fd > 2)).toHaveLength(1);
  });

  test('an exec failure is still exit code 1 with the structured error', () => {
    expect(r.junk.exitCode).toBe(1);
    // The fork path's child reports the execve itself; posix_spawn reports as posix_spawn.
    expect(r.junk.error).toEqual({ code: 'ENOENT', syscall: oldSystem ? 'execve' : 'posix_spawn', path: expect.stringMatching(/orphan-script$/) });
  });
}));

'use strict';

// The system's pty pool as the library reads it: only when asked (an error, diagnostics()),
// holding no descriptor, never remembering a failed read, and from the devpts instance that
// really limits this process.

const { spawnSync } = require('child_process');
const path = require('path');
const { testOn } = require('./helpers');

const probe = path.join(__dirname, 'fixtures', 'pool-probe.js');
const sh = (script) => spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', timeout: 60000 });

function probeIn(prefix, mode) {
  const r = sh(`${prefix} "${process.execPath}" "${probe}" ${mode}`);
  if (r.status !== 0) throw new Error(`probe ${mode} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// The reactor's descriptors named as Linux names them (procfs link targets); macOS has no
// /proc to read them from, and its reactor is a kqueue (macos.test.js counts descriptors there).
testOn(['linux'], "the kinds named are Linux's (epoll, eventfd, timerfd), read from /proc/self/fd")("a first spawn and exit leave no descriptor behind but the reactor's own", () => {
  const { added } = probeIn('exec', 'fds');
  // The reactor thread's epoll instance, its wake-up eventfd and timerfd, and the socket pair
  // that destroy() hands masters over (core/src/reactor/handoff.rs) live as long as the
  // process; nothing else may stay (before: /proc/sys/kernel/pty/nr and max, kept open for
  // error messages).
  const kinds = added.map((link) => link.replace(/^socket:\[\d+\]$/, 'socket')).sort();
  expect(kinds).toEqual(['anon_inode:[eventfd]', 'anon_inode:[eventpoll]', 'anon_inode:[timerfd]', 'socket', 'socket']);
});

test('a pool read that fails for want of descriptors is not remembered', () => {
  const r = probeIn('ulimit -n 64 && exec', 'emfile');
  expect(r.poolWhileExhausted).toBeNull();
  expect(r.spawnError).toMatchObject({ code: 'EMFILE' });
  expect(r.poolAfter).toEqual({ inUse: expect.any(Number), max: expect.any(Number) });
  expect(r.poolAfter.max).toBeGreaterThan(0);
});

describe('a devpts instance with its own limit (as a container mounts)', () => {
  // A private mount namespace with a new devpts instance over /dev/pts, max=4: what every
  // container runtime does. Needs root (or CAP_SYS_ADMIN) and util-linux's unshare.
  const mount = 'unshare --mount --propagation private sh -c \'mount -t devpts -o newinstance,max=4,ptmxmode=666 devpts /dev/pts && exec "$0" "$@"\'';
  const canMount = process.getuid() === 0 && sh(`${mount} true`).status === 0;
  if (!canMount) {
    test.skip('skipped: needs Linux, root and unshare(1) to mount a devpts instance', () => {});
    return;
  }

  test('the instance is counted: 4 of 4 in use when full, ENOSPC names it, and all 4 come back', () => {
    const r = probeIn(mount, 'exhaust');
    expect(r.poolBefore).toEqual({ inUse: 0, max: 4 });
    expect(r.spawned).toBe(4);
    expect(r.error).toMatchObject({ code: 'ENOSPC', syscall: 'posix_openpt', ptyPool: { inUse: 4, max: 4 } });
    expect(r.error.message).toMatch(/; pty pool: 4 of 4 in use$/);
    expect(r.poolFull).toEqual({ inUse: 4, max: 4 });
    expect(r.poolAfter).toEqual({ inUse: 0, max: 4 });
  });

  test('at 80% in use a spawn warns once (PTY_POOL_LOW), naming the figures and our oldest terminals', () => {
    const r = probeIn(mount.replace('max=4', 'max=5'), 'warn');
    // Spawns 1-3 find the pool below 80%; the 4th finds 4 of 5; the 5th is rate-limited.
    expect(r.counts).toEqual([0, 0, 0, 1, 1]);
    expect(r.warnings).toHaveLength(1);
    const [w] = r.warnings;
    expect(w).toMatchObject({ name: 'Warning', code: 'PTY_POOL_LOW', message: 'pty pool 4 of 5 in use (80%); this process holds 4 of them' });
    expect(w.detail.match(/^pid \d+ \(\/bin\/sh\) on \/dev\/pts\/\d+, alive \d+ s, spawned at:$/gm)).toHaveLength(3);
    expect(w.detail).toContain('pool-probe.js');
  });

  test('a small pool is read at every spawn: slots another process takes between two spawns are seen', () => {
    const r = probeIn(mount.replace('max=4', 'max=10'), 'burst');
    expect(r.before).toBe(0); // 1 of 10
    // 1 + 7 + 1: a reading of 1 of 10 must not let the next spawn skip the pool.
    expect(r.warnings).toEqual([{ code: 'PTY_POOL_LOW', message: 'pty pool 9 of 10 in use (90%); this process holds 2 of them' }]);
  });
});

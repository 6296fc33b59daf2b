'use strict';

// The defect this project exists for: @lydell/node-pty 1.1.0 keeps the parent's copy of the
// slave after posix_spawn, one /dev/ptmx per terminal. The report's reproduction, on Linux and
// on macOS (where it was reported; macos.test.js adds the 600-spawn and leaks() cases there).
// (Descriptor counts over many terminals and every way a terminal ends: lifecycle.test.js;
// the same for the core without Node: core/src/reactor/tests.rs.)

const { execFileSync } = require('child_process');
const pty = require('..');
const { fdCount, ptyFds, sh } = require('./helpers');

const onMac = process.platform === 'darwin';
// What the library holds for a running terminal: the master; on macOS also the slave it keeps
// until the output is drained (closing the last slave there discards unread output).
const PTY_FDS_PER_TERMINAL = onMac ? 2 : 1;

/** The /dev/ptmx and slave (/dev/pts/N, macOS /dev/ttysNNN) names lsof lists for this process. */
function lsofPtys() {
  const out = execFileSync('lsof', ['-n', '-P', '-p', String(process.pid), '-F', 'n'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.startsWith('n'))
    .map((l) => l.slice(1))
    .filter((n) => n === '/dev/ptmx' || n.startsWith('/dev/pts/') || /^\/dev\/ttys\d+$/.test(n));
}

describe('descriptor leak (the original report)', () => {
  // A host started from a terminal holds its own tty as stdio; only what the library
  // opens counts.
  let hostPtys;
  beforeAll(() => {
    hostPtys = lsofPtys();
  });

  test('spawn, exit, destroy(): lsof lists no /dev/ptmx and no new slave entry', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'exit 0'], {});
    const exit = await new Promise((resolve) => term.onExit(resolve));
    expect(exit.exitCode).toBe(0);
    term.destroy();
    const after = lsofPtys();
    expect(after.filter((n) => n === '/dev/ptmx')).toEqual([]);
    expect(after.filter((n) => !hostPtys.includes(n))).toEqual([]);
  });

  test('without destroy(), the pty (and the pidfd on Linux, the kept slave on macOS) are closed by the time onExit runs', async () => {
    await sh('exit 0'); // the reactor's own descriptors exist from here on
    const before = { fds: fdCount(), ptys: ptyFds() };
    const term = pty.spawn('/bin/sh', ['-c', 'echo bye'], {});
    const inHandler = await new Promise((resolve) => term.onExit(() => resolve({ fds: fdCount(), ptys: ptyFds() })));
    expect(inHandler).toEqual(before);
  });

  test('destroy() before exit closes the master (and the kept slave) before it returns', async () => {
    const before = ptyFds();
    const term = pty.spawn('/bin/sh', ['-c', 'sleep 30'], {});
    const exited = new Promise((resolve) => term.onExit(resolve));
    expect(ptyFds().length).toBe(before.length + PTY_FDS_PER_TERMINAL);
    term.destroy();
    expect(ptyFds()).toEqual(before);
    // As with node-pty, the program gets SIGHUP and its exit is still reported.
    expect(await exited).toEqual({ exitCode: 0, signal: 1 });
  });
});

'use strict';

// The defect this project exists for: @lydell/node-pty 1.1.0 keeps the parent's copy of the
// slave after posix_spawn, one /dev/ptmx per terminal. The report's reproduction, on Linux.
// (Descriptor counts over many terminals and every way a terminal ends: lifecycle.test.js;
// the same for the core without Node: core/src/reactor/tests.rs.)

const { execFileSync } = require('child_process');
const pty = require('..');
const { fdCount, ptyFds, sh } = require('./helpers');

const linux = process.platform === 'linux' ? describe : describe.skip;

/** The /dev/ptmx and /dev/pts/* names lsof lists for this process. */
function lsofPtys() {
  const out = execFileSync('lsof', ['-n', '-P', '-p', String(process.pid), '-F', 'n'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.startsWith('n'))
    .map((l) => l.slice(1))
    .filter((n) => n === '/dev/ptmx' || n.startsWith('/dev/pts/'));
}

linux('descriptor leak (the original report)', () => {
  // A host started from a terminal holds its own /dev/pts/N as stdio; only what the library
  // opens counts.
  let hostPtys;
  beforeAll(() => {
    hostPtys = lsofPtys();
  });

  test('spawn, exit, destroy(): lsof lists no /dev/ptmx and no new /dev/pts entry', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'exit 0'], {});
    const exit = await new Promise((resolve) => term.onExit(resolve));
    expect(exit.exitCode).toBe(0);
    term.destroy();
    const after = lsofPtys();
    expect(after.filter((n) => n === '/dev/ptmx')).toEqual([]);
    expect(after.filter((n) => !hostPtys.includes(n))).toEqual([]);
  });

  test('without destroy(), the pty and the pidfd are closed by the time onExit runs', async () => {
    await sh('exit 0'); // the reactor's own descriptors exist from here on
    const before = { fds: fdCount(), ptys: ptyFds() };
    const term = pty.spawn('/bin/sh', ['-c', 'echo bye'], {});
    const inHandler = await new Promise((resolve) => term.onExit(() => resolve({ fds: fdCount(), ptys: ptyFds() })));
    expect(inHandler).toEqual(before);
  });

  test('destroy() before exit closes the master before it returns', async () => {
    const before = ptyFds();
    const term = pty.spawn('/bin/sh', ['-c', 'sleep 30'], {});
    const exited = new Promise((resolve) => term.onExit(resolve));
    expect(ptyFds().length).toBe(before.length + 1);
    term.destroy();
    expect(ptyFds()).toEqual(before);
    // As with node-pty, the program gets SIGHUP and its exit is still reported.
    expect(await exited).toEqual({ exitCode: 0, signal: 1 });
  });
});

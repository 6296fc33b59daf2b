'use strict';

// destroy() and kill() in every state of a terminal: before the exit, after it while a
// background job still holds the pty, and kill() after destroy().

const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const pty = require('..');
const { ptyDescriptors } = require('../lib/descriptors');
const { until, exitOf, outputOf, describeOn } = require('./helpers');

/**
 * This process's descriptors that are the master of `term`: on Linux, fdinfo names the pty
 * (tty-index), so any descriptor of it is found; macOS has no such listing, so there the one
 * the master had (`fd`, read before destroy() resets term.fd) is looked up, still a /dev/ptmx.
 */
function mastersOf(term, fd = term.fd) {
  if (process.platform !== 'linux') {
    return ptyDescriptors().filter((d) => d.fd === fd && d.target === '/dev/ptmx').map((d) => String(d.fd));
  }
  const index = term.ptsName.split('/').pop();
  const ofThisPty = (fd) => {
    try {
      return fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').includes(`tty-index:\t${index}\n`);
    } catch {
      return false; // closed meanwhile
    }
  };
  return ptyDescriptors()
    .filter((d) => d.target === '/dev/ptmx' && ofThisPty(d.fd))
    .map((d) => String(d.fd));
}

/** Ends what is left of the terminal's process group (its background jobs), by group id. */
function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

// XNU revokes the tty when the session leader exits (proc_exit in bsd/kern/kern_exit.c:
// ttywait, then VNOP_REVOKE; ordering.test.js shows it): no job holds it after the exit there.
describeOn(['linux'], 'XNU revokes the tty when the session leader exits, so no background job can hold it')('after the exit, while a background job holds the pty', () => {
  // The job ignores SIGHUP (from before it is forked: the shell's exit hangs up at once) and
  // keeps writing; the shell exits at once.
  const script = 'trap "" HUP; (while :; do echo tick; sleep 0.05; done) & echo started';

  test('destroy() closes the master before it returns, and the reactor lets go of it', async () => {
    const tracked = pty.diagnostics().reactor.tracked;
    const term = pty.spawn('/bin/sh', ['-c', script], {});
    const started = outputOf(term, 'started');
    const exit = await exitOf(term);
    await started;
    try {
      expect(exit.exitCode).toBe(0);
      // The library still holds the master, for the job's output: that is not a leak.
      expect(mastersOf(term)).toHaveLength(1);
      expect(pty.leaks()).toEqual({ terminals: [], descriptors: [] });
      expect(pty.diagnostics().descriptors.held).toEqual(mastersOf(term).map(Number));

      const fd = term.fd;
      term.destroy();
      expect(mastersOf(term, fd)).toEqual([]);
      expect(term.fd).toBe(-1);
      await until(() => pty.diagnostics().reactor.tracked === tracked, 15000, 'the reactor to forget the terminal');
      expect(pty.diagnostics().descriptors.held).toEqual([]);
    } finally {
      killGroup(term.pid);
    }
  });
});

test('kill() after destroy() still reaches a program that ignores SIGHUP, until it exits', async () => {
  const term = pty.spawn('/bin/sh', ['-c', 'trap "" HUP; echo ready; while :; do sleep 0.05; done'], {});
  const exited = exitOf(term);
  await outputOf(term, 'ready');
  term.destroy();
  try {
    term.kill('SIGTERM');
    const exit = await Promise.race([exited, new Promise((r) => setTimeout(() => r('no exit in 10 s'), 10000))]);
    expect(exit).toEqual({ exitCode: 0, signal: 15 });
    expect(() => term.kill('SIGTERM')).not.toThrow(); // reaped: nothing to signal, no stray signal
  } finally {
    killGroup(term.pid);
  }
});

test('onExit fires after destroy() even when nothing else keeps the process alive (5 runs)', () => {
  const fixture = path.join(__dirname, 'fixtures', 'exit-after-destroy.js');
  const outputs = [];
  for (let i = 0; i < 5; i++) {
    const r = spawnSync(process.execPath, [fixture], { encoding: 'utf8', timeout: 10000 });
    expect(r.error).toBeUndefined(); // no time-out
    outputs.push(r.stdout);
  }
  expect(outputs).toEqual(Array(5).fill('exit 0 1\n'));
});

// Each of the 50 spawns waits behind 20 floods for the JS thread: 12 s in all on this project's
// 2-CPU VM, 71 s with two CPU hogs beside it, past jest's default 60 s; the limit is a hang
// detector, not a timing.
test('destroy() returns with the master closed while other terminals flood output', async () => {
  const flooders = Array.from({ length: 20 }, () => pty.spawn('/bin/sh', ['-c', 'exec yes'], {}));
  const floods = flooders.map((t) => outputOf(t, 'y'));
  await Promise.all(floods);
  try {
    for (let i = 0; i < 50; i++) {
      const term = pty.spawn('/bin/sh', ['-c', 'sleep 30'], {});
      const exited = exitOf(term);
      const fd = term.fd;
      term.destroy();
      expect(mastersOf(term, fd)).toEqual([]);
      expect((await exited).signal).toBe(1);
    }
  } finally {
    const exits = flooders.map(exitOf);
    for (const t of flooders) t.destroy();
    await Promise.all(exits);
  }
}, 300000);

afterAll(() => {
  pty.assertNoLeaks();
});

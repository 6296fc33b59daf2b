'use strict';

// The members node-pty-rs adds beyond node-pty: foreground, killSession, exited, explicit
// resource management and async iteration (writableLength/onDrain: drain.test.js).

const pty = require('..');
const { delay, until, exitOf, outputOf, processNameOf, sessionMembers } = require('./helpers');

describe('foreground', () => {
  test("{ pid, name, cwd } of the foreground process group's leader; undefined after the exit", async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'cd /tmp && exec sleep 3'], { cwd: '/' });
    await until(() => term.foreground && term.foreground.name === 'sleep', 15000, 'sleep in the foreground');
    expect(term.foreground).toEqual({ pid: term.pid, name: 'sleep', cwd: '/tmp' });
    expect(term.process).toBe('sleep');
    term.kill('SIGKILL');
    await exitOf(term);
    expect(term.foreground).toBeUndefined();
  });

  test('follows a foreground job of an interactive shell', async () => {
    const term = pty.spawn('/bin/sh', ['-i'], { cwd: '/', env: { PATH: process.env.PATH, PS1: '$ ' } });
    const exited = exitOf(term);
    await outputOf(term, '$ ');
    expect(term.foreground).toEqual({ pid: term.pid, name: processNameOf(term.pid), cwd: '/' });
    term.write('cd /usr && sleep 30\r');
    // One read of the getter per look: the foreground can be unreadable for a moment while the
    // shell forks and execs its job (a second read in the same expression then saw undefined).
    let fg;
    try {
      await until(() => (fg = term.foreground) !== undefined && fg.name === 'sleep', 15000, 'sleep in the foreground');
      expect(fg.pid).not.toBe(term.pid);
      expect(fg.cwd).toBe('/usr');
    } finally {
      term.destroy(); // a failure here must not leave the shell to fail the suites after it
    }
    await exited;
  });
});

test('killSession() reaches a background job that kill() does not', async () => {
  const term = pty.spawn('/bin/sh', ['-c', 'trap "" HUP; sleep 30 & echo "job $!"; wait'], {});
  const exited = exitOf(term);
  const seen = await outputOf(term, '\n');
  const job = Number(/job (\d+)/.exec(seen)[1]);
  expect(sessionMembers(term.pid).sort()).toEqual([term.pid, job].sort());

  expect(term.killSession('SIGTERM')).toBe(2);
  await exited;
  await until(() => sessionMembers(term.pid).length === 0, 15000, 'the job to end');
  term.destroy();
  expect(term.killSession()).toBe(0); // the pty is closed: nothing to signal, no stranger hit
});

test('exited: a Promise of the event onExit gets, also when asked for after the exit', async () => {
  const term = pty.spawn('/bin/sh', ['-c', 'exit 7'], {});
  const fromListener = exitOf(term);
  const early = term.exited;
  const [a, b] = await Promise.all([early, fromListener]);
  expect(a).toBe(b);
  expect(a).toEqual({ exitCode: 7, signal: 0 });
  await expect(term.exited).resolves.toBe(a);
});

describe('explicit resource management', () => {
  test('Symbol.asyncDispose: a program that ignores SIGHUP and its job end, then it resolves with the pty closed', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'trap "" HUP; sleep 30 & echo ready; while :; do sleep 0.05; done'], {});
    await outputOf(term, 'ready');
    const sid = term.pid;
    expect(sessionMembers(sid).length).toBeGreaterThanOrEqual(2);
    await term[Symbol.asyncDispose || Symbol.for('Symbol.asyncDispose')]();
    expect(term.fd).toBe(-1);
    await until(() => sessionMembers(sid).length === 0, 15000, 'no process left');
    expect((await term.exited).signal).toBe(9);
  });

  test('Symbol.asyncDispose after destroy() and while paused still ends a program that ignores SIGHUP', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'trap "" HUP; echo ready; while :; do sleep 0.05; done'], {});
    await outputOf(term, 'ready');
    term.pause();
    term.destroy();
    await term[Symbol.asyncDispose || Symbol.for('Symbol.asyncDispose')]();
    expect((await term.exited).signal).toBe(9);
  });

  test('pause() after destroy() does not hold the exit back', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'sleep 30'], {});
    const exited = exitOf(term);
    term.destroy();
    term.pause();
    expect((await exited).signal).toBe(1);
  });

  test('Symbol.dispose destroys', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'sleep 30'], {});
    const exited = exitOf(term);
    term[Symbol.dispose || Symbol.for('Symbol.dispose')]();
    expect(term.fd).toBe(-1);
    expect((await exited).signal).toBe(1);
  });
});

describe('async iteration', () => {
  test('every chunk in order, ending after the exit', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'for i in 1 2 3 4 5; do echo "line $i"; done'], {});
    let out = '';
    for await (const chunk of term) out += chunk;
    expect(out).toBe('line 1\r\nline 2\r\nline 3\r\nline 4\r\nline 5\r\n');
    expect(await term.exited).toEqual({ exitCode: 0, signal: 0 });
  });

  test('a loop over a terminal that has already exited ends at once', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'exit 0'], {});
    await term.exited;
    let chunks = 0;
    for await (const chunk of term) chunks += chunk.length > 0 ? 1 : 0;
    expect(chunks).toBe(0);
  });

  test('a slow loop over `yes` pauses the terminal: what waits for the loop stays bounded, memory flat', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'exec yes'], {});
    let delivered = 0;
    term.onData((d) => (delivered += d.length));
    const rssBefore = process.memoryUsage().rss;
    let pulled = 0;
    let iterations = 0;
    let text = '';
    const exited = exitOf(term);
    try {
      for await (const chunk of term) {
        pulled += chunk.length;
        if (iterations < 5) text += chunk;
        if (++iterations === 200) break;
        await delay(10); // a consumer much slower than `yes`
      }
      // Unpaced, everything `yes` wrote in those 2 s would wait in the loop's queue (15 MB here
      // with the pause taken out); paced, at most the 1 MiB high-water mark and what was already
      // on its way when the terminal paused.
      expect(delivered - pulled).toBeLessThanOrEqual(2 * 1024 * 1024);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
      expect(text.split('\r\n').slice(0, -1).every((line) => line === 'y')).toBe(true);
      // break left the terminal running and no longer paused by the loop.
      await outputOf(term, 'y');
    } finally {
      term.destroy(); // ends `yes` also when an expectation fails
    }
    await exited;
  });
});

afterAll(() => {
  pty.assertNoLeaks();
});

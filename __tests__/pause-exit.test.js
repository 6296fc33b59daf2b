'use strict';

// A paused terminal's program can always finish exiting (issue 16 item 4). The contract, on
// every platform: after pause() and kill(), the program is reaped while the terminal stays
// paused; resume() then delivers its unread output, every byte in order, and the exit last;
// destroy() instead delivers the exit without that output. (macOS's kernel keeps an exiting
// session leader until its output has been read: the library reads it ahead and holds it.)

const pty = require('..');
const { until, exitOf, endLeftovers } = require('./helpers');

afterEach(() => {
  endLeftovers();
});

/** Whether `pid` names no process any more: reaped (a zombie still answers signal 0). */
function gone(pid) {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    if (err.code !== 'ESRCH') throw err;
    return true;
  }
}

/** Records every event of `term`, data and exit, in the order they are delivered. */
function record(term) {
  const events = [];
  term.onData((d) => events.push({ data: d }));
  term.onExit((e) => events.push({ exit: e }));
  return events;
}

const dataOf = (events) => events.filter((e) => 'data' in e).map((e) => e.data).join('');

/** `text` is "1\r\n2\r\n…" counting from 1, each line in order, the last maybe cut short; returns the whole lines. */
function countedLines(text) {
  const lines = text.split('\r\n');
  const last = lines.pop();
  lines.forEach((line, i) => {
    if (line !== String(i + 1)) throw new Error(`line ${i + 1} is ${JSON.stringify(line)}`);
  });
  expect(String(lines.length + 1).startsWith(last)).toBe(true);
  return lines.length;
}

/** Spawns a shell on `script` and resolves once it printed `ready` (the terminal is then paused). */
async function pausedAfterReady(script) {
  const term = pty.spawn('/bin/sh', ['-c', `echo ready; ${script}`], { env: { PATH: '/usr/bin:/bin' } });
  const events = record(term);
  await until(() => dataOf(events).includes('ready\r\n'), 10000, 'ready');
  term.pause();
  const seen = events.length;
  return { term, events, seen };
}

test('pause() then kill(SIGKILL): the program is reaped while paused; resume() delivers its output in order, then the exit (signal 9)', async () => {
  // seq writes far more than the kernel buffers: paused, it blocks in write(2), then is killed there.
  const { term, events, seen } = await pausedAfterReady('exec seq 1 3000000');
  term.kill('SIGKILL');
  await until(() => gone(term.pid), 10000, 'the program to be reaped');
  expect(events.length).toBe(seen); // nothing while paused, the exit least of all
  const exited = exitOf(term);
  term.resume();
  expect(await exited).toEqual({ exitCode: 0, signal: 9 });
  const exitAt = events.findIndex((e) => 'exit' in e);
  expect(exitAt).toBe(events.length - 1); // the exit is last: no data follows it
  countedLines(dataOf(events).slice('ready\r\n'.length));
});

test('a paused program signalled on its way out finishes exiting and every byte it wrote arrives on resume(), then the exit', async () => {
  // On SIGTERM it writes 688,895 bytes and exits 7: more than any kernel buffers for a pty, so
  // it can finish exiting only because the library reads it ahead while paused.
  const { term, events, seen } = await pausedAfterReady("trap 'seq 1 100000; exit 7' TERM; while :; do sleep 0.01; done");
  term.kill('SIGTERM');
  await until(() => gone(term.pid), 20000, 'the program to be reaped');
  expect(events.length).toBe(seen);
  const exited = exitOf(term);
  term.resume();
  expect(await exited).toEqual({ exitCode: 7, signal: 0 });
  expect(events.findIndex((e) => 'exit' in e)).toBe(events.length - 1);
  const out = dataOf(events).slice('ready\r\n'.length);
  expect(out.length).toBe(688895);
  expect(countedLines(out)).toBe(100000);
});

test('pause(), kill(SIGKILL), then destroy(): the exit (signal 9) without the unread output', async () => {
  const { term, events, seen } = await pausedAfterReady('exec seq 1 3000000');
  term.kill('SIGKILL');
  await until(() => gone(term.pid), 10000, 'the program to be reaped');
  const exited = exitOf(term);
  term.destroy();
  expect(await exited).toEqual({ exitCode: 0, signal: 9 });
  expect(events.slice(seen)).toEqual([{ exit: { exitCode: 0, signal: 9 } }]);
});

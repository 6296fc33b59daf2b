'use strict';

// The library's own consumers of a terminal's events (exited, the legacy events, the
// iterator, pipe, await using) against listeners that throw, loops that share a terminal, and
// loops that stop early.

const { execFile } = require('child_process');
const { Writable } = require('stream');
const path = require('path');
const pty = require('..');
const { delay, exitOf, outputOf } = require('./helpers');

/** Runs fixtures/throwing-listeners.js for `scenario`: what its host saw, as JSON. */
function throwingListeners(scenario) {
  return new Promise((resolve, reject) => {
    const fixture = path.join(__dirname, 'fixtures', 'throwing-listeners.js');
    execFile(process.execPath, [fixture, scenario], { timeout: 30000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

describe('a listener that throws', () => {
  const N = 588895; // what the fixture's program prints
  /** Each throw reached the host once; the library's own consumers got every character and the exit. */
  const expectEverything = (r) => {
    expect(r.uncaught).toEqual(r.thrown);
    const { iterated, piped, onData, laterOnExit, exited } = r;
    expect({ iterated, piped, onData, laterOnExit, exited }).toEqual({
      iterated: N,
      piped: N,
      onData: N,
      laterOnExit: true,
      exited: { exitCode: 0, signal: 0 },
    });
  };

  test('onExit: exited, the exit event, later listeners and await using still settle; the host sees the error once', async () => {
    const r = await throwingListeners('onExit');
    expect(r.uncaught).toEqual({ 'onExit listener': 1 });
    expect(r.exited).toEqual({ exitCode: 0, signal: 1 });
    expect(r.exitEvent).toEqual([0, 1]);
    expect(r.laterOnExit).toBe(true);
    expect(r.disposed).toBe(true);
    expect(r.iterated).toBe(0);
    expect(r.piped).toBe(0);
  });

  test('onData: the iterator, pipe, other listeners and the data event get every character; each throw reaches the host', async () => {
    const r = await throwingListeners('onData');
    expect(r.thrown['onData listener']).toBeGreaterThan(0);
    expectEverything(r);
    expect(r.dataEvent).toBe(N);
    expect(r.exitEvent).toEqual([0, 0]);
  });

  test("legacy 'data', 'close' and 'exit' listeners: onData, onExit, exited, the iterator and pipe get everything", async () => {
    const r = await throwingListeners('legacy');
    expect(r.thrown['data event listener']).toBeGreaterThan(0);
    expect(r.thrown['close event listener']).toBe(1);
    expect(r.thrown['exit event listener']).toBe(1);
    expectEverything(r);
    // As EventEmitter: the listeners of the same event after the one that threw are skipped.
    expect(r.dataEvent).toBeUndefined();
    expect(r.exitEvent).toBeUndefined();
  });

  test("open(): the pair's other onData listeners and its data event still get the output", async () => {
    const r = await throwingListeners('pair');
    expect(r.uncaught).toEqual({ 'onData listener': 1 });
    expect(r.thrown).toEqual({ 'onData listener': 1 });
    expect(r.laterOnData).toMatch(/^hello\r\n/);
    expect(r.dataEvent).toMatch(/^hello\r\n/);
  });
});

/** Whether the terminal holds its output back now, as diagnostics() reports it. */
const paused = (term) => pty.diagnostics().terminals.some((t) => t.pid === term.pid && t.paused);

describe('for await loops', () => {
  const HIGH_WATER = 1024 * 1024; // what a loop queues before it holds output back

  test('two loops on one terminal: both get every character, and the one behind holds output back for both', async () => {
    const N = 16 * 1024 * 1024;
    const term = pty.spawn('/bin/sh', ['-c', `head -c ${N} /dev/zero | tr '\\000' x`], {});
    let delivered = 0;
    term.onData((d) => (delivered += d.length));
    const gate = () => {
      let open;
      const promise = new Promise((resolve) => (open = resolve));
      return { promise, open };
    };
    const gateA = gate();
    const gateB = gate();
    let b = 0;
    let maxBehind = 0;
    let pausedWhileBehind = false;
    const loopA = (async () => {
      let n = 0;
      for await (const chunk of term) {
        n += chunk.length;
        maxBehind = Math.max(maxBehind, delivered - b);
        if (n === chunk.length) await gateA.promise;
        else if (n === delivered && !pausedWhileBehind && paused(term)) {
          pausedWhileBehind = true;
          gateB.open();
        }
      }
      gateB.open();
      return n;
    })();
    const loopB = (async () => {
      let n = 0;
      for await (const chunk of term) {
        n += chunk.length;
        b = n;
        if (n === chunk.length) await gateB.promise;
      }
      return n;
    })();
    // Both loops stop after their first chunk until their queues, past the high-water mark,
    // have paused the terminal; then A catches up while B still waits: the terminal must stay
    // paused for B. (Added after the loops' own listeners, so it sees what they did.)
    term.onData(() => {
      if (paused(term)) gateA.open();
    });
    expect(await Promise.all([loopA, loopB])).toEqual([N, N]);
    expect(pausedWhileBehind).toBe(true);
    // Without the shared hold, B's queue took all of the output A resumed: 16 MiB.
    expect(maxBehind).toBeLessThanOrEqual(4 * HIGH_WATER);
    expect(await term.exited).toEqual({ exitCode: 0, signal: 0 });
  });

  test("a loop that catches up does not undo the user's pause()", async () => {
    const N = 8 * 1024 * 1024;
    const term = pty.spawn('/bin/sh', ['-c', `head -c ${N} /dev/zero | tr '\\000' x`], {});
    let delivered = 0;
    term.onData((d) => (delivered += d.length));
    let release;
    const stalled = new Promise((resolve) => (release = resolve));
    let pausedAfterCatchingUp;
    const loop = (async () => {
      let n = 0;
      for await (const chunk of term) {
        n += chunk.length;
        if (n === chunk.length) await stalled;
        else if (n === delivered && pausedAfterCatchingUp === undefined) {
          pausedAfterCatchingUp = paused(term);
          term.resume();
        }
      }
      return n;
    })();
    term.onData(() => {
      // The loop is behind and holds output back; now the user pauses too.
      if (paused(term)) {
        term.pause();
        release();
      }
    });
    expect(await loop).toBe(N);
    expect(pausedAfterCatchingUp).toBe(true);
    expect(await term.exited).toEqual({ exitCode: 0, signal: 0 });
  });

  test("pipe(): a destination that drains does not undo the user's pause()", async () => {
    const N = 4 * 1024 * 1024;
    const term = pty.spawn('/bin/sh', ['-c', `head -c ${N} /dev/zero | tr '\\000' x`], {});
    let received = 0;
    let held = null;
    let pausedAfterDrain;
    const dest = new Writable({
      highWaterMark: 1024,
      write(chunk, _encoding, callback) {
        received += chunk.length;
        if (held !== null) return callback();
        // The first chunk stalls the destination (the pipe pauses the terminal); meanwhile the
        // user pauses too, and then the destination catches up and drains.
        held = callback;
        setImmediate(() => {
          term.pause();
          held();
        });
      },
    });
    dest.once('drain', () =>
      process.nextTick(() => {
        pausedAfterDrain = paused(term);
        term.resume();
      })
    );
    const finished = new Promise((resolve) => dest.on('finish', resolve));
    term.pipe(dest);
    await finished;
    expect(pausedAfterDrain).toBe(true);
    expect(received).toBe(N);
  });

  test('return() while a next() is pending settles it { done: true }', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'echo ready; exec cat'], {});
    const it = term[Symbol.asyncIterator]();
    let seen = '';
    while (!seen.includes('ready')) seen += (await it.next()).value;
    const results = [];
    // Nothing more comes: both wait, until return().
    it.next().then((r) => results.push(r));
    it.next().then((r) => results.push(r));
    await it.return();
    expect(results).toEqual([
      { value: undefined, done: true },
      { value: undefined, done: true },
    ]);
    expect(await it.next()).toEqual({ value: undefined, done: true });
    term.destroy();
    expect((await term.exited).signal).toBe(1);
  });
});

afterAll(() => {
  pty.assertNoLeaks();
});

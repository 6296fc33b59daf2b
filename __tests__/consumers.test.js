'use strict';

// The library's own consumers of a terminal's events (exited, the legacy events, the
// iterator, pipe, await using) against listeners that throw, loops that share a terminal, and
// loops that stop early.

const { execFile } = require('child_process');
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
    expect(r.uncaught).toEqual(r.thrown);
    expect(r.iterated).toBe(N);
    expect(r.piped).toBe(N);
    expect(r.onData).toBe(N);
    expect(r.dataEvent).toBe(N);
    expect(r.exited).toEqual({ exitCode: 0, signal: 0 });
    expect(r.exitEvent).toEqual([0, 0]);
  });

  test("legacy 'data', 'close' and 'exit' listeners: onData, onExit, exited, the iterator and pipe get everything", async () => {
    const r = await throwingListeners('legacy');
    expect(r.thrown['data event listener']).toBeGreaterThan(0);
    expect(r.thrown['close event listener']).toBe(1);
    expect(r.thrown['exit event listener']).toBe(1);
    expect(r.uncaught).toEqual(r.thrown);
    expect(r.onData).toBe(N);
    expect(r.iterated).toBe(N);
    expect(r.piped).toBe(N);
    expect(r.laterOnExit).toBe(true);
    expect(r.exited).toEqual({ exitCode: 0, signal: 0 });
    // As EventEmitter: the listeners of the same event after the one that threw are skipped.
    expect(r.dataEvent).toBeUndefined();
    expect(r.exitEvent).toBeUndefined();
  });
});

afterAll(() => {
  pty.assertNoLeaks();
});

'use strict';

// Write back-pressure: writableLength and the drain event, for hosts that must stop feeding
// a program that does not read (node-pty#369).

const pty = require('..');
const { outputOf } = require('./helpers');

const MiB = 1024 * 1024;

test('4 MiB to a program that reads only after 0.5 s: queued, then one drain at 0, every byte taken', async () => {
  // Raw mode, so the line discipline passes everything through; the program reads nothing
  // until it has slept.
  const term = pty.spawn('/bin/sh', ['-c', 'stty raw -echo; echo ready; sleep 0.5; head -c 4194304 | wc -c'], {});
  const exited = new Promise((resolve) => term.onExit(resolve));
  await outputOf(term, 'ready');
  expect(term.writableLength).toBe(0);

  const drains = [];
  term.onDrain(() => drains.push(['onDrain', term.writableLength]));
  term.on('drain', () => drains.push(['drain', term.writableLength]));
  const counted = outputOf(term, '4194304');
  for (let i = 0; i < 4; i++) term.write(Buffer.alloc(MiB, 'x'));
  // The pty takes a few KiB at most: the rest waits in the library, not in the kernel.
  expect(term.writableLength).toBeGreaterThan(3 * MiB);
  expect(term.writableLength).toBeLessThanOrEqual(4 * MiB);

  await counted;
  expect(drains).toEqual([
    ['onDrain', 0],
    ['drain', 0],
  ]);
  expect(term.writableLength).toBe(0);
  expect((await exited).exitCode).toBe(0);
});

test('a drain owed when the exit arrives in the same turn of the event loop comes before the exit', async () => {
  // The program reads the first slice of a large string and ends; on Linux a background job
  // keeps the pty open (the exit is then reported 100 ms after the reap) and takes nothing.
  // The JS thread is held meanwhile, so that the native drain (the first slice taken) and the
  // exit both wait for the same turn: the drain feeds the last slice, which the pty takes at
  // once, and the drain that says so must not wait for the next turn, behind the exit.
  const term = pty.spawn('/bin/sh', ['-c', `stty raw -echo; trap '' HUP; echo ready; head -c ${MiB} > /dev/null; sleep 30 & exit 0`], {});
  const events = [];
  term.onDrain(() => events.push(['drain', term.writableLength]));
  const exited = new Promise((resolve) =>
    term.onExit((e) => {
      events.push(['exit', e.exitCode]);
      resolve();
    })
  );
  await outputOf(term, 'ready');
  term.write('a'.repeat(MiB + 10)); // two slices: 1 MiB, then 10 bytes
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
  await exited;
  expect(events).toEqual([
    ['drain', 0],
    ['exit', 0],
  ]);
  term.killSession('SIGKILL'); // the background job, pinned at the exit
  term.destroy();
});

test('no drain for writes the pty takes at once', async () => {
  const term = pty.spawn('/bin/sh', ['-c', 'read line; echo "got $line"'], {});
  let drains = 0;
  term.onDrain(() => drains++);
  const got = outputOf(term, 'got hi');
  term.write('hi\r');
  expect(term.writableLength).toBe(0);
  await got;
  await new Promise((resolve) => term.onExit(resolve));
  expect(drains).toBe(0);
});

test('writableLength drops to 0 when the terminal is destroyed with input queued, and no drain follows', async () => {
  const term = pty.spawn('/bin/sh', ['-c', 'stty raw -echo; echo ready; sleep 30'], {});
  const exited = new Promise((resolve) => term.onExit(resolve));
  await outputOf(term, 'ready');
  let drains = 0;
  term.onDrain(() => drains++);
  term.write(Buffer.alloc(MiB));
  expect(term.writableLength).toBeGreaterThan(0);
  term.destroy();
  expect(term.writableLength).toBe(0);
  await exited;
  expect(drains).toBe(0);
});

test('open(): writing to a pair end follows the pty: write() returns false, then drain', async () => {
  const pair = pty.open({ encoding: null });
  const closed = new Promise((resolve) => pair.once('close', resolve));
  pair.slave.pause(); // nobody reads the other end yet
  const total = 256 * 1024;
  const ok = pair.master.write(Buffer.from('y\n'.repeat(total / 2)));
  expect(ok).toBe(false);
  expect(pair.master.writableLength).toBeGreaterThan(0);
  const drained = new Promise((resolve) => pair.master.once('drain', resolve));
  let got = 0;
  const all = new Promise((resolve) =>
    pair.slave.on('data', (d) => {
      got += d.length;
      if (got >= total) resolve();
    })
  );
  pair.slave.resume();
  await Promise.all([drained, all]);
  expect(pair.master.writableLength).toBe(0);
  expect(got).toBe(total);
  pair.destroy();
  await closed;
});

afterAll(() => {
  pty.assertNoLeaks();
});

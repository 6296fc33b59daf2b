'use strict';

// write() of a string larger than a slice (1 Mi characters): handed to the pty a slice at a
// time, so the JS thread is never held for the whole conversion (bench: `--only write`) and
// no copy of the whole waits in memory; every byte still arrives, in order.

const crypto = require('crypto');
const pty = require('..');
const { exitOf } = require('./helpers');

const SLICE = 1024 * 1024;
const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

/** A raw-mode program running `script` once it has said it is ready; its output so far. */
function rawChild(script) {
  return new Promise((resolve) => {
    const term = pty.spawn('/bin/sh', ['-c', `stty raw -echo; echo ready; ${script}`], {});
    let out = '';
    term.onData((d) => {
      out += d;
      if (out.includes('ready')) resolve({ term, output: () => out });
    });
  });
}

test('a large string and what is written behind it: every byte in order, counted in writableLength and bytesIn, then one drain', async () => {
  // ASCII, 2-, 3- and 4-byte characters; a surrogate pair straddles the first slice's end.
  const big = 'a'.repeat(SLICE - 1) + '\u{1F600}' + 'é€'.repeat(SLICE / 2) + 'x'.repeat(SLICE) + '\u{1F600}'.repeat(1000);
  const behind = [Buffer.from(' then a Buffer'), ' then a string'];
  const expected = Buffer.concat([Buffer.from(big), ...behind.map((d) => Buffer.from(d))]);
  const { term, output } = await rawChild(`head -c ${expected.length} | sha256sum`);
  const exited = exitOf(term);
  const drains = [];
  term.onDrain(() => drains.push(term.writableLength));
  term.write(big);
  for (const d of behind) term.write(d);
  // The pty takes at most its buffer at once; the rest is counted whether converted yet or not.
  expect(term.writableLength).toBeGreaterThan(expected.length - SLICE);
  expect(term.writableLength).toBeLessThanOrEqual(expected.length);
  expect(pty.diagnostics().terminals.find((t) => t.pid === term.pid).bytesIn).toBe(expected.length);
  await exited;
  expect(output()).toContain(sha256(expected));
  expect(drains).toEqual([0]);
}, 60000);

test('a 128 MiB string to a program that does not read: no copy of it waits in memory', async () => {
  const { term } = await rawChild('sleep 60');
  const exited = exitOf(term);
  const data = 'x'.repeat(128 * SLICE);
  data.indexOf('y'); // flattened now, not inside write()
  global.gc && global.gc();
  const before = process.memoryUsage().rss;
  term.write(data);
  const growth = process.memoryUsage().rss - before;
  try {
    // A whole copy would be 128 MiB (two, 256 MiB, with a Buffer in between); a slice is 1 MiB.
    expect(growth).toBeLessThan(32 * SLICE);
    expect(term.writableLength).toBeGreaterThan(127 * SLICE);
  } finally {
    term.destroy();
  }
  expect(term.writableLength).toBe(0);
  await exited;
});

afterAll(() => {
  pty.assertNoLeaks();
});

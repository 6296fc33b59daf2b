'use strict';

// Writes never block or spin the host; readers that fall behind or pause throttle the child
// through the kernel instead of filling the host's memory.

const pty = require('..');
const { bigWrite, stalledReader } = require('../bench/scenarios');
const { delay, until } = require('./helpers');

const MB = 1024 * 1024;
const rss = () => process.memoryUsage().rss;

function settleGc() {
  if (global.gc) global.gc();
}

test('64 MiB in one write() into a raw-mode child that hashes its input: hash equal', async () => {
  const r = await bigWrite(pty, { size: 64 * MB });
  process.stdout.write(`64 MiB write (node-pty-rs): hash ${r.hashEqual ? 'equal' : 'DIFFERENT'}, write() returned after ${r.writeMs.toFixed(1)} ms, child done after ${r.totalMs.toFixed(0)} ms\n`);
  expect(r.hashEqual).toBe(true);
}, 120000);

test('a raw-mode child that does not read, sent 4 MiB: timers keep firing, the host stays idle, then every byte arrives', async () => {
  const r = await stalledReader(pty, { size: 4 * MB, stallMs: 3000, windowMs: 2000 });
  process.stdout.write(`stalled reader (node-pty-rs): ${r.ticks} ticks of a 10 ms interval in ${r.elapsedMs.toFixed(0)} ms, host CPU ${r.cpuPercent.toFixed(1)}% of one core, hash ${r.hashEqual ? 'equal' : 'DIFFERENT'}\n`);
  // Liveness, not timing: a frozen host would count none.
  expect(r.ticks).toBeGreaterThan(50);
  expect(r.cpuPercent).toBeLessThan(20);
  expect(r.hashEqual).toBe(true);
}, 60000);

test('yes for 3 s under pause(): nothing delivered while paused, memory flat, output continues after resume()', async () => {
  const term = pty.spawn('yes', [], {});
  let bytes = 0;
  term.onData((d) => (bytes += d.length));
  await until(() => bytes > 0, 15000, 'first output');
  term.pause();
  const atPause = bytes;
  await delay(500); // what was already in flight lands in the pause buffer, not in onData
  settleGc();
  const rssPaused = rss();
  await delay(3000);
  settleGc();
  const growth = rss() - rssPaused;
  expect(bytes).toBe(atPause);
  expect(growth).toBeLessThan(16 * MB);
  term.resume();
  await until(() => bytes > atPause + 1 * MB, 10000, 'output after resume');
  term.kill('SIGKILL');
  await new Promise((resolve) => term.onExit(resolve));
  process.stdout.write(`pause: 0 bytes delivered in 3 s paused, RSS growth ${(growth / MB).toFixed(1)} MB\n`);
}, 30000);

test('a fast producer and a consumer that blocks 1 ms per chunk for 5 s: RSS grows by less than 64 MB', async () => {
  settleGc();
  const before = rss();
  const term = pty.spawn('/bin/sh', ['-c', 'exec cat /dev/zero'], { encoding: null });
  let bytes = 0;
  let peak = before;
  term.onData((d) => {
    bytes += d.length;
    const end = process.hrtime.bigint() + 1000000n;
    while (process.hrtime.bigint() < end);
    peak = Math.max(peak, rss());
  });
  await delay(5000);
  term.kill('SIGKILL');
  await new Promise((resolve) => term.onExit(resolve));
  process.stdout.write(`slow consumer: ${(bytes / MB).toFixed(1)} MB consumed in 5 s, peak RSS growth ${((peak - before) / MB).toFixed(1)} MB\n`);
  expect(bytes).toBeGreaterThan(1 * MB);
  expect(peak - before).toBeLessThan(64 * MB);
}, 30000);

describe('handleFlowControl', () => {
  // The child hashes the first byte it reads; raw mode so that the tty passes it on as is.
  const firstByte = () => pty.spawn('/bin/sh', ['-c', 'stty raw -echo; echo ready; head -c 1 | od -An -tx1'], { handleFlowControl: true });

  async function ready(term) {
    let out = '';
    term.onData((d) => (out += d));
    await until(() => out.includes('ready'), 15000, 'ready');
    return () => out;
  }

  test('XOFF pauses and XON resumes, whole messages only, and neither reaches the child', async () => {
    const term = firstByte();
    const out = await ready(term);
    term.write('\x13');
    term.write('A');
    await delay(300);
    expect(out()).not.toContain('41'); // paused: the child's answer is held back
    term.write('\x11');
    await new Promise((resolve) => term.onExit(resolve));
    expect(out()).toMatch(/ 41\s*$/); // 'A', not the XOFF byte, was the first input
  });

  test('custom messages, and switching it off at run time forwards them', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'stty raw -echo; echo ready; head -c 5 | od -An -c'], {
      handleFlowControl: true,
      flowControlPause: 'PAUSE',
      flowControlResume: 'GO',
    });
    const out = await ready(term);
    term.write('PAUSE');
    term.write('GO');
    term.handleFlowControl = false;
    term.write('PAUSE');
    await new Promise((resolve) => term.onExit(resolve));
    expect(out()).toMatch(/P\s+A\s+U\s+S\s+E/);
  });
});

'use strict';

// One measurement, for one library, in a fresh process (so that heaps, threads and RSS of one
// library never colour another's). Prints JSON. Run by bench/bench.js:
//   node --expose-gc measure.js <library> spawn <heapGiB> <count>
//   node --expose-gc measure.js <library> exit <count>
//   node --expose-gc measure.js <library> throughput <file> <bytes>
//   node --expose-gc measure.js <library> latency <count>
//   node --expose-gc measure.js <library> scale <count>
//   node --expose-gc measure.js <library> destroy <count> <flooding>

const fs = require('fs');

const [library, scenario, ...args] = process.argv.slice(2);
const pty = require(library === 'node-pty-rs' ? '..' : library);
const ENV = { PATH: '/usr/bin:/bin', TERM: 'xterm' };

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const exited = (term) => new Promise((resolve) => term.onExit(resolve));
const threads = () => fs.readdirSync('/proc/self/task').length;
const rss = () => {
  global.gc();
  return process.memoryUsage().rss;
};

/** A resident, touched host heap of `gib` GiB: what a large host's fork() has to copy. */
function holdHeap(gib) {
  const blocks = [];
  for (let i = 0; i < gib * 1024; i++) blocks.push(Buffer.alloc(1024 * 1024, i & 0xff));
  return blocks;
}

async function spawnCost(gib, count) {
  const heap = holdHeap(Number(gib));
  await exited(pty.spawn('/bin/true', [], { env: ENV })); // warm-up: first-use costs
  const blocked = [];
  const toExit = [];
  for (let i = 0; i < Number(count); i++) {
    const t0 = now();
    const term = pty.spawn('/bin/true', [], { env: ENV });
    blocked.push(now() - t0);
    await exited(term);
    toExit.push(now() - t0);
  }
  return { heapGiB: Number(gib), heapBlocks: heap.length, blockedMs: median(blocked), spawnToExitMs: median(toExit) };
}

/** Spawn to exit of `sh -c 'exit 0'`, as bench/native-reader's native-spawn measures it. */
async function spawnToExit(count) {
  const spawnExit = () => exited(pty.spawn('/bin/sh', ['-c', 'exit 0'], { env: ENV }));
  await spawnExit(); // warm-up: first-use costs
  const samples = [];
  for (let i = 0; i < Number(count); i++) {
    const t0 = now();
    await spawnExit();
    samples.push(now() - t0);
  }
  return { spawnToExitMs: median(samples) };
}

async function throughput(file, size) {
  size = Number(size);
  let bytes = 0;
  let last = 0;
  const t0 = now();
  const term = pty.spawn('cat', [file], { env: ENV, encoding: null });
  term.onData((d) => {
    bytes += d.length;
    last = now();
  });
  await exited(term);
  await new Promise((r) => setTimeout(r, 300)); // count what a library delivers after the exit
  const seconds = (last - t0) / 1000;
  // Peak RSS: flat memory means the host does not hold what the child produces faster.
  return { bytes, lost: size - bytes, mbPerSec: bytes / 1e6 / seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
}

async function latency(count) {
  const term = pty.spawn('/bin/sh', ['-c', 'stty raw -echo; echo ready; exec cat'], { env: ENV });
  let pending = null;
  let seen = '';
  term.onData((d) => {
    seen += d;
    if (pending && seen.includes(pending.key)) {
      const p = pending;
      pending = null;
      p.resolve();
    }
  });
  await new Promise((resolve) => {
    pending = { key: 'ready', resolve };
  });
  const samples = [];
  for (let i = 0; i < Number(count) + 50; i++) {
    seen = '';
    const key = String.fromCharCode(97 + (i % 26));
    const t0 = now();
    await new Promise((resolve) => {
      pending = { key, resolve };
      term.write(key);
    });
    if (i >= 50) samples.push((now() - t0) * 1000); // after a warm-up, in microseconds
  }
  term.kill('SIGKILL');
  await exited(term);
  return { p50us: percentile(samples, 50), p99us: percentile(samples, 99) };
}

async function scale(count) {
  count = Number(count);
  await exited(pty.spawn('/bin/true', [], { env: ENV })); // warm-up: a reactor thread exists from here on
  await new Promise((r) => setTimeout(r, 200));
  const before = { threads: threads(), rss: rss() };
  const t0 = now();
  const terms = [];
  for (let i = 0; i < count; i++) terms.push(pty.spawn('cat', [], { env: ENV }));
  const spawnAllMs = now() - t0;
  await new Promise((r) => setTimeout(r, 1000));
  const during = { threads: threads(), rss: rss() };
  const exits = terms.map(exited);
  const t1 = now();
  for (const term of terms) term.kill('SIGKILL');
  await Promise.all(exits);
  const killToLastExitMs = now() - t1;
  return {
    count,
    threadsAdded: during.threads - before.threads,
    rssPerTerminalKiB: (during.rss - before.rss) / count / 1024,
    spawnAllMs,
    killToLastExitMs,
  };
}

/**
 * How long destroy() blocks the JS thread: `count` terminals, `flooding` of them running `yes`
 * (read as fast as they come) while each one is destroyed in turn.
 */
async function destroyCost(count, flooding) {
  count = Number(count);
  flooding = Number(flooding);
  const terms = [];
  for (let i = 0; i < count; i++) {
    const term = pty.spawn('/bin/sh', ['-c', i < flooding ? 'exec yes' : 'exec cat'], { env: ENV });
    term.onData(() => {});
    terms.push(term);
  }
  const exits = terms.map(exited);
  await new Promise((r) => setTimeout(r, 1000)); // the floods are running
  const samples = [];
  const t0 = now();
  for (const term of terms) {
    const t = now();
    term.destroy();
    samples.push((now() - t) * 1000);
  }
  const allMs = now() - t0;
  await Promise.all(exits);
  return { count, flooding, p50us: percentile(samples, 50), p99us: percentile(samples, 99), allMs };
}

const scenarios = { spawn: spawnCost, exit: spawnToExit, throughput, latency, scale, destroy: destroyCost };
const keepAlive = setInterval(() => {}, 1000); // a pending measurement is never abandoned
scenarios[scenario](...args).then(
  (result) => {
    clearInterval(keepAlive);
    process.stdout.write(JSON.stringify(result));
    process.exit(0);
  },
  (err) => {
    process.stderr.write(String(err && err.stack ? err.stack : err));
    process.exit(1);
  }
);

'use strict';

// One measurement, for one library, in a fresh process (so that heaps, threads and RSS of one
// library never colour another's). Prints JSON. Run by bench/bench.js:
//   node --expose-gc measure.js <library> spawn <heapGiB> <count>
//   node --expose-gc measure.js <library> exit <count>
//   node --expose-gc measure.js <library> throughput <file> <bytes>
//   node --expose-gc measure.js <library> latency <count>
//   node --expose-gc measure.js <library> scale <count>
//   node --expose-gc measure.js <library> destroy <count> <flooding>
//   node --expose-gc measure.js node-pty-rs killsession <count>
//   node --expose-gc measure.js <library> write <MiB>
//   node --expose-gc measure.js <library> destroy-cycles <cycles> <flooding> <queuedMB>

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

/**
 * killSession() (node-pty-rs only: the incumbents have none) with `count` terminals alive: the
 * JS thread's time per call, then the longest event-loop stall while all of them are disposed
 * with `await using` (SIGHUP to the session, the exit, SIGKILL to what is left).
 */
async function killSessionCost(count) {
  count = Number(count);
  const terms = [];
  for (let i = 0; i < count; i++) terms.push(pty.spawn('cat', [], { env: ENV }));
  await new Promise((r) => setTimeout(r, 1000)); // every cat has started
  // The JS thread's time on a CPU (ns, Linux's schedstat), apart from the wall clock: on a
  // busy machine the thread can lose the CPU for many ms in the middle of any call.
  const onCpu = () => Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e3;
  const samples = [];
  const cpu = [];
  for (const term of terms) {
    const c = onCpu();
    const t = now();
    term.killSession('SIGCONT'); // reaches each member, changes nothing
    samples.push((now() - t) * 1000);
    cpu.push(onCpu() - c);
  }
  /**
   * The longest gap between ticks of a 1 ms timer while `work` runs, in wall-clock ms, and the
   * most time the JS thread was on a CPU within one gap (its own work, not other processes').
   */
  async function longestStall(work) {
    let last = now();
    let lastCpu = onCpu();
    let wall = 0;
    let busy = 0;
    const gap = () => {
      const [t, c] = [now(), onCpu()];
      wall = Math.max(wall, t - last);
      busy = Math.max(busy, (c - lastCpu) / 1000);
      [last, lastCpu] = [t, c];
    };
    const tick = setInterval(gap, 1);
    await work();
    clearInterval(tick);
    gap();
    return [wall, busy];
  }
  // The machine's own noise: the same timer over a second of doing nothing.
  const [idleStallMs] = await longestStall(() => new Promise((r) => setTimeout(r, 1000)));
  const t0 = now();
  const dispose = Symbol.asyncDispose || Symbol.for('Symbol.asyncDispose');
  const [stallMs, stallCpuMs] = await longestStall(() => Promise.all(terms.map((term) => term[dispose]())));
  const disposeAllMs = now() - t0;
  return {
    count,
    p50us: percentile(samples, 50),
    p99us: percentile(samples, 99),
    cpuP50us: percentile(cpu, 50),
    cpuP99us: percentile(cpu, 99),
    idleStallMs,
    stallMs,
    stallCpuMs,
    disposeAllMs,
  };
}

/**
 * How long write() of one large string blocks the JS thread: `mib` MiB of ASCII to a raw-mode
 * `cat` that throws it away (what the pty has not taken stays queued in the library).
 */
async function writeCost(mib) {
  const term = pty.spawn('/bin/sh', ['-c', 'stty raw -echo; echo ready; exec cat >/dev/null'], { env: ENV });
  await new Promise((resolve) => {
    let seen = '';
    const ready = term.onData((d) => {
      seen += d;
      if (seen.includes('ready')) {
        ready.dispose();
        resolve();
      }
    });
  });
  const data = 'x'.repeat(Number(mib) * 1024 * 1024);
  data.indexOf('y'); // repeat() builds a rope; reading it once flattens it, as a string from I/O is
  const t0 = now();
  term.write(data);
  const ms = now() - t0;
  // Work that write() leaves for later turns of the event loop stalls them instead: the
  // longest wait between two 1 ms timers over the next second shows it.
  const stallMs = await new Promise((resolve) => {
    const end = now() + 1000;
    let last = now();
    let most = 0;
    const tick = () => {
      const t = now();
      most = Math.max(most, t - last);
      last = t;
      if (t < end) setTimeout(tick, 1);
      else resolve(most);
    };
    setTimeout(tick, 1);
  });
  term.kill('SIGKILL');
  return { mib: Number(mib), ms, stallMs };
}

/**
 * destroy() in a host that opens and closes terminals all the time: `flooding` terminals run
 * `yes` (read as fast as they come) while `cycles` terminals are spawned and destroyed one
 * after the other (the event loop turns between cycles, as in a real host). Then, once, the
 * destroy() of a terminal holding `queuedMB` of input its program never reads; not measured
 * for @lydell/node-pty, whose write() blocks until the program reads.
 */
async function destroyCycles(cycles, flooding, queuedMB) {
  cycles = Number(cycles);
  const floods = [];
  for (let i = 0; i < Number(flooding); i++) {
    const term = pty.spawn('/bin/sh', ['-c', 'exec yes'], { env: ENV });
    term.onData(() => {});
    floods.push(term);
  }
  const exits = floods.map(exited);
  await new Promise((r) => setTimeout(r, 1000)); // the floods are running
  const samples = [];
  for (let i = 0; i < cycles; i++) {
    const term = pty.spawn('cat', [], { env: ENV });
    exits.push(exited(term));
    const t = now();
    term.destroy();
    samples.push((now() - t) * 1000);
    await new Promise(setImmediate);
  }
  let queuedMs = NaN;
  if (library !== '@lydell/node-pty') {
    const term = pty.spawn('/bin/sh', ['-c', 'exec sleep 60'], { env: ENV });
    exits.push(exited(term));
    term.write(Buffer.alloc(Number(queuedMB) * 1e6, 'x'));
    await new Promise((r) => setTimeout(r, 200));
    const t = now();
    term.destroy();
    queuedMs = now() - t;
    term.kill('SIGKILL'); // node-pty's SIGHUP waits for its socket's close; sleep would not care
  }
  for (const term of floods) term.destroy();
  await Promise.all(exits);
  return { cycles, flooding: floods.length, p50us: percentile(samples, 50), p99us: percentile(samples, 99), queuedMs };
}

const scenarios = { spawn: spawnCost, exit: spawnToExit, throughput, latency, scale, destroy: destroyCost, killsession: killSessionCost, write: writeCost, 'destroy-cycles': destroyCycles };
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

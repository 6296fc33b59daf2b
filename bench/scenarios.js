'use strict';

// The reactor's guarantees as measurable scenarios. Each takes a node-pty-compatible module,
// so the same code runs against node-pty-rs (asserted in __tests__/) and against node-pty
// and @lydell/node-pty (measured side by side by bench/guarantees.js).

const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

/** Blocks the JS thread `busyMs` of every `periodMs`, as a loaded host does. */
function busyLoop(busyMs = 20, periodMs = 40) {
  const timer = setInterval(() => {
    const end = Date.now() + busyMs;
    while (Date.now() < end);
  }, periodMs);
  return () => clearInterval(timer);
}

/** A file of `n` random letters and digits: no byte the tty's output processing changes. */
function fixture(dir, n) {
  const alphabet = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');
  const data = Buffer.alloc(n);
  const random = crypto.randomBytes(n);
  for (let i = 0; i < n; i++) data[i] = alphabet[random[i] % alphabet.length];
  const file = path.join(dir, `out-${n}`);
  fs.writeFileSync(file, data);
  return { file, hash: sha256(data) };
}

/** One child that prints a file and exits; what arrived before and after the exit. */
function catOnce(pty, file, settleMs) {
  return new Promise((resolve) => {
    const term = pty.spawn('cat', [file], { encoding: null, env: { PATH: '/usr/bin:/bin' } });
    const before = [];
    let after = 0;
    let exited = false;
    term.onData((d) => {
      if (exited) after += d.length;
      else before.push(Buffer.from(d));
    });
    term.onExit(() => {
      exited = true;
      // Anything arriving now is output the library delivered after the exit.
      setTimeout(() => {
        const got = Buffer.concat(before);
        resolve({ got, after });
      }, settleMs);
    });
  });
}

/**
 * Scenario 1: `runs` children per size print N bytes and exit while the JS thread is busy
 * half the time. Per size: how many runs delivered exactly N bytes (hash-equal) before the
 * exit, bytes lost, and runs with data after the exit.
 */
async function exactOutput(pty, { sizes = [0, 1, 4095, 4096, 65536, 1 << 20], runs = 200, settleMs = 30 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-exact-'));
  const stopBusy = busyLoop();
  const results = [];
  try {
    for (const n of sizes) {
      const { file, hash } = fixture(dir, n);
      const r = { n, runs, exact: 0, short: 0, lostBytes: 0, maxLost: 0, runsWithDataAfterExit: 0 };
      for (let i = 0; i < runs; i++) {
        const { got, after } = await catOnce(pty, file, settleMs);
        if (got.length === n && sha256(got) === hash && after === 0) r.exact++;
        if (got.length < n) {
          r.short++;
          r.lostBytes += n - got.length;
          r.maxLost = Math.max(r.maxLost, n - got.length);
        }
        if (after > 0) r.runsWithDataAfterExit++;
      }
      results.push(r);
    }
  } finally {
    stopBusy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** Spawns a raw-mode shell script that prints `ready` once raw mode is on. */
function rawChild(pty, script) {
  return new Promise((resolve) => {
    const term = pty.spawn('/bin/sh', ['-c', `stty raw -echo; echo ready; ${script}`], { env: { PATH: '/usr/bin:/bin' } });
    let out = '';
    let ready = false;
    const waiters = [];
    term.onData((d) => {
      out += d;
      if (!ready && out.includes('ready')) {
        ready = true;
        resolve({ term, output: () => out, waitFor });
      }
      for (const w of waiters.slice()) if (w.re.test(out)) w.resolve(out.match(w.re));
    });
    function waitFor(re) {
      return new Promise((res) => {
        if (re.test(out)) res(out.match(re));
        else waiters.push({ re, resolve: res });
      });
    }
  });
}

/**
 * Scenario 2: `size` random bytes in one write() into a raw-mode child that hashes its stdin.
 * Reports whether the hash matched, how long write() held the JS thread, and the total time.
 */
async function bigWrite(pty, { size = 64 * 1024 * 1024 } = {}) {
  const data = crypto.randomBytes(size);
  const expected = sha256(data);
  const { term, waitFor } = await rawChild(pty, `head -c ${size} | sha256sum`);
  const t0 = process.hrtime.bigint();
  term.write(data);
  const writeMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const [, got] = await waitFor(/([0-9a-f]{64})/);
  const totalMs = Number(process.hrtime.bigint() - t0) / 1e6;
  await new Promise((r) => term.onExit(r));
  return { size, hashEqual: got === expected, writeMs, totalMs };
}

/**
 * Scenario 3: a raw-mode child that does not read for `stallMs` is sent `size` bytes. Over
 * the first `windowMs`, count ticks of a 10 ms interval and the host's CPU time; then, once
 * the child reads, check every byte arrived.
 */
async function stalledReader(pty, { size = 4 * 1024 * 1024, stallMs = 3000, windowMs = 2000 } = {}) {
  const data = crypto.randomBytes(size);
  const expected = sha256(data);
  const { term, waitFor } = await rawChild(pty, `sleep ${stallMs / 1000}; head -c ${size} | sha256sum`);
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 10);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  term.write(data);
  const writeMs = Number(process.hrtime.bigint() - t0) / 1e6;
  await new Promise((r) => setTimeout(r, Math.max(0, windowMs - writeMs)));
  const elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const ticksInWindow = ticks;
  clearInterval(ticker);
  const [, got] = await waitFor(/([0-9a-f]{64})/);
  await new Promise((r) => term.onExit(r));
  return {
    size,
    writeMs,
    elapsedMs,
    ticks: ticksInWindow,
    cpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
    hashEqual: got === expected,
  };
}

module.exports = { exactOutput, bigWrite, stalledReader, busyLoop, sha256 };

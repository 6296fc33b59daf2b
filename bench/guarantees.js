'use strict';

// The reactor's three headline guarantees, measured side by side in one run for node-pty-rs,
// node-pty 1.1.0 and @lydell/node-pty 1.1.0. Each library/scenario pair runs in its own
// process with a time limit, because an incumbent can freeze its host for good.
//
//   npm run bench:guarantees [-- --runs N]

const { spawnSync } = require('child_process');
const path = require('path');

const LIBRARIES = ['node-pty-rs', 'node-pty', '@lydell/node-pty'];
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 200;

function run(library, scenario, options, timeoutMs) {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'run-scenario.js'), library, scenario, JSON.stringify(options)], {
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.error && r.error.code === 'ETIMEDOUT') return { timedOut: timeoutMs };
  if (r.status !== 0 || !r.stdout) {
    const why = (r.stderr || '').trim().split('\n').slice(-1)[0];
    return { failed: why || `exit ${r.status}${r.signal ? `, ${r.signal}` : ''} without a result` };
  }
  return JSON.parse(r.stdout);
}

const fmt = (x, digits = 1) => (typeof x === 'number' ? x.toFixed(digits) : String(x));

function exactTable() {
  const rows = [];
  for (const library of LIBRARIES) {
    const r = run(library, 'exactOutput', { runs }, 30 * 60 * 1000);
    if (!Array.isArray(r)) {
      rows.push(`| ${library} | ${r.timedOut ? `did not finish in ${r.timedOut / 1000} s` : `failed: ${r.failed}`} | | | |`);
      continue;
    }
    for (const s of r) {
      rows.push(`| ${library} | ${s.n} | ${s.exact}/${s.runs} | ${s.lostBytes} (max ${s.maxLost} in one run) | ${s.runsWithDataAfterExit} |`);
    }
  }
  return [
    `### 1. Exact output at exit, JS thread busy 20 ms of every 40 ms (${runs} runs per size)`,
    '',
    '| library | N bytes | runs exact (hash-equal, all before exit) | bytes lost | runs with data after exit |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function bigWriteTable() {
  const rows = LIBRARIES.map((library) => {
    const r = run(library, 'bigWrite', { size: 64 * 1024 * 1024 }, 120000);
    if (r.timedOut) return `| ${library} | no answer in ${r.timedOut / 1000} s | | |`;
    if (r.failed) return `| ${library} | failed: ${r.failed} | | |`;
    return `| ${library} | ${r.hashEqual ? 'equal' : 'DIFFERENT'} | ${fmt(r.writeMs)} | ${fmt(r.totalMs, 0)} |`;
  });
  return [
    '### 2. 64 MiB in one write() into a raw-mode child hashing its input',
    '',
    '| library | hash | ms inside write() | ms until the child\'s hash |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function stalledTable() {
  const rows = LIBRARIES.map((library) => {
    const r = run(library, 'stalledReader', { size: 4 * 1024 * 1024, stallMs: 3000, windowMs: 2000 }, 60000);
    if (r.timedOut) return `| ${library} | host frozen: killed after ${r.timedOut / 1000} s | | | |`;
    if (r.failed) return `| ${library} | failed: ${r.failed} | | | |`;
    return `| ${library} | ${fmt(r.writeMs)} | ${r.ticks} in ${fmt(r.elapsedMs, 0)} ms | ${fmt(r.cpuPercent)} | ${r.hashEqual ? 'equal' : 'DIFFERENT'} |`;
  });
  return [
    '### 3. A raw-mode child that reads nothing for 3 s is sent 4 MiB',
    '',
    '| library | ms inside write() | ticks of a 10 ms interval (first 2 s) | host CPU % of one core (first 2 s) | hash once the child reads |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

console.log(`node ${process.version}, ${require('os').cpus().length} cores, ${new Date().toISOString()}\n`);
console.log(stalledTable() + '\n');
console.log(bigWriteTable() + '\n');
console.log(exactTable() + '\n');

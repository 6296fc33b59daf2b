'use strict';

// The errors of spawning, writing and the terminal's calls are made here: JS errors with
// Node's codes, and the addon's errors rebuilt in the caller's realm. Two kinds are made where
// their facts are: lib/platform.js's (no prebuilt binary for this machine, thrown at load,
// before this module is of use) and lib/diagnostics.js's ERR_PTY_LEAK.

/**
 * Native errors are created in the addon's realm; under jest (a vm context per test file) they
 * would fail `instanceof Error`. They are rebuilt here, in the caller's realm, with the same
 * properties (`code`, `errno`, `syscall`, `path`, `ptyPool`, `fdLimit`), less the internal
 * `spawnFailed` flag.
 */
function fromNative(err) {
  if (!err || typeof err.code !== 'string' || typeof err.syscall !== 'string') return err;
  const copy = new Error(err.message);
  for (const key of Object.keys(err)) {
    if (key !== 'spawnFailed') copy[key] = err[key];
  }
  return copy;
}

/** Calls into the addon, rethrowing its errors in the caller's realm. */
function call(fn) {
  try {
    return fn();
  } catch (err) {
    throw fromNative(err);
  }
}

/** An error with Node's `code`, of the given class. */
function coded(Class, code, message) {
  const err = new Class(message);
  err.code = code;
  return err;
}

/** A value of the wrong type, in node-pty's wording: "cols must be a number (not a string)". */
function invalidArgType(name, expected, value) {
  return coded(TypeError, 'ERR_INVALID_ARG_TYPE', `${name} must be ${expected} (not ${value === null ? 'null' : `a ${typeof value}`})`);
}

const invalidArgValue = (message) => coded(TypeError, 'ERR_INVALID_ARG_VALUE', message);
const outOfRange = (message) => coded(RangeError, 'ERR_OUT_OF_RANGE', message);
const unknownSignal = (signal) => coded(TypeError, 'ERR_UNKNOWN_SIGNAL', `Unknown signal: ${signal}`);
const unknownEncoding = (encoding) => coded(TypeError, 'ERR_UNKNOWN_ENCODING', `Unknown encoding: ${encoding}`);

module.exports = { fromNative, call, coded, invalidArgType, invalidArgValue, outOfRange, unknownSignal, unknownEncoding };

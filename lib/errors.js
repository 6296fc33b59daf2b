'use strict';

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

module.exports = { fromNative, call };

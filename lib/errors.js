'use strict';

/**
 * Native errors are created in the addon's realm; under jest (a vm context per test file) they
 * would fail `instanceof Error`. They are rebuilt here, in the caller's realm, with the same
 * `code`, `errno`, `syscall` and `path`.
 */
function fromNative(err) {
  if (!err || typeof err.code !== 'string' || typeof err.syscall !== 'string') return err;
  const copy = new Error(err.message);
  copy.code = err.code;
  copy.errno = err.errno;
  copy.syscall = err.syscall;
  if (err.path !== undefined) copy.path = err.path;
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

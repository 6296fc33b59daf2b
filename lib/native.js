'use strict';
// The native addon. lib/platform.js alone decides which prebuilt file this machine needs (its
// libc detection is the only one asked); napi's generated loader (binding.js) is handed that
// file through NAPI_RS_NATIVE_LIBRARY_PATH, its documented override, so that the loader's own
// libc guess (it reads /usr/bin/ldd differently) never runs and cannot pick another file.
// napi's own message for a platform that was never built ("Cannot find native binding. npm has
// a bug related to optional dependencies...") is false there and says nothing about what to do.

const path = require('path');
const platform = require('./platform');

const ROOT = path.join(__dirname, '..');

/** binding.js loading `file`; the variable is set only while binding.js runs (synchronously). */
function requireThroughBinding(file) {
  const before = process.env.NAPI_RS_NATIVE_LIBRARY_PATH; // unset, or empty (which napi ignores)
  process.env.NAPI_RS_NATIVE_LIBRARY_PATH = file;
  try {
    return require('../binding.js');
  } finally {
    if (before === undefined) delete process.env.NAPI_RS_NATIVE_LIBRARY_PATH;
    else process.env.NAPI_RS_NATIVE_LIBRARY_PATH = before;
  }
}

/**
 * Where the target's addon may be, in napi's loader's order: a checkout's own build beside
 * binding.js, then the platform package (with napi's opt-in version check). Each resolves to
 * the file or throws.
 */
function candidates(target) {
  const pkg = `node-pty-rs-${target.suffix}`;
  return [
    () => require.resolve(path.join(ROOT, `node-pty-rs.${target.suffix}.node`)),
    () => {
      const file = require.resolve(pkg);
      const enforce = process.env.NAPI_RS_ENFORCE_VERSION_CHECK;
      if (enforce && enforce !== '0') {
        const { version } = require(`${pkg}/package.json`);
        const expected = require('../package.json').version;
        if (version !== expected) throw new Error(`Native binding package version mismatch, expected ${expected} but got ${version}. You can reinstall dependencies to fix this issue.`);
      }
      return file;
    },
  ];
}

function load() {
  // An explicit addon (napi's loader honours this variable) is the way to run a build of
  // one's own on a machine without a package.
  if (process.env.NAPI_RS_NATIVE_LIBRARY_PATH) return require('../binding.js');
  const h = platform.host();
  const target = platform.findTarget(h);
  if (!target) throw platform.unsupportedError(h);
  const attempts = [];
  for (const resolve of candidates(target)) {
    try {
      return requireThroughBinding(resolve());
    } catch (err) {
      // binding.js chains what its attempts threw (the file's require, then its WASI fallback's)
      // as the `cause` of its "Cannot find native binding" guess, the latest outermost.
      const chain = [];
      for (let e = err.cause || err; e && chain.length < 8; e = e.cause) chain.unshift(e);
      attempts.push(...chain);
    }
  }
  throw platform.missingBinaryError(target, attempts);
}

module.exports = load();

'use strict';
// The native addon, loaded through napi's generated loader (binding.js) once this machine is
// known to have a prebuilt package: napi's own message for a platform that was never built
// ("Cannot find native binding. npm has a bug related to optional dependencies...") is false
// there and says nothing about what to do.

const platform = require('./platform');

function load() {
  // An explicit addon (napi's loader honours this variable) is the way to run a build of
  // one's own on a machine without a package.
  if (process.env.NAPI_RS_NATIVE_LIBRARY_PATH) return require('../binding.js');
  const h = platform.host();
  const target = platform.findTarget(h);
  if (!target) throw platform.unsupportedError(h);
  try {
    return require('../binding.js');
  } catch (err) {
    throw platform.missingBinaryError(target, err);
  }
}

module.exports = load();

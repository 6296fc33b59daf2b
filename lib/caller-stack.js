'use strict';

// Where spawn()/open() was called from, for leak reports and diagnostics to name.

const path = require('path');

// The package's entry point, wherever it is installed (its own name, or an alias).
const ENTRY = path.join(__dirname, '..', 'index.js');

/**
 * The caller of spawn()/open(), for callerStack() to describe. Capturing is cheap; formatting
 * the frames costs tens of µs per spawn, so it waits until a report reads `.stack`.
 */
function captureCaller() {
  return new Error();
}

/** Where a captured caller is: its stack without this library's own frames. */
function callerStack(captured) {
  const stack = captured.stack.split('\n').slice(1);
  const outside = stack.filter((line) => !line.includes(`${__dirname}/`) && !line.includes(`${ENTRY}:`));
  return outside.map((l) => l.trim()).join('\n');
}

module.exports = { captureCaller, callerStack };

'use strict';

/**
 * node-pty-rs: node-pty's API over a Rust core. See index.d.ts for the documented surface.
 */

const { Terminal } = require('./lib/terminal');
const { PairTerminal } = require('./lib/pair');
const { diagnostics, leaks, assertNoLeaks } = require('./lib/diagnostics');

/**
 * Forks a process as a pseudoterminal.
 * @param {string} [file] The program to run (looked up in the child's PATH). Default `'sh'`.
 * @param {string[]} [args] Its arguments.
 * @param {import('./index').IPtyForkOptions} [options]
 * @returns {import('./index').IPty}
 */
function spawn(file, args, options) {
  return new Terminal(file, args, options);
}

/**
 * Opens a pty pair without a process (node-pty's `open`): `master` and `slave` streams.
 * @param {import('./index').IPtyOpenOptions} [options]
 * @returns {import('./index').IPtyPair}
 */
function open(options) {
  return new PairTerminal(options);
}

module.exports = {
  spawn,
  open,
  diagnostics,
  leaks,
  assertNoLeaks,
  /** @deprecated Use `spawn`. */
  fork: spawn,
  /** @deprecated Use `spawn`. */
  createTerminal: spawn,
};

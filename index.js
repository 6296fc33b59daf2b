'use strict';

/**
 * node-pty-rs: node-pty's API over a Rust core. See index.d.ts for the documented surface.
 */

const { Terminal } = require('./lib/terminal');

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

module.exports = {
  spawn,
  /** @deprecated Use `spawn`. */
  fork: spawn,
  /** @deprecated Use `spawn`. */
  createTerminal: spawn,
};

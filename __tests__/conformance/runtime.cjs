'use strict';

// Which JavaScript runtime this is, and how to start another script under the same one.

const process = require('process');

/** `{ name: 'node' | 'bun' | 'deno', version }` of the runtime executing this file. */
function current() {
  if (typeof globalThis.Bun !== 'undefined') return { name: 'bun', version: globalThis.Bun.version };
  if (typeof globalThis.Deno !== 'undefined') return { name: 'deno', version: globalThis.Deno.version.deno };
  return { name: 'node', version: process.versions.node };
}

/** `[file, args]` that run `script` under this runtime (Deno needs `run` and its permissions). */
function command(script, args = []) {
  const { name } = current();
  if (name === 'deno') return [globalThis.Deno.execPath(), ['run', '-A', script, ...args]];
  return [process.execPath, [script, ...args]];
}

module.exports = { current, command };

'use strict';

// The public view of what the library holds: diagnostics(), leaks(), assertNoLeaks().

const native = require('./native');
const live = require('./live');
const { ptyDescriptors, isPreexisting } = require('./descriptors');

/**
 * The library's state: live terminals, the descriptors it holds, the reactor, and the system's
 * pty pool.
 */
function diagnostics() {
  const terminals = live.describeLive();
  return {
    terminals,
    descriptors: {
      held: live.heldDescriptors(terminals),
      ptys: ptyDescriptors(),
    },
    reactor: native.reactorStats(),
    ptyPool: native.ptyPool(),
  };
}

/**
 * What is still open, for a test suite's `afterAll`: terminals neither exited nor destroyed
 * (with the stack that spawned each), and pty descriptors in the process that no live terminal
 * of this library holds (opened by other code since this library was loaded).
 */
function leaks() {
  const terminals = live.describeLive();
  const held = new Set(live.heldDescriptors(terminals));
  const descriptors = ptyDescriptors().filter((d) => !held.has(d.fd) && !isPreexisting(d.fd));
  return { terminals, descriptors };
}

/** Throws an `Error` with `code` `'ERR_PTY_LEAK'` listing what `leaks()` found, if anything. */
function assertNoLeaks() {
  const found = leaks();
  if (found.terminals.length === 0 && found.descriptors.length === 0) return;
  const lines = [];
  for (const t of found.terminals) {
    lines.push(`terminal pid ${t.pid} (${t.file} ${t.args.join(' ')}) on ${t.ptsName}, alive for ${Math.round(t.ageMs)} ms, spawned at:\n    ${t.spawnedAt.split('\n').join('\n    ')}`);
  }
  for (const d of found.descriptors) lines.push(`descriptor ${d.fd} -> ${d.target}, not held by any node-pty-rs terminal`);
  const err = new Error(`node-pty-rs: ${found.terminals.length} terminal(s) and ${found.descriptors.length} pty descriptor(s) left open:\n${lines.join('\n')}`);
  err.code = 'ERR_PTY_LEAK';
  err.leaks = found;
  throw err;
}

module.exports = { diagnostics, leaks, assertNoLeaks };

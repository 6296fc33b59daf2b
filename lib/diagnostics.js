'use strict';

const fs = require('fs');
const path = require('path');
const native = require('./native');

/** Terminals (and `open()` pairs) that are alive: not exited, not destroyed. */
const live = new Set();

/** The pty descriptors open in this process, `[{ fd, target }]` (Linux: /proc/self/fd). */
function ptyDescriptors() {
  let fds;
  try {
    fds = fs.readdirSync('/proc/self/fd');
  } catch {
    return []; // no procfs: nothing to list
  }
  const out = [];
  for (const name of fds) {
    let target;
    try {
      target = fs.readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue; // the directory listing's own descriptor, closed by now
    }
    if (target === '/dev/ptmx' || target.startsWith('/dev/pts/')) out.push({ fd: Number(name), target });
  }
  return out;
}

// What was open before this library was loaded (the host's own terminal, say) is not ours.
const preexisting = new Set(ptyDescriptors().map((d) => d.fd));

// The package's entry point, wherever it is installed (its own name, or an alias).
const ENTRY = path.join(__dirname, '..', 'index.js');

/** Where the caller of spawn()/open() is: the stack without this library's own frames. */
function callerStack() {
  const stack = new Error().stack.split('\n').slice(1);
  const outside = stack.filter((line) => !line.includes(`${__dirname}/`) && !line.includes(`${ENTRY}:`));
  return outside.map((l) => l.trim()).join('\n');
}

function track(term) {
  live.add(term);
}

function untrack(term) {
  live.delete(term);
}

/**
 * The library's state: live terminals, the descriptors it holds, the reactor, and the system's
 * pty pool.
 */
function diagnostics() {
  const terminals = [...live].map((t) => t._describe());
  return {
    terminals,
    descriptors: {
      held: terminals.flatMap((t) => t.descriptors),
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
  const terminals = [...live].map((t) => t._describe());
  const held = new Set(terminals.flatMap((t) => t.descriptors));
  const descriptors = ptyDescriptors().filter((d) => !held.has(d.fd) && !preexisting.has(d.fd));
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

module.exports = { track, untrack, callerStack, diagnostics, leaks, assertNoLeaks, ptyDescriptors };

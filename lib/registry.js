'use strict';

// Which terminals are alive and which descriptors the library holds: kept up to date by
// lib/terminal.js and lib/pair.js, read by the public diagnostics (lib/diagnostics.js) and the
// pool warning.

const path = require('path');
const native = require('./native');

/** Terminals (and `open()` pairs) that are alive: not exited, not destroyed. */
const live = new Set();

/**
 * Terminals that have exited while a background job still held their pty open: the library
 * still holds their master. Weak, so that a terminal nobody references can be collected.
 */
const lingering = new Set();

/**
 * The pty descriptors open in this process, `[{ fd, target }]`, whoever opened them: masters
 * (`/dev/ptmx`) and slaves (`/dev/pts/N` on Linux, `/dev/ttysNNN` on macOS), listed by the core
 * (Linux: /proc/self/fd; macOS: proc_pidinfo and F_GETPATH).
 */
function ptyDescriptors() {
  return native.ptyDescriptors();
}

// What was open before this library was loaded (the host's own terminal, say) is not ours.
const preexisting = new Set(ptyDescriptors().map((d) => d.fd));

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

function track(term) {
  live.add(term);
}

function untrack(term) {
  live.delete(term);
}

function linger(term) {
  if (lingering.size >= 64) heldDescriptors([]); // prunes what has closed meanwhile
  lingering.add(new WeakRef(term));
}

/** The descriptors the library holds: live terminals' and lingering ones' still open. */
function heldDescriptors(terminals) {
  const held = terminals.flatMap((t) => t.descriptors);
  for (const ref of lingering) {
    const term = ref.deref();
    const fd = term && term._native ? term._native.fd : -1;
    if (fd >= 0) held.push(fd);
    else lingering.delete(ref);
  }
  return held;
}

/** Every terminal whose master the library still holds: the live ones, then the lingering. */
function holding() {
  const out = [...live];
  for (const ref of lingering) {
    const term = ref.deref();
    if (term && term._native && term._native.fd >= 0 && !live.has(term)) out.push(term);
  }
  return out;
}

/** What each live terminal reports about itself (see `_describe`). */
function describeLive() {
  return [...live].map((t) => t._describe());
}

/** The descriptors open before this library was loaded (the host's own terminal, say). */
function isPreexisting(fd) {
  return preexisting.has(fd);
}

module.exports = { track, untrack, linger, holding, captureCaller, callerStack, describeLive, heldDescriptors, ptyDescriptors, isPreexisting };

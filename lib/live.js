'use strict';

// Which terminals are alive and which descriptors the library holds: kept up to date by
// lib/terminal.js and lib/pair.js, read by the public diagnostics (lib/diagnostics.js) and the
// pool warning.

/** Terminals (and `open()` pairs) that are alive: not exited, not destroyed. */
const live = new Set();

/**
 * Terminals that have exited while a background job still held their pty open: the library
 * still holds their master. Weak, so that a terminal nobody references can be collected.
 */
const lingering = new Set();

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

module.exports = { track, untrack, linger, holding, describeLive, heldDescriptors };

'use strict';

// The pty descriptors open in this process, as the core lists them, and which of them were
// open before this library was loaded: read by the public diagnostics (lib/diagnostics.js).

const native = require('./native');

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

/** The descriptors open before this library was loaded (the host's own terminal, say). */
function isPreexisting(fd) {
  return preexisting.has(fd);
}

module.exports = { ptyDescriptors, isPreexisting };

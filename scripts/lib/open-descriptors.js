'use strict';

// This process's open descriptors, raw, as the system lists them: the one reader shared by the
// jest tests (__tests__/helpers.js), the conformance suite (Node, Bun, Deno), the test fixtures
// and the arm64 smoke checks, which compare counts and targets before and after. (The
// library's own listing of pty descriptors is lib/descriptors.js.)

const fs = require('fs');

// Where this process's descriptors are listed: procfs on Linux; macOS has no /proc, and its
// /dev/fd (fdesc) lists the calling process's open descriptors. Either listing counts the
// descriptor it is read through, so counts compare equal across calls.
const FD_DIR = process.platform === 'linux' ? '/proc/self/fd' : '/dev/fd';

/** Descriptors open in this process, whatever they are. */
function fdCount() {
  return fs.readdirSync(FD_DIR).length;
}

/**
 * Every descriptor open in this process with what it refers to, `[{ fd, target }]` in
 * descriptor order, from procfs's links (Linux only: macOS's /dev/fd entries are not links).
 * The listing's own descriptor, closed by the time its link is read, is left out.
 */
function fdTargets() {
  return fs.readdirSync('/proc/self/fd').flatMap((name) => {
    try {
      return [{ fd: Number(name), target: fs.readlinkSync(`/proc/self/fd/${name}`) }];
    } catch {
      return []; // the listing's own descriptor, or one closed meanwhile
    }
  });
}

module.exports = { FD_DIR, fdCount, fdTargets };

'use strict';

// The members issue 13 adds to a terminal, with their names fixed so programs can rely on
// them. The suite runs each one's case when a terminal has the member; a build of the library
// without it skips the case and says so (and jest checks that only missing members are
// skipped, so once a member exists its case must pass under every runtime). `procfs`: the case
// reads /proc; `symbol`: the well-known symbol the runtime must have.

const MEMBERS = {
  foreground: {
    test: 'foreground: pid, name and cwd of the foreground program; undefined after the exit',
    procfs: true,
    has: (term) => 'foreground' in term,
  },
  killSession: {
    test: 'killSession: reaches a background job of the session',
    procfs: true,
    has: (term) => typeof term.killSession === 'function',
  },
  exited: {
    test: 'exited: a promise of the event onExit gets',
    has: (term) => term.exited !== undefined && typeof term.exited.then === 'function',
  },
  asyncDispose: {
    test: 'Symbol.asyncDispose: kills (SIGKILL after a grace for a program that ignores SIGHUP), resolves after the exit',
    procfs: true,
    symbol: 'asyncDispose',
    has: (term) => typeof Symbol.asyncDispose === 'symbol' && typeof term[Symbol.asyncDispose] === 'function',
  },
  dispose: {
    test: 'Symbol.dispose: destroys (the master is closed when it returns)',
    symbol: 'dispose',
    procfs: true,
    has: (term) => typeof Symbol.dispose === 'symbol' && typeof term[Symbol.dispose] === 'function',
  },
  asyncIterator: {
    test: 'Symbol.asyncIterator: a slow for-await loop gets every byte in order, and ends after the exit',
    has: (term) => typeof term[Symbol.asyncIterator] === 'function',
  },
};

/** The members a terminal of this build lacks. */
function missing(pty) {
  const term = pty.spawn('/bin/sh', ['-c', 'exit 0'], {});
  try {
    return Object.keys(MEMBERS).filter((name) => !MEMBERS[name].has(term));
  } finally {
    term.destroy();
  }
}

module.exports = { MEMBERS, missing };

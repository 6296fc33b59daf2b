'use strict';

const fs = require('fs');
const pty = require('..');
const registry = require('../lib/registry');

/** Descriptors open in this process. */
function fdCount() {
  return fs.readdirSync('/proc/self/fd').length;
}

/** This process's descriptors that are ptys (masters or slaves), `fd -> target`. */
const ptyFds = () => registry.ptyDescriptors().map(({ fd, target }) => `${fd} -> ${target}`);

/**
 * Runs a program to its exit. Resolves with everything it printed, the exit event, and
 * whether any data arrived after the exit (which must never happen).
 */
function run(file, args, options = {}, onSpawn) {
  return new Promise((resolve, reject) => {
    const term = pty.spawn(file, args, options);
    const chunks = [];
    let exit = null;
    let dataAfterExit = 0;
    term.onData((d) => {
      if (exit) dataAfterExit++;
      chunks.push(d);
    });
    term.onExit((e) => {
      exit = e;
      // Give anything that would (wrongly) follow the exit a chance to show up.
      setTimeout(() => {
        const output = options.encoding === null ? Buffer.concat(chunks) : chunks.join('');
        resolve({ term, output, chunks, exit, dataAfterExit });
      }, 20);
    });
    if (onSpawn) Promise.resolve(onSpawn(term)).catch(reject);
  });
}

const sh = (script, options) => run('/bin/sh', ['-c', script], options);

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `predicate()` holds, polling; rejects after `ms`. */
async function until(predicate, ms = 10000, what = 'condition') {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

/** Resolves with the terminal's exit event. */
const exitOf = (term) => new Promise((resolve) => term.onExit(resolve));

/** Resolves with everything printed so far once the output contains `text`. */
function outputOf(term, text) {
  return new Promise((resolve) => {
    let seen = '';
    const sub = term.onData((d) => {
      seen += Buffer.isBuffer(d) ? d.toString('latin1') : d;
      if (seen.includes(text)) {
        sub.dispose();
        resolve(seen);
      }
    });
  });
}

/** Ends `term` with SIGKILL and resolves with its exit event. */
function finish(term) {
  const exited = exitOf(term);
  term.kill('SIGKILL');
  return exited;
}

/**
 * Ends every terminal the library still holds a master for, with everything in its session
 * (SIGKILL), and destroys it; returns how each described itself. For after a failed test: a
 * program left waiting for input, or a pipeline paused by the test, never exits by itself, and
 * the library keeps jest's event loop alive until each exit is reported.
 */
function endLeftovers() {
  const left = registry.holding();
  const described = left.filter((t) => typeof t._describe === 'function').map((t) => t._describe());
  for (const term of left) {
    try {
      if (typeof term.killSession === 'function') term.killSession('SIGKILL');
      if (typeof term.kill === 'function') term.kill('SIGKILL');
    } catch {
      // a process of the session that is not ours to signal; destroy() still hangs the pty up
    }
    term.destroy();
  }
  return described;
}

/** The error `fn` throws; fails the test when it throws nothing. */
function thrown(fn) {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

/** Live (not zombie) processes of session `sid`, from /proc. */
function sessionMembers(sid) {
  return fs.readdirSync('/proc').filter((name) => {
    if (!/^\d+$/.test(name)) return false;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, , , session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(session) === sid && state !== 'Z';
    } catch {
      return false; // gone
    }
  }).map(Number);
}

module.exports = { fdCount, ptyFds, run, sh, delay, until, exitOf, outputOf, finish, thrown, endLeftovers, sessionMembers };

'use strict';

const { execFileSync } = require('child_process');
const fs = require('fs');
const pty = require('..');
const live = require('../lib/live');
const { ptyDescriptors } = require('../lib/descriptors');
const { FD_DIR, fdCount } = require('../scripts/lib/open-descriptors');

/**
 * The name node-pty's `process` reports for a running `pid`: argv[0] on Linux; on macOS the
 * kernel's process name (ps's ucomm), which for /bin/sh is the shell it execs (bash, dash...).
 */
function processNameOf(pid) {
  if (process.platform === 'linux') return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
  return execFileSync('ps', ['-o', 'ucomm=', '-p', String(pid)], { encoding: 'utf8' }).trim();
}

/** A terminal's slave name on either kernel: /dev/pts/N (Linux devpts), /dev/ttysNNN (macOS). */
const TTY_NAME = /^\/dev\/(pts\/\d+|ttys\d+)$/;

/** This process's descriptors that are ptys (masters or slaves), `fd -> target`. */
const ptyFds = () => ptyDescriptors().map(({ fd, target }) => `${fd} -> ${target}`);

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
  const left = live.holding();
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

/**
 * `test` where the platform has what the test needs; elsewhere `test.skip`, with the reason in
 * the title so that jest's listing says why. `platforms`: process.platform values.
 */
function testOn(platforms, reason) {
  if (platforms.includes(process.platform)) return test;
  return (title, ...rest) => test.skip(`${title} [skipped on ${process.platform}: ${reason}]`, ...rest);
}

/** `describe` likewise: the skipped block's title says why. */
function describeOn(platforms, reason) {
  if (platforms.includes(process.platform)) return describe;
  return (title, ...rest) => describe.skip(`${title} [skipped on ${process.platform}: ${reason}]`, ...rest);
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

/**
 * Live (not zombie) processes of session `sid`: pgrep -s, then ps's state (pgrep lists zombies
 * too). procps and BSD (macOS) pgrep/ps both take these options.
 */
function sessionMembers(sid) {
  let pids;
  try {
    pids = execFileSync('pgrep', ['-s', String(sid)], { encoding: 'utf8' }).trim().split('\n');
  } catch (err) {
    if (err.status === 1) return []; // none
    throw err;
  }
  let states;
  try {
    states = execFileSync('ps', ['-o', 'pid=,stat=', '-p', pids.join(',')], { encoding: 'utf8' });
  } catch (err) {
    if (err.status === 1) return []; // all gone meanwhile
    throw err;
  }
  return states
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, stat]) => stat && !stat.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

/**
 * The shell the demo's tests run in each tab: bash without the machine's startup files. A
 * user's ~/.bashrc is not the test's business, and this machine's runs `pyenv init`, whose
 * rehash takes a lock file that a tab closed during it (SIGHUP, SIGKILL) leaves behind: every
 * later interactive bash then waits 60 s for it before its first prompt, which turned all the
 * demo tests red for the rest of a run.
 */
const demoShell = { file: '/bin/bash', args: ['--norc', '--noprofile'] };

module.exports = { demoShell, FD_DIR, TTY_NAME, processNameOf, testOn, describeOn, fdCount, ptyFds, run, sh, delay, until, exitOf, outputOf, finish, thrown, endLeftovers, sessionMembers };

'use strict';

// Seed 2: a terminal library must never be the silent killer of a tmux server that a program
// in one of its terminals started. tmux's server leaves the terminal's session (daemon(3):
// fork + setsid) and opens ptys of its own; ending the terminal, its session or its pty must
// leave it, and its socket, alone. Shared by tmux.test.js (every platform) and macos.test.js.

const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const pty = require('..');
const { delay, exitOf, outputOf } = require('./helpers');

const hasTmux = () => {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** How long the servers must outlive their terminals (issue 16's "5 s later"). */
const OUTLIVE_MS = 5000;

/**
 * Starts a tmux server from inside a terminal for each way of ending it, ends each terminal
 * that way, waits OUTLIVE_MS, and reports what is left of each server, seen from outside.
 * Every server is killed (`tmux -L name kill-server`, then its pid is waited for) before it
 * returns, whatever happened.
 */
async function tmuxServersAfterTheirTerminalsEnd() {
  // A private socket directory: unique names, nothing global touched, removed at the end.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-tmux-'));
  const env = { ...process.env, TMUX_TMPDIR: dir, TERM: 'xterm-256color', SHELL: '/bin/sh' };
  delete env.TMUX; // jest run from inside tmux: the terminal is not a client of that one
  const tmux = (name, ...args) => execFileSync('tmux', ['-L', name, ...args], { env, encoding: 'utf8', stdio: 'pipe' });
  const socketOf = (name) => path.join(dir, `tmux-${process.getuid()}`, name);

  const ways = {
    // Every process in the terminal's session, SIGKILL; then destroy().
    killSession: async (term) => {
      const signalled = term.killSession('SIGKILL');
      const exit = await exitOf(term);
      term.destroy();
      return { signalled, exit };
    },
    // destroy() while the program runs: the hangup and SIGHUP to the session; then
    // killSession() too, which has nothing left to reach.
    destroy: async (term) => {
      const exited = exitOf(term);
      term.destroy();
      const exit = await exited;
      return { signalled: term.killSession('SIGKILL'), exit };
    },
  };
  const servers = Object.keys(ways).map((way) => ({ way, name: `npr-${process.pid}-${way}-${Date.now()}`, pid: null }));
  try {
    for (const s of servers) {
      const script = 'if tmux -L "$0" -f /dev/null new-session -d; then echo started; exec sleep 600; else echo "tmux failed: $?"; fi';
      const term = pty.spawn('/bin/sh', ['-c', script, s.name], { env });
      const seen = await Promise.race([outputOf(term, 'started'), outputOf(term, 'tmux failed')]);
      if (!seen.includes('started')) throw new Error(`tmux new-session -d failed in the terminal: ${seen}`);
      s.pid = Number(tmux(s.name, 'display-message', '-p', '#{pid}').trim());
      s.ended = await ways[s.way](term);
    }
    await delay(OUTLIVE_MS);
    return servers.map((s) => {
      let ls;
      try {
        ls = tmux(s.name, 'ls');
      } catch (err) {
        ls = `tmux ls failed: ${(err.stderr || err.message).trim()}`;
      }
      let alive = true;
      try {
        process.kill(s.pid, 0);
      } catch {
        alive = false;
      }
      return { way: s.way, ended: s.ended, serverAlive: alive, socketExists: fs.existsSync(socketOf(s.name)), ls };
    });
  } finally {
    for (const s of servers) {
      try {
        tmux(s.name, 'kill-server');
      } catch {
        // never started, or already gone
      }
      if (s.pid) {
        const end = Date.now() + 10000;
        for (;;) {
          try {
            process.kill(s.pid, 0);
          } catch {
            break;
          }
          if (Date.now() > end) {
            process.kill(s.pid, 'SIGKILL');
            break;
          }
          await delay(20);
        }
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Asserts, with jest's `expect`, that every server outlived its terminal by OUTLIVE_MS. */
function expectSurvivors(results, expect) {
  const alive = { serverAlive: true, socketExists: true, ls: expect.stringMatching(/^0: 1 windows/) };
  expect(results).toEqual([
    // The sleep the terminal's shell became, SIGKILLed with the rest of the session.
    { way: 'killSession', ended: { signalled: expect.any(Number), exit: { exitCode: 0, signal: 9 } }, ...alive },
    // destroy() ends the program (SIGHUP); killSession() afterwards reaches no one.
    { way: 'destroy', ended: { signalled: 0, exit: { exitCode: 0, signal: 1 } }, ...alive },
  ]);
  expect(results[0].ended.signalled).toBeGreaterThanOrEqual(1);
}

module.exports = { hasTmux, tmuxServersAfterTheirTerminalsEnd, expectSurvivors, OUTLIVE_MS };

'use strict';

// One WebSocket, one terminal; they live and die together.
//
// Protocol. Browser to server, text frames of JSON: {"type":"input","data":"..."} and
// {"type":"resize","cols":N,"rows":N}; anything else is ignored. Server to browser: the
// terminal's output as binary frames, so that no output can pass for a text frame; text
// frames of JSON are {"type":"foreground","pid":N,"name":"...","cwd":"..."} whenever the
// foreground program or its directory changes (the tab's title, where a new tab opens), and
// {"type":"exit","exitCode":N,"signal":N}, which precedes a close with code 1000.

const fs = require('fs');
const path = require('path');
const { WebSocket } = require('ws');
const pty = require('..');

// Past this much output queued for a slow browser, stop reading: the kernel then stops the
// program, and the server's memory stays flat whatever the program prints.
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 64 * 1024;
// Input, the other way: past this much typed or pasted input that the program has not read
// (term.writableLength), stop reading the socket until the queue drains. The browser's TCP
// send buffer then holds the rest, and the server's memory stays flat whatever is sent.
const INPUT_HIGH_WATER = 256 * 1024;
const MAX_CELLS = 1000;
// How often the foreground program is looked at (term.foreground: tcgetpgrp and /proc).
const FOREGROUND_POLL_MS = 500;
// A closed tab hangs up everything its shell started that is still in its session; what is
// left this long after gets SIGKILL.
const HANGUP_GRACE_MS = 2000;

// The browser's terminal is not the one the server runs in: the variables that describe the
// latter go, as the library drops them from a defaulted env.
const { HOST_TERMINAL_VARS } = require('../lib/options');

function shellEnv() {
  const env = { ...process.env, COLORTERM: 'truecolor' }; // TERM comes from spawn's `name`
  for (const key of HOST_TERMINAL_VARS) delete env[key];
  return env;
}

const isSize = (n) => Number.isInteger(n) && n >= 1 && n <= MAX_CELLS;

function parse(text) {
  try {
    const msg = JSON.parse(text);
    return msg && typeof msg === 'object' ? msg : {};
  } catch {
    return {};
  }
}

/** `requested` when it names a directory, else the home directory. */
function startDirectory(requested) {
  try {
    if (typeof requested === 'string' && path.isAbsolute(requested) && fs.statSync(requested).isDirectory()) return requested;
  } catch {
    // gone, or not ours to see
  }
  return process.env.HOME || '/';
}

/**
 * Ends the whole session of `term`'s shell, background jobs that outlive the shell (`loop &
 * exit`) included: SIGHUP to each process, as closing a terminal window sends, then SIGKILL to
 * what is left after `graceMs` (at once when 0), then the pty goes. The pty stays open until
 * then: killSession() reaches nobody once it is closed.
 */
function hangUp(term, graceMs) {
  const signal = (name) => {
    term.kill(name);
    try {
      term.killSession(name);
    } catch {
      // a process of the session that is not ours to signal (a setuid program)
    }
  };
  let timer = null;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    signal('SIGKILL');
    term.destroy();
  };
  signal('SIGHUP');
  if (graceMs <= 0) return finish();
  timer = setTimeout(finish, graceMs);
  // The shell gone and its pty closed with it: nobody holds the tty, and killSession() could
  // reach nobody any more; no need to wait.
  term.exited.then(() => {
    if (term.fd < 0) finish();
  });
}

/**
 * Starts a shell for `ws` (`options.shell`, else `$SHELL` or bash), in `options.cwd` when that
 * is a directory; calls `onEnd` once, when the socket has closed (the session is then hung up,
 * see `hangUp`). Returns a function that ends the session and drops the connection at once
 * (the server is going away).
 */
function startSession(ws, onEnd, options = {}) {
  const { file, args } = options.shell || { file: process.env.SHELL || '/bin/bash', args: [] };
  const term = pty.spawn(file, args, {
    name: 'xterm-256color',
    cols: 80,
    rows: 24,
    cwd: startDirectory(options.cwd),
    env: shellEnv(),
    encoding: null, // bytes go out as they came; xterm.js decodes UTF-8 across frames
  });

  let paused = false;
  // Called as each frame reaches the kernel; once the last one has, the queue is short again.
  const sent = () => {
    if (paused && ws.bufferedAmount <= LOW_WATER) {
      paused = false;
      term.resume();
    }
  };
  term.onData((chunk) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(chunk, sent);
    if (!paused && ws.bufferedAmount > HIGH_WATER) {
      paused = true;
      term.pause();
    }
  });
  // The foreground program and its directory, told to the tab when they change.
  let shown = '';
  const watch = setInterval(() => {
    const fg = term.foreground;
    const now = fg ? JSON.stringify({ type: 'foreground', pid: fg.pid, name: fg.name, cwd: fg.cwd }) : '';
    if (now && now !== shown && ws.readyState === WebSocket.OPEN) {
      shown = now;
      ws.send(now);
    }
  }, FOREGROUND_POLL_MS);
  watch.unref();

  term.onExit(({ exitCode, signal }) => {
    clearInterval(watch);
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ type: 'exit', exitCode, signal }));
    ws.close(1000, 'the shell exited');
  });

  let inputPaused = false;
  term.onDrain(() => {
    if (!inputPaused) return;
    inputPaused = false;
    ws.resume();
  });
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const msg = parse(data.toString());
    if (msg.type === 'input' && typeof msg.data === 'string') {
      term.write(msg.data);
      if (!inputPaused && term.writableLength > INPUT_HIGH_WATER) {
        inputPaused = true;
        ws.pause();
      }
    } else if (msg.type === 'resize' && isSize(msg.cols) && isSize(msg.rows)) term.resize(msg.cols, msg.rows);
  });

  let ended = false;
  const end = (graceMs = HANGUP_GRACE_MS) => {
    if (ended) return;
    ended = true;
    clearInterval(watch);
    hangUp(term, graceMs);
    onEnd();
  };
  ws.on('close', () => end());
  ws.on('error', () => {
    end();
    ws.terminate();
  });

  return () => {
    end(0); // the server is going away: no grace
    // The close frame usually makes it out before the connection drops, so the tab can say why.
    ws.close(1001, 'the server is shutting down');
    ws.terminate();
  };
}

module.exports = { startSession };

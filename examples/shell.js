'use strict';

// Runs your shell inside a node-pty-rs terminal, in this terminal: keystrokes go in,
// output comes back, window resizes follow. Exit the shell to leave.

const pty = require('..');

const shell = process.env.SHELL || '/bin/bash';
const { stdin, stdout } = process;

if (!stdin.isTTY || !stdout.isTTY) {
  // Not interactive: show one round trip instead.
  const term = pty.spawn(shell, ['-c', 'echo "hello from $0 on $(tty), $(stty size) rows/cols"'], {});
  term.onData((d) => stdout.write(d));
  term.onExit(({ exitCode }) => process.exit(exitCode));
  return;
}

const term = pty.spawn(shell, [], {
  name: process.env.TERM || 'xterm-256color',
  cols: stdout.columns,
  rows: stdout.rows,
});
stdout.write(`node-pty-rs: ${shell} (pid ${term.pid}) on ${term.ptsName}; exit the shell to leave\r\n`);
stdin.setRawMode(true);
stdin.on('data', (d) => term.write(d));
term.onData((d) => stdout.write(d));
stdout.on('resize', () => term.resize(stdout.columns, stdout.rows));
term.onExit(({ exitCode, signal }) => {
  stdin.setRawMode(false);
  stdout.write(`\r\n[exited: code ${exitCode}${signal ? `, signal ${signal}` : ''}]\n`);
  process.exit(exitCode);
});

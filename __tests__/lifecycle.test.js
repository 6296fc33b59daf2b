'use strict';

// Descriptors, threads and the event loop across the whole life of terminals, including the
// ways hosts end: natural exit, process.exit(), terminated Workers.

const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');
const pty = require('..');
const { fdCount, ptyFds, sh, until, exitOf } = require('./helpers');

/** This process's threads: procfs on Linux; on macOS ps -M, one line per thread after a header. */
const threadCount = () =>
  process.platform === 'linux'
    ? fs.readdirSync('/proc/self/task').length
    : execFileSync('ps', ['-M', '-p', String(process.pid)], { encoding: 'utf8' }).trim().split('\n').length - 1;
const fixture = (name) => path.join(__dirname, 'fixtures', name);

/** Processes whose command line contains `marker` (children a test started). */
function survivors(marker) {
  const r = spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean);
}


async function cycle(i) {
  switch (i % 5) {
    case 0: // natural exit
      return (await sh('exit 0')).exit;
    case 1: {
      // kill
      const term = pty.spawn('/bin/sh', ['-c', 'sleep 30'], {});
      const exited = exitOf(term);
      term.kill('SIGKILL');
      return exited;
    }
    case 2: {
      // destroy() before exit
      const term = pty.spawn('/bin/sh', ['-c', 'sleep 30'], {});
      const exited = exitOf(term);
      term.destroy();
      return exited;
    }
    case 3: // a missing file
      return exitOf(pty.spawn('no-such-program-here', [], {}));
    default: // a bad cwd
      return exitOf(pty.spawn('/bin/sh', [], { cwd: '/no/such/dir' }));
  }
}

test('1,000 cycles of exit, kill, destroy, missing file and bad cwd: fds, ptys and threads at baseline', async () => {
  for (let i = 0; i < 5; i++) await cycle(i); // warm: the reactor thread and its descriptors exist
  const before = { fds: fdCount(), ptys: ptyFds(), threads: threadCount() };
  const expected = [{ exitCode: 0, signal: 0 }, { exitCode: 0, signal: 9 }, { exitCode: 0, signal: 1 }, { exitCode: 1, signal: 0 }, { exitCode: 1, signal: 0 }];
  for (let i = 0; i < 1000; i++) {
    const exit = await cycle(i);
    expect({ exitCode: exit.exitCode, signal: exit.signal }).toEqual(expected[i % 5]);
  }
  await until(() => fdCount() === before.fds, 2000, 'fds to settle').catch(() => {});
  const after = { fds: fdCount(), ptys: ptyFds(), threads: threadCount() };
  process.stdout.write(`1,000 cycles: fds ${before.fds} -> ${after.fds}, pty fds ${before.ptys.length} -> ${after.ptys.length}, threads ${before.threads} -> ${after.threads}\n`);
  expect(after).toEqual(before);
}, 180000);

test('a loopback TCP exchange while 500 terminals are spawned and destroyed: nothing lost, no EBADF', async () => {
  const server = net.createServer((sock) => sock.pipe(sock)); // echo
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = net.connect(server.address().port, '127.0.0.1');
  const errors = [];
  client.on('error', (e) => errors.push(e));
  await new Promise((resolve) => client.once('connect', resolve));

  let received = '';
  client.setEncoding('utf8');
  client.on('data', (d) => (received += d));
  let sent = 0;
  const sender = setInterval(() => {
    for (let k = 0; k < 10; k++) client.write(`msg ${sent++}\n`);
  }, 1);

  for (let i = 0; i < 500; i++) {
    const term = pty.spawn('/bin/sh', ['-c', i % 2 ? 'exit 0' : 'sleep 30'], {});
    const exited = exitOf(term);
    if (i % 2 === 0) term.destroy();
    await exited;
    term.destroy();
  }
  clearInterval(sender);
  await until(() => received.split('\n').length - 1 === sent, 10000, 'all echoes');
  const lines = received.trim().split('\n');
  expect(lines).toEqual(Array.from({ length: sent }, (_, i) => `msg ${i}`));
  expect(errors).toEqual([]);
  client.destroy();
  await new Promise((resolve) => server.close(resolve));
}, 120000);

describe('the host process', () => {
  test('a script that spawns a terminal and lets it exit ends by itself', () => {
    const r = spawnSync(process.execPath, [fixture('ends-by-itself.js')], { encoding: 'utf8', timeout: 10000 });
    expect(r.error).toBeUndefined(); // no ETIMEDOUT: it ended by itself
    expect(r.stdout).toBe('done\r\nexit 0\n');
    expect(r.status).toBe(0);
  });

  /** Runs a host fixture that starts programs tagged with a unique marker; then none may survive. */
  async function hostRun(name, timeout) {
    const marker = `npr-${name}-${process.pid}-${Date.now()}`;
    const r = spawnSync(process.execPath, [fixture(`${name}.js`), marker], { encoding: 'utf8', timeout });
    expect(r.signal).toBeNull(); // no crash (SIGABRT, SIGSEGV) and no time-out
    expect(r.status).toBe(0);
    await until(() => survivors(marker).length === 0, 15000, 'the programs to end').catch(() => {});
    expect(survivors(marker)).toEqual([]);
    return r;
  }

  test('process.exit() with 50 live terminals: no crash, and their programs get the hangup', async () => {
    const r = await hostRun('exit-with-live-terminals', 20000);
    expect(r.stderr).toBe('');
  });

  test('terminals in terminated Workers: no crash, and none of their programs survive', async () => {
    const r = await hostRun('worker-terminated', 60000);
    expect(r.stdout).toBe('main thread still running\n');
  });

  test('jest --detectOpenHandles reports nothing for a suite that uses terminals', () => {
    const jest = require.resolve('jest/bin/jest');
    // A user's suite: its own configuration, not this project's (no setup file ending leftovers).
    const config = { rootDir: path.join(__dirname, 'fixtures'), testMatch: ['**/open-handles.fixture.js'], testEnvironment: 'node' };
    const r = spawnSync(process.execPath, [jest, '--detectOpenHandles', '--config', JSON.stringify(config)], {
      encoding: 'utf8',
      timeout: 60000,
      env: { ...process.env, CI: 'true' },
    });
    const output = r.stdout + r.stderr;
    expect(output).toMatch(/Tests:\s+2 passed/);
    expect(output).not.toMatch(/open handle/i);
    expect(r.status).toBe(0);
  });
});

'use strict';

// Every byte, in order, then the exit: the reactor's delivery guarantees under a busy host.

const fs = require('fs');
const os = require('os');
const path = require('path');
const pty = require('..');
const { exactOutput } = require('../bench/scenarios');
const { sh, until } = require('./helpers');

test('200 runs per size while the JS thread is busy 20 ms of every 40: every byte, none after exit', async () => {
  const results = await exactOutput(pty, { runs: 200 });
  process.stdout.write(
    'exact output under load (node-pty-rs):\n' +
      results.map((r) => `  N=${r.n}: ${r.exact}/${r.runs} exact, ${r.lostBytes} bytes lost, ${r.runsWithDataAfterExit} runs with data after exit\n`).join('')
  );
  for (const r of results) {
    expect(r).toEqual({ n: r.n, runs: 200, exact: 200, short: 0, lostBytes: 0, maxLost: 0, runsWithDataAfterExit: 0 });
  }
}, 300000);

test("sh -c 'sleep 30 & echo hi': hi arrives, then the exit follows promptly", async () => {
  const term = pty.spawn('/bin/sh', ['-c', 'sleep 30 & echo hi'], {});
  let out = '';
  term.onData((d) => (out += d));
  const exit = await new Promise((resolve) => term.onExit(resolve));
  expect(out).toBe('hi\r\n');
  expect(exit).toEqual({ exitCode: 0, signal: 0 });
  term.destroy(); // the pty's hangup takes the background sleep with it
});

// What becomes of a background job's output after the session leader exits is the kernel's
// choice, and the two differ:
// - Linux keeps the tty open for the job: its later output arrives, after the exit.
// - XNU revokes it: proc_exit() (bsd/kern/kern_exit.c, xnu-11417.101.15), for a session leader
//   with a controlling tty, sends SIGHUP to the foreground group, waits for the output to drain
//   (ttywait) and then VNOP_REVOKE(ttyvp, REVOKEALL): every descriptor of the tty, the job's
//   included, is dead from then on, so its later writes fail and nothing more arrives.
const jobOutputAfterExit = process.platform === 'darwin' ? 'revoked' : 'delivered';

test(`a background job that survives the hangup writes after the exit: its output ${jobOutputAfterExit === 'delivered' ? 'arrives after the exit (Linux)' : 'never arrives, the tty is revoked (macOS)'}`, async () => {
  // Ignoring SIGHUP lets the background job outlive the shell (the session leader). It writes
  // only once the test has seen the exit (a file appears), so "after" does not rest on a delay,
  // and then records its write's status in a second file, the event this test waits for.
  const flag = path.join(os.tmpdir(), `npr-ordering-${process.pid}-${Date.now()}`);
  const done = `${flag}.status`;
  const script = 'trap "" HUP; (while [ ! -e "$0" ]; do sleep 0.05; done; echo later; echo $? > "$0.status") & echo now';
  const term = pty.spawn('/bin/sh', ['-c', script, flag], {});
  const seen = [];
  term.onData((d) => seen.push(d));
  term.onExit(() => {
    seen.push('<exit>');
    fs.writeFileSync(flag, '');
  });
  try {
    await until(() => fs.existsSync(done) && fs.readFileSync(done, 'utf8').endsWith('\n'), 10000, "the job's write");
    const status = fs.readFileSync(done, 'utf8').trim();
    if (jobOutputAfterExit === 'delivered') {
      await until(() => seen.join('').includes('later'), 10000, 'the late output');
      expect({ output: seen.join(''), status }).toEqual({ output: 'now\r\n<exit>later\r\n', status: '0' });
    } else {
      // The write failed on the revoked tty (EIO); what the master delivered ended at the exit.
      expect({ output: seen.join(''), statusIsFailure: status !== '0' }).toEqual({ output: 'now\r\n<exit>', statusIsFailure: true });
    }
  } finally {
    term.destroy();
    try {
      process.kill(-term.pid, 'SIGKILL'); // the job, should it still wait for the flag
    } catch {
      // already gone
    }
    fs.rmSync(flag, { force: true });
    fs.rmSync(done, { force: true });
  }
});

test('a child that exits while the host is blocked still gets all of its output delivered first', async () => {
  const term = pty.spawn('/bin/sh', ['-c', 'head -c 300000 /dev/zero | tr "\\0" x'], {});
  const end = Date.now() + 500;
  while (Date.now() < end); // the child finishes while nothing is read into JS
  let bytes = 0;
  term.onData((d) => (bytes += d.length));
  const exit = await new Promise((resolve) => term.onExit(resolve));
  expect(bytes).toBe(300000);
  expect(exit.exitCode).toBe(0);
});

test('data listeners added after spawn see everything (delivery starts on a later tick)', async () => {
  const { output } = await sh('printf first');
  expect(output).toBe('first');
});

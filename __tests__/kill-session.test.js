'use strict';

// killSession() after the program's exit: the session's id is the program's pid, which the
// kernel gives out again once no process of the session is left. Only members pinned while
// they were members may be signalled (core/src/session.rs).

const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const pty = require('..');
const { until, outputOf, sessionMembers } = require('./helpers');

describe('a stranger that got the program pid', () => {
  // A new pid namespace, where ns_last_pid decides the next pid: needs root (or
  // CAP_SYS_ADMIN) and util-linux's unshare.
  const prefix = 'unshare --pid --fork --mount-proc';
  const canUnshare =
    process.platform === 'linux' && spawnSync('/bin/sh', ['-c', `${prefix} true`], { timeout: 30000 }).status === 0;
  if (!canUnshare) {
    test.skip('skipped: needs Linux, root and unshare(1) for a pid namespace', () => {});
    return;
  }

  test('is signalled neither by killSession() nor by `await using` after the exit', () => {
    const fixture = path.join(__dirname, 'fixtures', 'session-reuse.js');
    const r = spawnSync('/bin/sh', ['-c', `${prefix} "${process.execPath}" "${fixture}"`], {
      encoding: 'utf8',
      timeout: 60000,
    });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    expect(out.aExit).toEqual({ exitCode: 0, signal: 0 });
    expect(out.reused).toBe(true); // the precondition: B's program has A's old pid
    expect(out.signalled).toBe(0);
    expect(out.bSignal).toBe(15); // our SIGTERM, not A's SIGKILL
  });
});

test('killSession() after the exit reaches a background job pinned at the exit, and what it starts later', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-kill-session-'));
  const go = path.join(dir, 'go');
  try {
    // The job waits for the file, then starts a long sleep: a member forked after the exit.
    const job = `trap "" HUP; (while [ ! -e ${go} ]; do sleep 0.01; done; sleep 1000 & echo "late $((6*7)) $!"; wait) & exit 3`;
    const term = pty.spawn('/bin/sh', ['-c', job], {});
    const late = outputOf(term, 'late 42');
    expect((await term.exited).exitCode).toBe(3);
    const sid = term.pid;
    fs.writeFileSync(go, '');
    const sleeper = Number(/late 42 (\d+)/.exec(await late)[1]);
    expect(sessionMembers(sid)).toContain(sleeper);
    // The job (pinned at the exit) and its sleep (found below it now), at least.
    expect(term.killSession('SIGKILL')).toBeGreaterThanOrEqual(2);
    await until(() => sessionMembers(sid).length === 0, 15000, 'no process of the session left');
    term.destroy();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

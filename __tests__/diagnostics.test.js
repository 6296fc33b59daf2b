'use strict';

const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const pty = require('..');
const { sh, exitOf, processNameOf, TTY_NAME } = require('./helpers');

const onMac = process.platform === 'darwin';


describe('diagnostics()', () => {
  test('lists live terminals with what a host wants to see, and forgets them at exit', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'read line; echo "got $line"; read wait'], {});
    const exited = exitOf(term);
    term.write('hello\r');
    const got = new Promise((resolve) => term.onData((d) => d.includes('got hello') && resolve()));
    await got;

    const d = pty.diagnostics();
    expect(d.terminals).toHaveLength(1);
    const t = d.terminals[0];
    expect(t).toMatchObject({ pid: term.pid, ptsName: term.ptsName, file: '/bin/sh', args: ['-c', 'read line; echo "got $line"; read wait'], paused: false, bytesIn: 6 });
    expect(t.bytesOut).toBeGreaterThanOrEqual('hello\r\ngot hello\r\n'.length);
    // node-pty's `process` name: argv[0] on Linux ('/bin/sh'), the kernel's name on macOS.
    expect(t.foreground).toEqual({ pid: term.pid, name: processNameOf(term.pid), cwd: process.cwd() });
    if (!onMac) expect(t.foreground.name).toBe('/bin/sh');
    expect(t.ageMs).toBeGreaterThanOrEqual(0);
    // Two descriptors, and nothing the process does not really have open: the master and, on
    // Linux, the child's pidfd; on macOS (kqueue watches the pid without one) the slave the
    // library keeps until the output is drained.
    expect(t.descriptors).toHaveLength(2);
    expect(d.descriptors.held).toEqual(t.descriptors);
    expect(d.descriptors.ptys).toContainEqual({ fd: t.descriptors[0], target: '/dev/ptmx' });
    if (onMac) {
      expect(d.descriptors.ptys).toContainEqual({ fd: t.descriptors[1], target: term.ptsName });
    } else {
      expect(fs.readlinkSync(`/proc/self/fd/${t.descriptors[0]}`)).toBe('/dev/ptmx');
      expect(fs.readlinkSync(`/proc/self/fd/${t.descriptors[1]}`)).toBe('anon_inode:[pidfd]');
    }
    expect(d.reactor.started).toBe(true);
    expect(d.reactor.tracked).toBeGreaterThanOrEqual(1);
    // A count (the core's tests drive what it counts); XNU never strands output.
    expect(Number.isInteger(d.reactor.outputRecovered) && d.reactor.outputRecovered >= 0).toBe(true);
    if (onMac) expect(d.reactor.outputRecovered).toBe(0);

    const pool = d.ptyPool;
    const max = onMac ? execFileSync('sysctl', ['-n', 'kern.tty.ptmx_max'], { encoding: 'utf8' }) : fs.readFileSync('/proc/sys/kernel/pty/max', 'utf8');
    expect(pool.max).toBe(Number(max));
    expect(pool.inUse).toBeGreaterThanOrEqual(1);
    expect(pool.inUse).toBeLessThanOrEqual(pool.max);

    term.pause();
    expect(pty.diagnostics().terminals[0].paused).toBe(true);
    term.resume();
    term.write('\r');
    await exited;
    expect(pty.diagnostics().terminals).toEqual([]);
  });

  test('a destroyed terminal is gone at once', () => {
    const term = pty.spawn('/bin/sh', ['-c', 'sleep 30'], {});
    expect(pty.diagnostics().terminals.map((t) => t.pid)).toEqual([term.pid]);
    term.destroy();
    expect(pty.diagnostics().terminals).toEqual([]);
  });

  test('open() pairs are listed with both ends until closed', async () => {
    const pair = pty.open({});
    const [entry] = pty.diagnostics().terminals;
    expect(entry).toMatchObject({ pid: null, ptsName: pair.ptsName, file: '(open)' });
    expect(entry.descriptors).toHaveLength(2);
    const closed = new Promise((resolve) => pair.on('close', resolve));
    pair.destroy();
    await closed;
    expect(pty.diagnostics().terminals).toEqual([]);
  });
});

describe('the leak helper', () => {
  function spawnHere() {
    return pty.spawn('/bin/sh', ['-c', 'sleep 30'], {});
  }

  test('reports a terminal left open, with the stack that spawned it', async () => {
    const term = spawnHere();
    const found = pty.leaks();
    expect(found.terminals).toHaveLength(1);
    expect(found.terminals[0].pid).toBe(term.pid);
    expect(found.terminals[0].spawnedAt).toMatch(/spawnHere .*diagnostics\.test\.js:\d+/);
    // The library's own frames (index.js, lib/) are left out: the first is the caller's.
    expect(found.terminals[0].spawnedAt.split('\n')[0]).toMatch(/diagnostics\.test\.js:\d+/);
    let thrown;
    try {
      pty.assertNoLeaks();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown.code).toBe('ERR_PTY_LEAK');
    expect(thrown.leaks.terminals[0].pid).toBe(term.pid);
    expect(thrown.message).toContain(`terminal pid ${term.pid} (/bin/sh -c sleep 30)`);
    expect(thrown.message).toContain('spawnHere');

    const exited = exitOf(term);
    term.destroy();
    await exited;
    expect(pty.leaks()).toEqual({ terminals: [], descriptors: [] });
    expect(() => pty.assertNoLeaks()).not.toThrow();
  });

  test('reports pty descriptors that no terminal of ours holds', () => {
    const fd = fs.openSync('/dev/ptmx', fs.constants.O_RDWR | fs.constants.O_NOCTTY);
    try {
      expect(pty.leaks().descriptors).toEqual([{ fd, target: '/dev/ptmx' }]);
    } finally {
      fs.closeSync(fd);
    }
    expect(pty.leaks().descriptors).toEqual([]);
  });

  test('nothing is reported after terminals exit by themselves', async () => {
    await sh('echo done');
    expect(pty.leaks()).toEqual({ terminals: [], descriptors: [] });
  });
});

test('out of descriptors: spawn() throws EMFILE naming the limit, and leaks nothing', () => {
  const script = path.join(__dirname, 'fixtures', 'exhaust-descriptors.js');
  const out = execFileSync('/bin/sh', ['-c', `ulimit -n 64 && exec "${process.execPath}" "${script}"`], { encoding: 'utf8', timeout: 60000 });
  const r = JSON.parse(out);
  expect(r.spawned).toBeGreaterThan(0);
  expect(r.isError).toBe(true);
  expect(r.code).toBe('EMFILE');
  expect(r.fdLimit).toBe(64);
  // The pool is not what ran out (pool.test.js covers its exhaustion), and could not be read.
  expect(r.ptyPool).toBeUndefined();
  // Which open runs out depends on how many descriptors the host already holds (it differs
  // between Node versions): the master's (posix_openpt, no path) or the slave's (open, which
  // names the pts it tried). Either way the message names that syscall, and the path iff one.
  expect(['posix_openpt', 'open']).toContain(r.syscall);
  if (r.syscall === 'open') expect(r.path).toMatch(TTY_NAME);
  else expect(r.path).toBeUndefined();
  const where = r.syscall === 'open' ? `, '${r.path}'` : '';
  expect(r.message).toBe(`${r.syscall} failed: Too many open files (EMFILE)${where}; the process's descriptor limit is 64`);
});

afterAll(() => {
  pty.assertNoLeaks();
});

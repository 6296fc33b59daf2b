'use strict';

const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const pty = require('..');
const { ptyDescriptors } = require('../lib/descriptors');
const { TTY_NAME, delay, processNameOf, run, sh, testOn, until } = require('./helpers');

describe('round trip and exit', () => {
  test('input typed into a shell comes back as its output', async () => {
    const { output, exit } = await run('/bin/sh', [], {}, (term) => {
      term.write('echo "round $((20 + 22)) trip"\r');
      term.write('exit\r');
    });
    expect(output).toContain('round 42 trip');
    expect(exit).toEqual({ exitCode: 0, signal: 0 });
  });

  test.each([
    [0, { exitCode: 0, signal: 0 }],
    [3, { exitCode: 3, signal: 0 }],
    [255, { exitCode: 255, signal: 0 }],
  ])('exit %i', async (code, expected) => {
    const { output, exit, dataAfterExit } = await sh(`echo bye; exit ${code}`);
    expect(output).toBe('bye\r\n');
    expect(exit).toEqual(expected);
    expect(dataAfterExit).toBe(0);
  });

  test.each([
    ['SIGKILL', 9],
    ['SIGTERM', 15],
    [undefined, 1], // kill() defaults to SIGHUP
  ])('kill(%s): exitCode 0 and the signal number, as node-pty reports it', async (signal, number) => {
    const { exit } = await run('/bin/sh', ['-c', 'echo ready; exec sleep 30'], {}, (term) => {
      term.onData((d) => {
        if (d.includes('ready')) term.kill(signal);
      });
    });
    expect(exit).toEqual({ exitCode: 0, signal: number });
  });

  test('the legacy events: data, then close, then exit(code, signal)', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'echo legacy; exit 7'], {});
    const seen = [];
    term.on('data', (d) => seen.push(['data', d]));
    term.on('close', () => seen.push(['close']));
    await new Promise((resolve) =>
      term.on('exit', (code, signal) => {
        seen.push(['exit', code, signal]);
        resolve();
      })
    );
    expect(seen).toEqual([['data', 'legacy\r\n'], ['close'], ['exit', 7, 0]]);
  });

  test("node-pty's EventEmitter surface: on, once, off, removeListener, removeAllListeners, listeners, emit", async () => {
    // b and c only once the test has typed a line each (no echo): 'a' is a chunk of its own.
    const term = pty.spawn('/bin/sh', ['-c', 'stty -echo; echo a; read x; echo b; read x; echo c'], {});
    const onceSeen = [];
    const offSeen = [];
    const allSeen = [];
    const off = (d) => offSeen.push(d);
    term.once('data', (d) => onceSeen.push(d));
    term.on('data', off);
    term.addListener('data', (d) => allSeen.push(d));
    expect(term.listeners('data')).toHaveLength(3);
    await new Promise((resolve) => term.once('data', resolve)); // 'a' (the once listener saw it too)
    term.off('data', off);
    term.removeListener('data', off);
    expect(term.listeners('data')).toHaveLength(1);
    term.write('\r\r');
    const exit = new Promise((resolve) => term.on('exit', (code, signal) => resolve([code, signal])));
    expect(await exit).toEqual([0, 0]);
    expect(onceSeen).toEqual(['a\r\n']);
    expect(offSeen).toEqual(['a\r\n']);
    expect(allSeen.join('')).toBe('a\r\nb\r\nc\r\n');
    term.removeAllListeners('data');
    expect(term.listeners('data')).toEqual([]);
    // emit() reaches the listeners, as on node-pty's socket-backed terminal.
    const emitted = [];
    term.on('data', (d) => emitted.push(d));
    expect(term.emit('data', 'synthetic')).toBe(true);
    expect(emitted).toEqual(['synthetic']);
  });

  test('onData and onExit return disposables', async () => {
    // 'two' only once the listener has seen 'one' and been disposed: 'one' is a chunk of its own.
    const term = pty.spawn('/bin/sh', ['-c', 'echo one; read x; echo two'], {});
    const got = [];
    const sub = term.onData((d) => {
      got.push(d);
      sub.dispose();
      term.write('\r');
    });
    await new Promise((resolve) => term.onExit(resolve));
    expect(got).toEqual(['one\r\n']);
  });
});

describe('what reaches the child', () => {
  test('cwd', async () => {
    const dir = fs.realpathSync(os.tmpdir());
    const { output } = await run('/bin/sh', ['-c', 'pwd'], { cwd: dir });
    expect(output).toBe(`${dir}\r\n`);
  });

  test('env, TERM from name, and PATH lookup in the child environment', async () => {
    const { output } = await run('sh', ['-c', 'echo "$GREETING|$TERM"'], {
      env: { GREETING: 'hello there', PATH: '/usr/bin:/bin' },
      name: 'xterm-256color',
    });
    expect(output).toBe('hello there|xterm-256color\r\n');
  });

  test('the default env is process.env without the host terminal variables', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { TMUX: '/tmp/tmux-0/default,1,0', LINES: '10', NPR_MARK: 'kept' });
    try {
      const { output } = await sh('echo "[$TMUX][$LINES][$NPR_MARK][$TERM]"');
      const term = saved.TERM || 'xterm';
      expect(output).toBe(`[][][kept][${term}]\r\n`);
    } finally {
      for (const k of ['TMUX', 'LINES', 'NPR_MARK']) {
        if (k in saved) process.env[k] = saved[k];
        else delete process.env[k];
      }
    }
  });

  test('the child is a session leader with the terminal as its controlling tty', async () => {
    // ps's `stat` flags a session leader with `s` in procps and BSD (macOS) ps alike; macOS's
    // ps has no session id column (its `sess` is a kernel pointer).
    const { output } = await sh('ps -o stat= -o tpgid= -p $$; tty; echo $$');
    const [ids, tty, pid] = output.trim().split(/\r\n/);
    const [stat, tpgid] = ids.trim().split(/\s+/);
    expect(stat).toContain('s');
    expect(tpgid).toBe(pid.trim());
    expect(tty).toMatch(TTY_NAME);
  });

  test('no descriptor of the host leaks into the child', async () => {
    // Open a descriptor without close-on-exec to show the child only gets 0, 1 and 2.
    const leaky = fs.openSync('/dev/null', fs.constants.O_RDONLY);
    try {
      // The shell lists its own descriptors (/dev/fd: procfs on Linux, fdesc on macOS); 3 is
      // the one its glob opens to read the directory.
      const { output } = await sh('cd /dev/fd && echo *');
      expect(output.trim().split(' ').map(Number).sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
    } finally {
      fs.closeSync(leaky);
    }
  });
});

describe('size', () => {
  test('stty size shows the spawn size, then the size after resize', async () => {
    const { output } = await run('/bin/sh', ['-c', 'stty size; read x; stty size'], { cols: 100, rows: 30 }, (term) => {
      let resized = false;
      term.onData((d) => {
        if (!resized && d.includes('30 100')) {
          resized = true;
          term.resize(120, 40);
          expect([term.cols, term.rows]).toEqual([120, 40]);
          term.write('\r');
        }
      });
    });
    expect(output).toMatch(/^30 100\r\n[\s\S]*40 120\r\n$/);
  });

  test('defaults to 80x24', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'stty size'], {});
    expect([term.cols, term.rows]).toEqual([80, 24]);
    let out = '';
    term.onData((d) => (out += d));
    await new Promise((resolve) => term.onExit(resolve));
    expect(out).toBe('24 80\r\n');
  });
});

/** Runs `write` once the program has printed `ready` (after `stty raw`, so nothing is cooked). */
function whenReady(term, write) {
  let seen = '';
  const sub = term.onData((d) => {
    seen += Buffer.isBuffer(d) ? d.toString('latin1') : d;
    if (seen.includes('ready')) {
      sub.dispose();
      write();
    }
  });
}

describe('encodings', () => {
  test('encoding null delivers Buffers, and Buffers can be written', async () => {
    const { output, chunks } = await run('/bin/sh', ['-c', 'stty raw -echo; echo ready; head -c 4 | od -An -tx1'], { encoding: null }, (term) =>
      whenReady(term, () => term.write(Buffer.from([0xde, 0xad, 0xbe, 0xef])))
    );
    expect(chunks.every((c) => Buffer.isBuffer(c))).toBe(true);
    expect(output.toString('latin1')).toMatch(/de ad be ef/);
  });

  // U+1F600 is F0 9F 98 80 in UTF-8: the child writes it in two parts and writes the second
  // only once the first has been read (it waits for a line the test types, not echoed), so that
  // the parts arrive as separate reads however slow the machine.
  test.each([1, 2, 3])('a 4-byte character split after byte %i arrives intact', async (k) => {
    const bytes = Buffer.from('😀');
    const octal = (b) => [...b].map((x) => '\\' + x.toString(8)).join('');
    const script = `stty -echo; printf '${octal(bytes.subarray(0, k))}'; read x; printf '${octal(bytes.subarray(k))}'`;
    // A string decoder holds the first part back, so what was read is seen in bytesOut.
    const readK = (term) => pty.diagnostics().terminals.some((t) => t.pid === term.pid && t.bytesOut >= k);
    const split = (options) =>
      run('/bin/sh', ['-c', script], options, async (term) => {
        await until(() => readK(term), 10000, 'the first part to be read');
        term.write('\r');
      });

    const raw = await split({ encoding: null });
    expect(raw.chunks.length).toBeGreaterThanOrEqual(2); // the split really happened
    expect(Buffer.concat(raw.chunks).equals(bytes)).toBe(true);

    const text = await split({});
    expect(text.output).toBe('😀');
    expect(text.output).not.toContain('\ufffd');
  });

  test('other encodings decode output and encode input', async () => {
    const { output } = await run('/bin/sh', ['-c', 'stty raw -echo; echo ready; head -c 2 | od -An -tx1'], { encoding: 'latin1' }, (term) =>
      whenReady(term, () => term.write('é\u00ff'))
    );
    expect(output).toMatch(/e9 ff/);
  });
});

describe('terminal properties', () => {
  test('pid, ptsName, fd and process', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'read x'], {});
    expect(term.pid).toBeGreaterThan(0);
    expect(term.ptsName).toMatch(TTY_NAME);
    expect(ptyDescriptors()).toContainEqual({ fd: term.fd, target: '/dev/ptmx' });
    // node-pty's `process`: argv[0] on Linux ('/bin/sh'), the kernel's process name on macOS.
    let name;
    await until(() => term.process === (name = processNameOf(term.pid)), 15000, 'process name');
    if (process.platform === 'linux') expect(name).toBe('/bin/sh');
    term.write('\r');
    await new Promise((resolve) => term.onExit(resolve));
    expect(term.process).toBe(name);
  });

  test('process follows the foreground job', async () => {
    const term = pty.spawn('/bin/sh', [], {});
    term.write('exec sleep 30\r');
    await until(() => term.process === 'sleep', 15000, 'sleep in the foreground');
    term.kill('SIGKILL');
    await new Promise((resolve) => term.onExit(resolve));
  });
});

describe('after exit or destroy', () => {
  /** Calls every method on `t` and returns how many data and drain events fired afterwards. */
  async function callEverything(t) {
    let events = 0;
    t.onData(() => events++);
    t.onDrain(() => events++);
    t.write('x'.repeat(100000));
    t.resize(10, 10);
    t.pause();
    t.resume();
    t.clear();
    t.destroy();
    expect(t.cols).toBe(80); // resize changed nothing
    expect(t.rows).toBe(24);
    expect(t.writableLength).toBe(0); // nothing was queued
    expect(t.fd).toBe(-1);
    await delay(200); // anything that (wrongly) follows would show up by now
    return events;
  }

  test('after the exit: write, resize, pause, resume, clear, kill and destroy change nothing and fire nothing', async () => {
    const { term } = await sh('exit 0');
    let exits = 0;
    term.onExit(() => exits++);
    term.kill();
    term.kill('SIGKILL');
    expect(await callEverything(term)).toBe(0);
    expect(exits).toBe(0); // reported once, before
    await expect(term.exited).resolves.toEqual({ exitCode: 0, signal: 0 });
  });

  test('after destroy(): write, resize, pause, resume and clear change nothing; the exit is reported once', async () => {
    const t = pty.spawn('/bin/sh', ['-c', 'sleep 30'], {});
    let exits = 0;
    const exited = new Promise((resolve) => t.onExit((e) => resolve(e, exits++)));
    t.destroy();
    expect(await callEverything(t)).toBe(0);
    expect((await exited).signal).toBe(1);
    expect(exits).toBe(1);
  });
});


test('module shape: spawn, fork and createTerminal', () => {
  expect(pty.fork).toBe(pty.spawn);
  expect(pty.createTerminal).toBe(pty.spawn);
  expect(path.basename(require.resolve('..'))).toBe('index.js');
});

describe('uid and gid', () => {
  // Changing user needs privileges, and a fork path that exists on Linux only (macOS: ENOTSUP,
  // macos.test.js).
  const asRoot = process.getuid() === 0 ? testOn(['linux'], 'uid/gid are Linux only (ENOTSUP on macOS)') : (title, ...rest) => test.skip(`${title} [skipped: needs root]`, ...rest);

  asRoot('the program runs as the given user and group, with no supplementary groups', async () => {
    const { output, exit } = await run('/bin/sh', ['-c', 'id -u; id -g; id -G'], { uid: 65534, gid: 65534, cwd: '/' });
    expect(output).toBe('65534\r\n65534\r\n65534\r\n');
    expect(exit.exitCode).toBe(0);
  });

  asRoot('a cwd the new user may not enter: exit 1, the cause on the exit event', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-private-'));
    fs.chmodSync(dir, 0o700);
    try {
      const { exit } = await run('/bin/sh', ['-c', 'pwd'], { uid: 65534, gid: 65534, cwd: dir });
      expect(exit.exitCode).toBe(1);
      expect(exit.error).toMatchObject({ code: 'EACCES', syscall: 'chdir', path: dir });
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  /** The supplementary groups of a program run with `options`, from the kernel's view. */
  async function groupsOf(options) {
    const { output, exit } = await run('/bin/sh', ['-c', 'grep ^Groups: /proc/self/status'], { cwd: '/', ...options });
    expect(exit.exitCode).toBe(0);
    return output.replace(/^Groups:/, '').trim().split(/\s+/).filter(Boolean).map(Number);
  }

  asRoot("uid alone: the user's own supplementary groups, not the host's", async () => {
    const own = execFileSync('id', ['-G', 'nobody'], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    expect(own).not.toEqual(process.getgroups()); // or the test could not tell them apart
    expect(await groupsOf({ uid: 65534 })).toEqual(own);
  });

  asRoot('uid of no known user: no supplementary groups; with gid: that group only', async () => {
    expect(await groupsOf({ uid: 54321 })).toEqual([]);
    expect(await groupsOf({ uid: 54321, gid: 54322 })).toEqual([54322]);
  });

  test('ids beyond 32 bits, or the kernel\'s "unchanged" (2**32-1), are a RangeError, not wrapped to root', () => {
    for (const options of [{ uid: 2 ** 32 }, { gid: 2 ** 32 }, { uid: 2 ** 32 - 1 }, { uid: 2 ** 53 }]) {
      expect(() => pty.spawn('/bin/sh', ['-c', 'id -u'], options)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }));
    }
  });

  test("the host's own ids, or -1, change nothing", async () => {
    const { output } = await run('/bin/sh', ['-c', 'id -u'], { uid: process.getuid(), gid: -1 });
    expect(output).toBe(`${process.getuid()}\r\n`);
  });
});

'use strict';

// Where node-pty 1.1.0 (and @lydell/node-pty, the same code) accepts something, a program
// moved over unchanged must not start throwing. Each expectation below was measured against
// node-pty 1.1.0 on Linux.

const fs = require('fs');
const os = require('os');
const path = require('path');
const pty = require('..');
const { run, sh, until, finish, thrown, endLeftovers } = require('./helpers');

let dir;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-compat-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
// A failed expectation must not leave a program waiting for input and hold jest open.
afterEach(endLeftovers);

describe('env.PWD is the cwd, as node-pty sets it', () => {
  test('a shell started in a symlinked directory shows the logical path', async () => {
    const real = fs.mkdirSync(path.join(dir, 'real'), { recursive: true }) || path.join(dir, 'real');
    const link = path.join(dir, 'link');
    fs.symlinkSync(real, link);
    const { output, exit } = await sh('echo "PWD=$PWD"; pwd; pwd -P', { cwd: link });
    expect(exit.exitCode).toBe(0);
    expect(output.split('\r\n')).toEqual([`PWD=${link}`, link, fs.realpathSync(real), '']);
  });

  test('also over an explicit env, and with the default cwd', async () => {
    const viaEnv = await sh('echo "$PWD"', { cwd: '/usr', env: { PATH: process.env.PATH, PWD: '/elsewhere' } });
    expect(viaEnv.output).toBe('/usr\r\n');
    const byDefault = await run('/usr/bin/env', [], { env: { PWD: '/elsewhere' } });
    expect(byDefault.output).toContain(`PWD=${process.cwd()}\r\n`);
  });
});

describe('cols and rows', () => {
  test('0 means unset: the default 80x24, as node-pty treats it', async () => {
    const { term, output } = await sh('stty size', { cols: 0, rows: 0 });
    expect(output).toBe('24 80\r\n');
    expect([term.cols, term.rows]).toEqual([80, 24]);
    const one = await sh('stty size', { cols: 0, rows: 5 });
    expect(one.output).toBe('5 80\r\n');
  });

  test('resize to less than one cell is the documented RangeError, not a native error', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'sleep 30'], {});
    for (const [cols, rows] of [[0.5, 10], [10, 0.99], [-0.5, 10]]) {
      const err = thrown(() => term.resize(cols, rows));
      expect(err).toBeInstanceOf(RangeError);
      expect(err.code).toBe('ERR_OUT_OF_RANGE');
      expect(err.message).toBe('resizing must be done using positive cols and rows');
    }
    expect([term.cols, term.rows]).toEqual([80, 24]);
    term.resize(100.7, 30.2); // fractions above one are floored
    expect([term.cols, term.rows]).toEqual([100, 30]);
    await finish(term);
  });
});

describe('kill() never throws, as node-pty (process.kill with errors swallowed)', () => {
  /**
   * Spawns a sleeper, kills it with `args`, then with SIGKILL; resolves with its exit. The first
   * fatal signal sent decides how it dies (the kernel marks the group exiting as it is sent), so
   * the exit says whether kill(...args) sent one, with no waiting window.
   */
  async function killWith(...args) {
    const term = pty.spawn('/bin/sh', ['-c', 'echo ready; exec sleep 30'], {});
    await new Promise((resolve) => term.onData((d) => d.includes('ready') && resolve()));
    const exited = new Promise((resolve) => term.onExit(resolve));
    let threw = null;
    try {
      term.kill(...args);
    } catch (err) {
      threw = err;
    }
    term.kill('SIGKILL');
    const exit = await exited;
    if (threw) throw threw;
    return exit;
  }

  test.each([['SIGBOGUS'], ['sigterm'], ['TERM'], [-1], [1.5], [999], [{}]])('kill(%p) sends nothing', async (signal) => {
    expect(await killWith(signal)).toEqual({ exitCode: 0, signal: 9 });
  });

  test.each([[0], ['']])('kill(%p) is the default SIGHUP (a falsy signal)', async (signal) => {
    expect(await killWith(signal)).toEqual({ exitCode: 0, signal: 1 });
  });

  test('real-time signals by number are sent', async () => {
    expect(await killWith(40)).toEqual({ exitCode: 0, signal: 40 });
  });
});

describe("write() takes what node-pty's Buffer.from(data) takes", () => {
  /** The bytes a raw program receives after `write(data)`, as hex. */
  async function received(data) {
    const term = pty.spawn('/bin/sh', ['-c', 'stty raw -echo; printf R; head -c 16 | od -An -tx1 -v'], {});
    let out = '';
    term.onData((d) => (out += d));
    await until(() => out === 'R', 10000, 'the program to be ready');
    try {
      term.write(data);
    } finally {
      term.write('Z'.repeat(16));
    }
    await new Promise((resolve) => term.onExit(resolve));
    return out.slice(1).replace(/5a/g, '').trim().split(/\s+/).filter(Boolean).join(' ');
  }

  test.each([
    ['an Array: each element & 0xff', [0x41, 0x142, 0x43, -1], '41 42 43 ff'],
    ['a Uint16Array: each element & 0xff', new Uint16Array([0x4142, 0x44]), '42 44'],
    ['an Int8Array', new Int8Array([-1, 65]), 'ff 41'],
    ['an ArrayBuffer', new Uint8Array([0x47, 0x48]).buffer, '47 48'],
    ['an array-like object', { length: 2, 0: 0x49, 1: 0x4a }, '49 4a'],
    // node-pty sends nothing for a DataView (Buffer.from sees no length): here its bytes go.
    ['a DataView: the bytes it views', new DataView(new Uint8Array([0x45, 0x46, 0x47]).buffer, 1, 2), '46 47'],
  ])('%s', async (_, data, hex) => {
    expect(await received(data)).toBe(hex);
  });

  test('a view of a detached ArrayBuffer is a TypeError with a code', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'sleep 30'], {});
    const buffer = new ArrayBuffer(4);
    const views = [new Uint8Array(buffer), new Uint16Array(buffer), new DataView(buffer)];
    structuredClone(buffer, { transfer: [buffer] });
    for (const data of [...views, buffer]) {
      const err = thrown(() => term.write(data));
      expect(err).toBeInstanceOf(TypeError);
      expect(err.code).toBe('ERR_INVALID_ARG_VALUE');
    }
    for (const data of [42, null, undefined, Symbol('s')]) {
      expect(thrown(() => term.write(data)).code).toBe('ERR_INVALID_ARG_TYPE');
    }
    await finish(term);
  });
});

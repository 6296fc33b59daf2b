'use strict';

const pty = require('..');
const { fdCount, ptyFds, sh, thrown } = require('./helpers');

/** destroy() closes the pty at once; the child's pidfd goes when it is reaped. */
async function destroyAndReap(term) {
  const exited = new Promise((resolve) => term.onExit(resolve));
  term.destroy();
  await exited;
}

describe('bad arguments throw at once, with a code, and open nothing', () => {
  let before;
  beforeAll(async () => {
    await sh('exit 0'); // the reactor's own descriptors exist from here on
    before = fdCount();
  });
  afterEach(() => {
    expect(fdCount()).toBe(before);
  });

  test.each([
    ['file is a number', () => pty.spawn(42, [], {}), TypeError, 'ERR_INVALID_ARG_TYPE', 'file must be a string (not a number)'],
    ['args as a string (Windows only)', () => pty.spawn('sh', '-c true', {}), TypeError, 'ERR_INVALID_ARG_TYPE', 'args as a string is not supported on unix.'],
    ['an argument is not a string', () => pty.spawn('sh', ['-c', 1], {}), TypeError, 'ERR_INVALID_ARG_TYPE', 'args[1] must be a string (not a number)'],
    ['cols is a string', () => pty.spawn('sh', [], { cols: '80' }), TypeError, 'ERR_INVALID_ARG_TYPE', 'cols must be a number (not a string)'],
    ['env is a string', () => pty.spawn('sh', [], { env: 'A=1' }), TypeError, 'ERR_INVALID_ARG_TYPE', 'env must be a object (not a string)'],
    ['cwd is a number', () => pty.spawn('sh', [], { cwd: 1 }), TypeError, 'ERR_INVALID_ARG_TYPE', 'cwd must be a string (not a number)'],
    ['unknown encoding', () => pty.spawn('sh', [], { encoding: 'klingon' }), TypeError, 'ERR_UNKNOWN_ENCODING', 'Unknown encoding: klingon'],
    ['a NUL in an argument', () => pty.spawn('sh', ['a\0b'], {}), TypeError, 'ERR_INVALID_ARG_VALUE', 'args[0] must not contain null bytes'],
    ['cols 0.5', () => pty.spawn('sh', [], { cols: 0.5 }), RangeError, 'ERR_OUT_OF_RANGE', /cols must be a positive number/],
    ['rows -1', () => pty.spawn('sh', [], { rows: -1 }), RangeError, 'ERR_OUT_OF_RANGE', /rows must be a positive number/],
    ['cols NaN', () => pty.spawn('sh', [], { cols: NaN }), RangeError, 'ERR_OUT_OF_RANGE', /cols must be a positive number/],
    ['rows Infinity', () => pty.spawn('sh', [], { rows: Infinity }), RangeError, 'ERR_OUT_OF_RANGE', /rows must be a positive number/],
    ['cols beyond the kernel limit', () => pty.spawn('sh', [], { cols: 70000 }), RangeError, 'ERR_OUT_OF_RANGE', /no larger than 65535/],
  ])('%s', (_, fn, type, code, message) => {
    const err = thrown(fn);
    expect(err).toBeInstanceOf(type);
    expect(err.code).toBe(code);
    if (message instanceof RegExp) expect(err.message).toMatch(message);
    else expect(err.message).toBe(message);
  });

  test.each([
    [0, 10],
    [10, -1],
    [NaN, 10],
    [10, Infinity],
  ])('resize(%p, %p) throws node-pty\'s message', async (cols, rows) => {
    const term = pty.spawn('/bin/sh', ['-c', 'sleep 30'], {});
    const err = thrown(() => term.resize(cols, rows));
    expect(err.message).toBe('resizing must be done using positive cols and rows');
    expect(err.code).toBe('ERR_OUT_OF_RANGE');
    expect([term.cols, term.rows]).toEqual([80, 24]);
    await destroyAndReap(term);
  });

  test('write of something that is not a string or Buffer', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'sleep 30'], {});
    expect(thrown(() => term.write(42)).code).toBe('ERR_INVALID_ARG_TYPE');
    await destroyAndReap(term);
  });
});

describe('a program that cannot start exits with code 1 and says why', () => {
  test.each([
    ['a missing file', 'definitely-not-a-program', {}, { code: 'ENOENT', errno: -2, syscall: 'execve', path: 'definitely-not-a-program' }],
    ['a missing absolute path', '/nonexistent/prog', {}, { code: 'ENOENT', syscall: 'execve', path: '/nonexistent/prog' }],
    ['a bad cwd', '/bin/sh', { cwd: '/nonexistent/dir' }, { code: 'ENOENT', syscall: 'chdir', path: '/nonexistent/dir' }],
    ['a cwd that is a file', '/bin/sh', { cwd: '/etc/passwd' }, { code: 'ENOTDIR', syscall: 'chdir', path: '/etc/passwd' }],
    ['a directory as the program', '/tmp', {}, { code: 'EACCES', syscall: 'execve', path: '/tmp' }],
  ])('%s', async (_, file, options, cause) => {
    await sh('exit 0');
    const before = fdCount();
    const beforePtys = ptyFds();
    const term = pty.spawn(file, [], options);
    const errors = [];
    term.on('error', (e) => errors.push(e));
    let output = '';
    term.onData((d) => (output += d));
    const exit = await new Promise((resolve) => term.onExit(resolve));

    expect(exit.exitCode).toBe(1);
    expect(exit.signal).toBe(0);
    expect(exit.error).toBeInstanceOf(Error);
    expect(exit.error).toMatchObject(cause);
    expect(exit.error.message).toContain(`${cause.syscall} failed`);
    expect(errors).toEqual([exit.error]);
    expect(output).toBe(`${exit.error.message}\r\n`);
    expect(term.pid).toBeUndefined();
    expect(fdCount()).toBe(before);
    expect(ptyFds()).toEqual(beforePtys);
  });

  test('without an error listener nothing is thrown at the host', async () => {
    const term = pty.spawn('definitely-not-a-program', [], {});
    const exit = await new Promise((resolve) => term.onExit(resolve));
    expect(exit.error.code).toBe('ENOENT');
  });
});

'use strict';

// node-pty's terminal has end(), pipe() and setEncoding() at run time (its terminal.js forwards
// them to the master's socket); programs written for it call them. Semantics measured against
// node-pty 1.1.0: end(data) writes data and leaves the terminal open; pipe(dest) forwards the
// output with the stream's back-pressure and ends dest after the exit; setEncoding(enc)
// changes what the data events carry, from then on.

const { PassThrough, Writable } = require('stream');
const pty = require('..');
const { until, thrown, finish, endLeftovers } = require('./helpers');

// A failed expectation must not leave a program waiting for input and hold jest open.
afterEach(endLeftovers);

describe("end(), pipe() and setEncoding(): node-pty's socket methods", () => {
  test('end(data) writes data, as net.Socket#end would; the terminal stays open', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'printf R; while read l; do echo "line:$l"; done'], {});
    let out = '';
    term.onData((d) => (out += d));
    await until(() => out === 'R', 10000, 'the shell to be ready');
    expect(term.end('hello\n')).toBeUndefined();
    await until(() => out.includes('line:hello\r\n'), 10000, 'the line ended with end()');
    term.end();
    term.write('after\n'); // as in node-pty, writing after end() still works
    await until(() => out.includes('line:after\r\n'), 10000, 'a line written after end()');
    expect(await finish(term)).toEqual({ exitCode: 0, signal: 9 });
  });

  test('pipe(dest) writes every byte to dest in order, pauses for a slow dest, then ends it', async () => {
    const size = 1 << 20;
    const term = pty.spawn('/bin/sh', ['-c', `echo one; head -c ${size} /dev/zero | tr "\\0" x; echo; echo two`], {});
    const chunks = [];
    // A destination that takes nothing until released: its back-pressure must pause the
    // terminal (and so the program) instead of queueing the output.
    let held = [];
    let released = false;
    const returned = []; // what each dest.write() call returned
    const dest = new Writable({
      highWaterMark: 4096,
      write(chunk, _enc, done) {
        chunks.push(chunk);
        if (released) done();
        else held.push(done);
      },
    });
    const write = dest.write.bind(dest);
    dest.write = (...args) => {
      const ok = write(...args);
      returned.push(ok);
      return ok;
    };
    const piped = [];
    dest.on('pipe', (src) => piped.push(src));
    const finished = new Promise((resolve) => dest.on('finish', resolve));
    expect(term.pipe(dest)).toBe(dest);
    expect(piped).toEqual([term]);

    await until(() => pty.diagnostics().terminals.some((t) => t.pid === term.pid && t.paused), 10000, 'the terminal to pause');
    // Nothing reaches a destination that asked to wait: it was written to until a write
    // returned false (how many chunks that took depends on how the output was split), and not
    // once after that; the rest waits in the terminal.
    expect(chunks.length).toBe(1);
    expect(returned.indexOf(false)).toBe(returned.length - 1);
    released = true;
    for (const done of held) done();
    held = [];
    await finished;
    const text = Buffer.concat(chunks).toString();
    expect(text).toBe(`one\r\n${'x'.repeat(size)}\r\ntwo\r\n`);
  });

  test('pipe(dest, { end: false }) leaves dest open', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'echo hi'], {});
    const dest = new PassThrough();
    let text = '';
    dest.on('data', (d) => (text += d));
    term.pipe(dest, { end: false });
    await new Promise((resolve) => term.onExit(resolve));
    await until(() => text === 'hi\r\n', 10000, 'the output in dest');
    expect(dest.writableEnded).toBe(false);
    dest.end();
  });

  test('setEncoding(null) switches onData to Buffers, setEncoding(enc) back to strings', async () => {
    const term = pty.spawn('/bin/sh', ['-c', 'read a; printf "\\303\\251"; read b; printf "\\303\\251"; read c; printf "\\303\\251"'], {});
    const seen = [];
    term.onData((d) => seen.push(d));
    term.setEncoding(null);
    term.write('1\r');
    await until(() => seen.some((d) => Buffer.isBuffer(d) && d.includes(Buffer.from('é'))), 10000, 'é as bytes');
    const mark = seen.length;
    term.setEncoding('hex');
    term.write('2\r');
    await until(() => seen.slice(mark).join('').includes('c3a9'), 10000, 'é as hex');
    const mark2 = seen.length;
    term.setEncoding('utf8');
    term.write('3\r');
    await new Promise((resolve) => term.onExit(resolve));
    expect(seen.slice(mark2).every((d) => typeof d === 'string')).toBe(true);
    expect(seen.slice(mark2).join('')).toContain('é');
    const err = thrown(() => term.setEncoding('klingon'));
    expect(err.code).toBe('ERR_UNKNOWN_ENCODING');
  });

  test('the same methods on an open() pair act on its master', async () => {
    const pair = pty.open({ encoding: null });
    const dest = new PassThrough();
    let text = '';
    dest.on('data', (d) => (text += d));
    expect(pair.pipe(dest)).toBe(dest);
    pair.setEncoding('utf8');
    const strings = [];
    pair.onData((d) => strings.push(typeof d));
    pair.slave.write('from-slave\n');
    await until(() => text.includes('from-slave'), 10000, 'slave output piped from the master');
    pair.end('typed\n');
    let slaveText = '';
    pair.slave.on('data', (d) => (slaveText += d));
    await until(() => slaveText.includes('typed'), 10000, 'end(data) to reach the slave');
    expect(strings).toContain('string');
    pair.destroy();
  });
});

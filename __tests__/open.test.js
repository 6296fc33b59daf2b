'use strict';

const { execFileSync } = require('child_process');
const fs = require('fs');
const pty = require('..');
const { TTY_NAME, ptyFds, until } = require('./helpers');

function collect(stream) {
  const state = { text: '' };
  stream.on('data', (d) => (state.text += d));
  return state;
}

test('bytes written to the master are read on the slave through the line discipline, and back', async () => {
  const term = pty.open({ cols: 90, rows: 20 });
  const onMaster = collect(term.master);
  const onSlave = collect(term.slave);
  term.master.write('typed\r'); // ICRNL: the slave reads a newline; ECHO: the master sees it back
  await until(() => onSlave.text === 'typed\n', 15000, 'the slave to read the line');
  term.slave.write('printed\n'); // ONLCR: the master reads CR LF
  await until(() => onMaster.text.includes('printed\r\n'), 15000, 'the master to read the output');
  expect(onMaster.text).toBe('typed\r\nprinted\r\n');
  term.destroy();
});

test('pid is null, size and ptsName are those of the pair, resize reaches the slave', async () => {
  const before = ptyFds();
  const term = pty.open({ cols: 90, rows: 20 });
  expect(term.pid).toBeNull();
  expect([term.cols, term.rows]).toEqual([90, 20]);
  expect(term.ptsName).toMatch(TTY_NAME);
  const size = () => {
    const fd = fs.openSync(term.ptsName, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
    try {
      return execFileSync('stty', ['size'], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8' }).trim();
    } finally {
      fs.closeSync(fd);
    }
  };
  expect(size()).toBe('20 90');
  term.resize(100, 30);
  expect(size()).toBe('30 100');
  const closed = new Promise((resolve) => term.on('close', resolve));
  term.destroy();
  await closed;
  expect(ptyFds()).toEqual(before);
});

test('closing the slave ends the master stream', async () => {
  const term = pty.open({});
  const ended = new Promise((resolve) => term.master.on('end', resolve));
  term.master.resume();
  term.slave.destroy();
  await ended;
  term.destroy();
});

test('encoding null gives Buffers on both ends', async () => {
  const term = pty.open({ encoding: null });
  const chunks = [];
  term.slave.on('data', (d) => chunks.push(d));
  term.master.write(Buffer.from('abc\r'));
  await until(() => Buffer.concat(chunks).toString() === 'abc\n', 15000, 'the slave to read');
  expect(chunks.every(Buffer.isBuffer)).toBe(true);
  term.destroy();
});

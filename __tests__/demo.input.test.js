'use strict';

// The demo's input side: a program that does not read its input must not make the server
// buffer whatever the browser sends. The server stops reading the socket while the
// terminal's write queue (term.writableLength) is above a bound; TCP then holds the rest.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { WebSocket } = require('ws');
const pty = require('..');
const { start } = require('../demo/server');
const { until, delay, demoShell } = require('./helpers');

const TOTAL = 48 * 1024 * 1024;
const CHUNK = 64 * 1024; // what demo/client.js sends at most per message
// The session's bound (256 KiB), a message in flight, the pty's own buffer: far below TOTAL.
const BOUND = 1024 * 1024;

let demo;
let dir;
beforeAll(async () => {
  demo = await start({ port: 0, shell: demoShell });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-demo-input-'));
});
afterAll(async () => {
  if (demo) await demo.close();
  fs.rmSync(dir, { recursive: true, force: true });
  pty.assertNoLeaks();
});

test('48 MiB typed into a raw program that does not read: the server holds a bounded amount, then all of it arrives', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${demo.port}/ws?token=${demo.token}`, { origin: `http://127.0.0.1:${demo.port}` });
  let output = '';
  ws.on('message', (data, isBinary) => {
    if (isBinary) output += data.toString();
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const input = (data) => ws.send(JSON.stringify({ type: 'input', data }));
  const flag = path.join(dir, 'read-now');
  // Raw and silent, it reads nothing until the flag exists, then counts every byte.
  input(`stty raw -echo; echo READY-$((6*7)); while [ ! -e ${flag} ]; do sleep 0.05; done; echo "COUNT=$(($(head -c ${TOTAL} | wc -c)))"; stty sane\r`);
  await until(() => output.includes('READY-42'), 20000, 'the raw program to start');
  const [{ pid }] = pty.diagnostics().terminals;
  const accepted = () => pty.diagnostics().terminals.find((t) => t.pid === pid).bytesIn;
  const before = accepted();

  const chunk = 'x'.repeat(CHUNK);
  for (let sent = 0; sent < TOTAL; sent += CHUNK) input(chunk);

  // Until the flow stops (the client's send buffer no longer shrinks), the server must never
  // have taken more than the bound from the socket.
  let most = 0;
  let last = -1;
  let still = 0;
  while (still < 25) {
    most = Math.max(most, accepted() - before);
    still = ws.bufferedAmount === last ? still + 1 : 0;
    last = ws.bufferedAmount;
    await delay(20);
  }
  expect(most).toBeLessThanOrEqual(BOUND);
  expect(ws.bufferedAmount).toBeGreaterThan(0); // the rest waits in the client, not the server

  fs.writeFileSync(flag, '');
  await until(() => output.includes(`COUNT=${TOTAL}`), 120000, `the program to count ${TOTAL} bytes`);
  expect(accepted() - before).toBe(TOTAL);
  ws.close();
  await until(() => pty.diagnostics().terminals.length === 0, 10000, 'the terminal to be destroyed');
}, 180000);

test('one message over 1 MiB closes the socket (1009) and its terminal goes with it', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${demo.port}/ws?token=${demo.token}`, { origin: `http://127.0.0.1:${demo.port}` });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  await until(() => pty.diagnostics().terminals.length === 1, 10000, 'the terminal');
  const closed = new Promise((resolve) => ws.once('close', resolve));
  ws.send(JSON.stringify({ type: 'input', data: 'y'.repeat(1024 * 1024) }));
  expect(await closed).toBe(1009);
  await until(() => pty.diagnostics().terminals.length === 0, 10000, 'the terminal to be destroyed');
});

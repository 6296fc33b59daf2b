'use strict';

// `npm start` as a user runs it, in its own process: no request, however malformed its target
// or headers, may throw out of a handler and take the server (and every shell in it) down.
// Requests go over raw sockets so that targets no HTTP client would send reach the server.

const { spawn } = require('child_process');
const net = require('net');
const path = require('path');
const { until } = require('./helpers');

const SERVER = path.join(__dirname, '..', 'demo', 'server.js');
const TOKEN = 'a'.repeat(32);

let server;
let port;
let stderr;
let exited;

// A server per test: one that a request killed must not hide what the next test would find.
beforeEach(async () => {
  stderr = '';
  exited = null;
  server = spawn(process.execPath, [SERVER], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DEMO_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  server.stdout.on('data', (d) => (stdout += d));
  server.stderr.on('data', (d) => (stderr += d));
  server.on('exit', (code, signal) => (exited = { code, signal }));
  await until(() => /:(\d+)\//.test(stdout) || exited, 20000, 'the demo to print its URL');
  if (exited) throw new Error(`the demo did not start: ${stderr}`);
  port = Number(/:(\d+)\//.exec(stdout)[1]);
});

afterEach(async () => {
  if (server && !exited) {
    server.kill('SIGTERM');
    await until(() => exited, 10000, 'the demo to exit');
  }
});

/** Sends `request` as is; resolves with the status line's code (0 when the server said nothing). */
function raw(request) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (d) => {
      answer += d;
      // An answered upgrade or request is enough; do not wait for the server to close.
      if (answer.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      resolve(m ? Number(m[1]) : 0);
    });
    socket.setTimeout(5000, () => socket.destroy());
    socket.write(request, 'latin1');
  });
}

const head = (method, target, headers) =>
  `${method} ${target} HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;

const UPGRADE = [
  ['Connection', 'Upgrade'],
  ['Upgrade', 'websocket'],
  ['Sec-WebSocket-Version', '13'],
  ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
];

test('the targets of the report get 400, with and without a valid Host, and the server lives', async () => {
  const host = ['Host', `127.0.0.1:${port}`];
  for (const target of ['//', '///', '//[', 'http://[', '//[::1', '//%', 'http://', 'http://a:b@[/']) {
    expect([target, await raw(head('GET', target, [host, ['Connection', 'close']]))]).toEqual([target, 400]);
    expect([target, await raw(head('GET', target, [host, ...UPGRADE]))]).toEqual([target, 400]);
    // An upgrade without a Host of ours, or any Host at all.
    const noHost = await raw(head('GET', target, UPGRADE));
    expect([target, noHost]).toEqual([target, 400]);
    const foreign = await raw(head('GET', target, [['Host', 'evil.example'], ...UPGRADE]));
    expect([target, foreign]).toEqual([target, 400]);
  }
  expect(exited).toBeNull();
  expect(await raw(head('GET', '/', [host, ['Connection', 'close']]))).toBe(200);
});

/** A small deterministic generator (mulberry32): the same fuzzed set on every run. */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('a fuzzed set of targets and headers never throws out of a handler', async () => {
  const rnd = random(11);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const pieces = ['/', '//', '[', ']', '%', '%zz', '%00', '?', '#', '@', ':', '::', 'http:', 'ws:', '\\', '..', 'ws', 'diagnostics',
    'token=', TOKEN, '&', '=', 'é', '\u00ff', '*', '~', 'localhost', '127.0.0.1', '[::1]', '0x7f.1', ' '.trim(), 'a'.repeat(300)];
  const targets = () => {
    let t = rnd() < 0.7 ? '/' : '';
    const n = 1 + Math.floor(rnd() * 6);
    for (let i = 0; i < n; i++) t += pick(pieces);
    return t || '/';
  };
  const hosts = [undefined, '', `127.0.0.1:${port}`, `localhost:${port}`, '[', '[::1', 'a:b:c', '127.0.0.1', 'x'.repeat(2000), '%', 'évil'];
  const origins = [undefined, '', 'null', `http://127.0.0.1:${port}`, 'http://[', '//', 'evil'];
  const methods = ['GET', 'HEAD', 'POST', 'OPTIONS', 'PUT', 'CONNECT'];

  const statuses = new Map();
  for (let i = 0; i < 400; i++) {
    const headers = [];
    const host = pick(hosts);
    if (host !== undefined) headers.push(['Host', host]);
    const origin = pick(origins);
    if (origin !== undefined) headers.push(['Origin', origin]);
    if (rnd() < 0.5) headers.push(...UPGRADE);
    else headers.push(['Connection', 'close']);
    const method = rnd() < 0.8 ? 'GET' : pick(methods);
    const status = await raw(head(method, targets(), headers));
    statuses.set(status, (statuses.get(status) || 0) + 1);
    if (exited) break;
  }
  expect({ exited, stderr }).toEqual({ exited: null, stderr: '' });
  // Every request got an answer, none of them a failure of the server itself.
  expect(statuses.get(0)).toBeUndefined();
  expect(statuses.get(500)).toBeUndefined();
  expect(await raw(head('GET', '/', [['Host', `127.0.0.1:${port}`], ['Connection', 'close']]))).toBe(200);
});

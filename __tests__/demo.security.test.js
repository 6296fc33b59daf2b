'use strict';

// The web terminal demo (demo/server.js) hands out shells: who gets one, how many, and that
// none outlives its socket.

const http = require('http');
const { WebSocket } = require('ws');
const pty = require('..');
const { start } = require('../demo/server');
const { until, demoShell } = require('./helpers');

const live = () => pty.diagnostics().terminals;

/** Records a socket's output (binary frames), control messages (text frames) and close. */
function record(ws) {
  const log = { output: '', control: [], close: null };
  ws.on('message', (data, isBinary) => {
    if (isBinary) log.output += data.toString();
    else log.control.push(JSON.parse(data.toString()));
  });
  ws.on('close', (code, reason) => (log.close = { code, reason: reason.toString() }));
  return log;
}

/**
 * Opens a WebSocket to the demo. Resolves with `{ ws, log }` once open (the log records from
 * the first frame on), or `{ status, body }` when the server answers the upgrade with an
 * HTTP error.
 */
function connect(demo, { token = demo.token, origin = `http://127.0.0.1:${demo.port}`, host } = {}) {
  const query = token === null ? '' : `?token=${token}`;
  const ws = new WebSocket(`ws://127.0.0.1:${demo.port}/ws${query}`, {
    origin: origin === null ? undefined : origin,
    headers: host ? { Host: host } : {},
  });
  const log = record(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, log }));
    ws.once('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    ws.once('error', reject);
  });
}

const input = (ws, data) => ws.send(JSON.stringify({ type: 'input', data }));

function get(demo, path, headers = {}) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: demo.port, path, headers }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      })
      .on('error', reject);
  });
}

/** Closes the sockets and waits until the server has destroyed their terminals. */
async function hangUp(...sockets) {
  const left = live().length - sockets.length;
  for (const ws of sockets) ws.close();
  await until(() => live().length === left, 10000, `${sockets.length} terminal(s) to be destroyed`);
}

let demo;
beforeAll(async () => {
  demo = await start({ port: 0, shell: demoShell });
});
afterEach(async () => {
  await until(() => live().length === 0, 10000, 'no terminal left after the test');
});
afterAll(async () => {
  if (demo) await demo.close();
  pty.assertNoLeaks();
});

describe('refused, and no terminal spawned', () => {
  test.each([
    ['no token', { token: null }, 401],
    ['a wrong token', { token: 'f'.repeat(32) }, 401],
    ['a foreign Origin', { origin: 'http://evil.example' }, 403],
    ['no Origin', { origin: null }, 403],
  ])('%s', async (what, options, status) => {
    const result = await connect(demo, options);
    expect(result.status).toBe(status);
    expect(result.body).toMatch(/token|Origin/);
    expect(live()).toHaveLength(0);
  });

  test('a foreign Host (DNS rebinding), for the upgrade and for the page', async () => {
    const host = `evil.example:${demo.port}`;
    const upgrade = await connect(demo, { host });
    expect([403, 421]).toContain(upgrade.status);
    expect(upgrade.body).toMatch(/Host/);
    expect(live()).toHaveLength(0);

    const page = await get(demo, '/', { Host: host });
    expect([403, 421]).toContain(page.status);
    expect(page.body).not.toMatch(/xterm/);
  });

  test('/diagnostics without or with a wrong token', async () => {
    expect((await get(demo, '/diagnostics')).status).toBe(401);
    expect((await get(demo, '/diagnostics?token=nope')).status).toBe(401);
  });
});

test('the page and its scripts are served without the token; the rest is 404', async () => {
  const page = await get(demo, '/');
  expect(page.status).toBe(200);
  expect(page.body).toContain('/client.js');
  for (const file of ['/client.js', '/xterm.js', '/xterm.css', '/addon-fit.js']) {
    expect((await get(demo, file)).status).toBe(200);
  }
  expect((await get(demo, '/', { Host: `localhost:${demo.port}` })).status).toBe(200);
  expect((await get(demo, '/package.json')).status).toBe(404);
  expect((await get(demo, '/../package.json')).status).toBe(404);
});

test('with the token, the Origin and the Host right: a shell, and /diagnostics shows it', async () => {
  const { ws, log } = await connect(demo, { origin: `http://localhost:${demo.port}` });
  input(ws, 'echo hi-$((6*7))\r');
  await until(() => log.output.includes('hi-42'), 20000, 'hi-42 in the output');

  const diag = JSON.parse((await get(demo, `/diagnostics?token=${demo.token}`)).body);
  expect(diag.terminals).toHaveLength(1);
  expect(diag.terminals[0].pid).toBe(live()[0].pid);
  await hangUp(ws);
});

test('resize messages reach the terminal; malformed messages are ignored', async () => {
  const { ws, log } = await connect(demo);
  for (const bad of ['not json', '[]', 'null', '{"type":"resize","cols":0,"rows":10}', '{"type":"resize","cols":2000,"rows":10}', '{"type":"resize","cols":"90","rows":10}', '{"type":"input","data":42}']) {
    ws.send(bad);
  }
  ws.send(Buffer.from('binary frames are not input'));
  ws.send(JSON.stringify({ type: 'resize', cols: 101, rows: 33 }));
  input(ws, 'stty size\r');
  await until(() => /^33 101\r?$/m.test(log.output), 20000, '"33 101" from stty size');
  await hangUp(ws);
});

test('the shell exits: an exit message, then close code 1000', async () => {
  const { ws, log } = await connect(demo);
  input(ws, 'exit 3\r');
  await until(() => log.close !== null, 20000, 'the socket to close');
  // The tab's title updates ('foreground', every 0.5 s while the shell runs) may come first,
  // depending on how long the shell takes to exit; the exit comes once, and last.
  expect(log.control.filter((m) => m.type !== 'foreground')).toEqual([{ type: 'exit', exitCode: 3, signal: 0 }]);
  expect(log.control[log.control.length - 1].type).toBe('exit');
  expect(log.close.code).toBe(1000);
  expect(live()).toHaveLength(0);
});

test('closing the socket destroys its terminal, and its program ends', async () => {
  const { ws, log } = await connect(demo);
  input(ws, 'echo ready-$((1+1))\r');
  await until(() => log.output.includes('ready-2'), 20000, 'the shell to answer');
  const [{ pid }] = live();
  await hangUp(ws);
  const gone = () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch (err) {
      return err.code === 'ESRCH';
    }
  };
  await until(gone, 10000, `shell ${pid} to end`);
});

test('a connection that drops, or breaks the protocol, takes its terminal with it', async () => {
  const { ws: dropped } = await connect(demo);
  await until(() => live().length === 1, 10000, 'the terminal');
  dropped.terminate(); // no close frame
  await until(() => live().length === 0, 10000, 'the terminal to be destroyed');

  const { ws: broken } = await connect(demo);
  await until(() => live().length === 1, 10000, 'the terminal');
  // An unmasked frame from a client is a protocol error: the server's socket emits 'error'.
  broken._socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
  await until(() => live().length === 0, 10000, 'the terminal to be destroyed');
});

test('a slow browser pauses the terminal instead of filling the server', async () => {
  const { ws, log } = await connect(demo);
  ws.pause(); // stop reading: TCP backpressure reaches the server
  input(ws, 'yes node-pty-rs\r');
  await until(() => live()[0].paused, 20000, 'the terminal to be paused');
  ws.resume();
  input(ws, '\x03');
  input(ws, 'echo done-$((2+3))\r');
  await until(() => log.output.includes('done-5'), 30000, 'the shell to answer after the flood');
  expect(live()[0].paused).toBe(false);
  await hangUp(ws);
});

describe('the cap on live terminals', () => {
  let small;
  beforeAll(async () => {
    small = await start({ port: 0, maxTerminals: 2, shell: demoShell });
  });
  afterAll(() => small && small.close());

  test('a third socket is told why, closed with 1013, and gets no terminal', async () => {
    const { ws: a } = await connect(small);
    const { ws: b } = await connect(small);
    await until(() => live().length === 2, 10000, 'two terminals');
    const { log } = await connect(small);
    await until(() => log.close !== null, 10000, 'the third socket to close');
    expect(log.output).toContain('[refused: 2 terminals are already open (MAX_TERMINALS)]');
    expect(log.close).toEqual({ code: 1013, reason: '2 terminals are already open (MAX_TERMINALS)' });
    expect(live()).toHaveLength(2);

    // A place frees up when a terminal goes.
    await hangUp(a);
    const { ws: d } = await connect(small);
    await until(() => live().length === 2, 10000, 'a new terminal in the freed place');
    await hangUp(b, d);
  });
});

'use strict';

// The web terminal: `npm start`, then open the printed URL. Each browser tab gets its own
// shell in a node-pty-rs terminal. See docs/demo.md.

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');
const { WebSocketServer } = require('ws');
const pty = require('..');
const { createGuard, publicName } = require('./guard');
const { startSession } = require('./session');

const JS = 'text/javascript; charset=utf-8';
const MAX_MESSAGE = 1024 * 1024;
const FILES = {
  '/': [path.join(__dirname, 'index.html'), 'text/html; charset=utf-8'],
  '/client.js': [path.join(__dirname, 'client.js'), JS],
  '/xterm.js': [require.resolve('@xterm/xterm/lib/xterm.js'), JS],
  '/xterm.css': [require.resolve('@xterm/xterm/css/xterm.css'), 'text/css; charset=utf-8'],
  '/addon-fit.js': [require.resolve('@xterm/addon-fit/lib/addon-fit.js'), JS],
};

const HEADERS = {
  // No framing (a hidden frame could capture keystrokes), nothing from elsewhere, and the
  // token in the URL never leaves in a Referer. xterm.js styles its rows inline.
  'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

function reply(res, status, type, body) {
  res.writeHead(status, { ...HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

const text = (res, status, message) => reply(res, status, 'text/plain; charset=utf-8', `${message}\n`);

/** Answers an upgrade with a plain HTTP error: a refused socket never reaches a terminal. */
function refuseUpgrade(socket, status, message) {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The request's target as a URL, or null when it does not parse (`//`, `//[`, `http://[`…):
 * those get a 400, before anything else looks at them.
 */
function targetOf(req) {
  try {
    return new URL(req.url, 'http://localhost');
  } catch {
    return null;
  }
}

/**
 * Runs a handler so that nothing it throws leaves it: an exception out of an 'request' or
 * 'upgrade' listener would end the server and every shell in it. `fail` answers instead.
 */
function guarded(handler, fail) {
  return (req, ...rest) => {
    try {
      handler(req, ...rest);
    } catch (err) {
      console.error(`node-pty-rs demo: ${req.method} ${JSON.stringify(req.url)} failed: ${err && err.stack}`);
      try {
        fail(...rest);
      } catch {
        rest[0].destroy();
      }
    }
  };
}

/**
 * Starts the demo server. Resolves once it is listening. `shell` is what each tab runs: the
 * user's `$SHELL` (bash without one) with no arguments unless given.
 * @param {{ port?: number, host?: string, token?: string, maxTerminals?: number, shell?: { file: string, args: string[] } }} [options]
 */
function start({ port = 0, host = '127.0.0.1', token = crypto.randomBytes(16).toString('hex'), maxTerminals = 8, shell } = {}) {
  const server = http.createServer();
  // One message is held whole before the session sees it: a bound on it bounds the memory a
  // socket can take (client.js sends large pastes in pieces well below it).
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: MAX_MESSAGE });
  const sessions = new Set();
  // Every connection, upgraded ones included: close() drops them all rather than wait.
  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  let guard;

  const serverError = (res) => (res.headersSent ? res.destroy() : text(res, 500, 'internal error'));
  server.on(
    'request',
    guarded((req, res) => {
      const target = targetOf(req);
      if (!target) return text(res, 400, 'bad request: unparsable target');
      if (!guard.hostAllowed(req)) return text(res, 403, 'forbidden: unexpected Host header');
      if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'method not allowed');
      const route = target.pathname;
      if (route === '/diagnostics') {
        if (!guard.tokenValid(target.searchParams.get('token'))) return text(res, 401, 'unauthorized: missing or wrong token');
        return reply(res, 200, 'application/json', JSON.stringify(pty.diagnostics()));
      }
      if (!Object.hasOwn(FILES, route)) return text(res, 404, 'not found');
      const [file, type] = FILES[route];
      fs.readFile(file, (err, body) => (err ? text(res, 500, 'cannot read file') : reply(res, 200, type, body)));
    }, serverError),
  );

  server.on(
    'upgrade',
    guarded((req, socket, head) => {
      socket.on('error', () => socket.destroy());
      const target = targetOf(req);
      if (!target) return refuseUpgrade(socket, 400, 'bad request: unparsable target');
      if (target.pathname !== '/ws') return refuseUpgrade(socket, 404, 'not found');
      if (!guard.hostAllowed(req)) return refuseUpgrade(socket, 403, 'forbidden: unexpected Host header');
      if (!guard.originAllowed(req)) return refuseUpgrade(socket, 403, 'forbidden: foreign Origin');
      if (!guard.tokenValid(target.searchParams.get('token'))) return refuseUpgrade(socket, 401, 'unauthorized: missing or wrong token');
      // A tab opened with "new tab" asks for the directory the previous one was in.
      const cwd = target.searchParams.get('cwd');
      wss.handleUpgrade(req, socket, head, (ws) => connect(ws, cwd));
    }, (socket) => refuseUpgrade(socket, 500, 'internal error')),
  );

  // Without a listener Node drops a CONNECT without a word; answer it like any other method.
  server.on(
    'connect',
    guarded((req, socket) => {
      socket.on('error', () => socket.destroy());
      refuseUpgrade(socket, 405, 'method not allowed');
    }, (socket) => socket.destroy()),
  );

  function connect(ws, cwd) {
    if (sessions.size >= maxTerminals) {
      // Accepted, then refused in words: a browser shows nothing of a failed handshake.
      const reason = `${maxTerminals} terminals are already open (MAX_TERMINALS)`;
      ws.send(Buffer.from(`\r\n[refused: ${reason}]\r\n`));
      ws.close(1013, reason);
      return;
    }
    let kill;
    try {
      kill = startSession(ws, () => sessions.delete(kill), { cwd, shell });
    } catch (err) {
      ws.send(Buffer.from(`\r\n[could not start a terminal: ${err.message}]\r\n`));
      ws.close(1011, 'could not start a terminal');
      return;
    }
    sessions.add(kill);
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const actual = server.address().port;
      guard = createGuard({ host, port: actual, token });
      resolve({
        url: `http://${publicName(host)}:${actual}/?token=${token}`,
        port: actual,
        token,
        server,
        close() {
          for (const kill of [...sessions]) kill();
          for (const socket of sockets) socket.destroy();
          return new Promise((done) => server.close(() => done()));
        },
      });
    });
  });
}

module.exports = { start };

if (require.main === module) {
  start({
    port: Number(process.env.PORT) || 0,
    // Anything but loopback exposes a shell to the network: only if you know what you do.
    host: process.env.HOST || '127.0.0.1',
    token: process.env.DEMO_TOKEN || undefined,
    maxTerminals: Number(process.env.MAX_TERMINALS) || undefined,
  }).then(
    (demo) => {
      console.log(`node-pty-rs demo: ${demo.url}`);
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
        process.once(signal, () => demo.close().then(() => process.exit(0)));
      }
    },
    (err) => {
      console.error(`node-pty-rs demo: cannot listen: ${err.message}`);
      process.exit(1);
    },
  );
}

'use strict';

// Who may use the demo: a page this server served, reached by this machine's own address,
// that knows the token. A shell is remote code execution by design; every check matters.

const crypto = require('crypto');

const WILDCARDS = new Set(['', '0.0.0.0', '::']);

/** The name the page is reached by: a specific HOST as given, else the loopback address. */
function publicName(host) {
  if (WILDCARDS.has(host)) return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

// Hashing first gives timingSafeEqual equal lengths and hides the token's length.
const digest = (value) => crypto.createHash('sha256').update(value).digest();

function createGuard({ host, port, token }) {
  const authorities = new Set(['127.0.0.1', 'localhost', publicName(host)].map((name) => `${name}:${port}`));
  const origins = new Set([...authorities].map((a) => `http://${a}`));
  const expected = digest(token);

  return {
    // A page from another site whose name was rebound to 127.0.0.1 still sends its own Host.
    hostAllowed: (req) => authorities.has(String(req.headers.host).toLowerCase()),
    // Browsers let any site open a WebSocket to localhost; only Origin tells them apart.
    originAllowed: (req) => origins.has(String(req.headers.origin).toLowerCase()),
    tokenValid: (value) => typeof value === 'string' && crypto.timingSafeEqual(digest(value), expected),
  };
}

module.exports = { createGuard, publicName };

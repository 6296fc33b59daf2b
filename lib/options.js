'use strict';

const { coded, invalidArgType, invalidArgValue, outOfRange, unknownEncoding } = require('./errors');

const DEFAULT_COLS = 80;
const DEFAULT_ROWS = 24;
const DEFAULT_FILE = 'sh';
const DEFAULT_NAME = 'xterm';
const MAX_CELLS = 0xffff; // winsize fields are 16-bit
const MAX_ID = 0xfffffffe; // uid_t/gid_t are 32-bit

/** node-pty's type check, with Node's error code. */
function checkType(name, value, type) {
  if (value !== undefined && value !== null && typeof value !== type) throw invalidArgType(name, `a ${type}`, value);
}

/** A terminal dimension: absent (or 0, as node-pty treats it) means the default; anything else must be a usable size. */
function cells(name, value, fallback) {
  if (value === undefined || value === null || value === 0) return fallback;
  if (!Number.isFinite(value) || value < 1 || value > MAX_CELLS) {
    throw outOfRange(`${name} must be a positive number of cells no larger than ${MAX_CELLS} (got ${value})`);
  }
  return Math.floor(value);
}

function noNul(name, value) {
  if (value.includes('\0')) throw invalidArgValue(`${name} must not contain null bytes`);
  return value;
}

// Variables that describe the terminal the host itself runs in, not the new one.
const HOST_TERMINAL_VARS = ['TMUX', 'TMUX_PANE', 'STY', 'WINDOW', 'WINDOWID', 'TERMCAP', 'COLUMNS', 'LINES'];

function encodingOf(value) {
  if (value === undefined) return 'utf8';
  if (value === null) return null;
  if (!Buffer.isEncoding(value)) throw unknownEncoding(value);
  return value;
}

/**
 * Validates and defaults spawn's arguments the way node-pty's UnixTerminal does.
 * @returns the native request plus what the terminal object keeps.
 */
function normalizeSpawn(file, args, opt) {
  if (typeof args === 'string') {
    throw coded(TypeError, 'ERR_INVALID_ARG_TYPE', 'args as a string is not supported on unix.'); // node-pty's words
  }
  checkType('file', file, 'string');
  if (opt !== undefined && opt !== null && typeof opt !== 'object') throw invalidArgType('options', 'an object', opt);
  opt = opt || {};
  checkType('name', opt.name, 'string');
  checkType('cols', opt.cols, 'number');
  checkType('rows', opt.rows, 'number');
  checkType('cwd', opt.cwd, 'string');
  checkType('env', opt.env, 'object');
  checkType('uid', opt.uid, 'number');
  checkType('gid', opt.gid, 'number');
  checkType('encoding', opt.encoding, 'string');
  checkType('flowControlPause', opt.flowControlPause, 'string');
  checkType('flowControlResume', opt.flowControlResume, 'string');

  args = args || [];
  if (!Array.isArray(args)) throw invalidArgType('args', 'an array of strings', args);
  args = args.map((a, i) => {
    if (typeof a !== 'string') throw invalidArgType(`args[${i}]`, 'a string', a);
    return noNul(`args[${i}]`, a);
  });
  file = noNul('file', file || DEFAULT_FILE);

  const cols = cells('cols', opt.cols, DEFAULT_COLS);
  const rows = cells('rows', opt.rows, DEFAULT_ROWS);
  const cwd = noNul('cwd', opt.cwd || process.cwd());

  const source = opt.env || process.env;
  const env = Object.assign({}, source);
  if (source === process.env) {
    for (const key of HOST_TERMINAL_VARS) delete env[key];
  }
  // As node-pty: a shell then shows the cwd as given (a symlink stays a symlink), not the host's.
  env.PWD = cwd;
  const name = opt.name || env.TERM || DEFAULT_NAME;
  env.TERM = name;
  const envPairs = [];
  for (const key of Object.keys(env)) {
    const value = env[key];
    if (value === undefined) continue;
    if (key.includes('=') || key.includes('\0')) throw invalidArgValue(`env key ${JSON.stringify(key)} is not a valid variable name`);
    envPairs.push(`${key}=${noNul(`env.${key}`, String(value))}`);
  }

  const encoding = encodingOf(opt.encoding);
  for (const id of ['uid', 'gid']) {
    // (uid_t)-1 means "unchanged" to the kernel, so 2**32-1 cannot name an id either.
    if (opt[id] !== undefined && opt[id] !== null && (!Number.isInteger(opt[id]) || opt[id] < -1 || opt[id] > MAX_ID)) {
      throw outOfRange(`${id} must be an integer from 0 to ${MAX_ID}, or -1 for unset (got ${opt[id]})`);
    }
  }

  return {
    request: {
      file,
      args,
      env: envPairs,
      cwd,
      cols,
      rows,
      utf8: encoding === 'utf8' || encoding === 'utf-8',
    },
    file,
    encoding,
    // -1 means "unset" in node-pty; unlike node-pty, 0 (root) is honoured.
    uid: opt.uid === -1 || opt.uid === null ? undefined : opt.uid,
    gid: opt.gid === -1 || opt.gid === null ? undefined : opt.gid,
    handleFlowControl: !!opt.handleFlowControl,
    flowControlPause: opt.flowControlPause || '\x13',
    flowControlResume: opt.flowControlResume || '\x11',
  };
}

/** `open()`'s options: size and encoding. */
function normalizeOpen(opt) {
  if (opt !== undefined && opt !== null && typeof opt !== 'object') throw invalidArgType('options', 'an object', opt);
  opt = opt || {};
  checkType('cols', opt.cols, 'number');
  checkType('rows', opt.rows, 'number');
  checkType('encoding', opt.encoding, 'string');
  const encoding = encodingOf(opt.encoding);
  return {
    cols: cells('cols', opt.cols, DEFAULT_COLS),
    rows: cells('rows', opt.rows, DEFAULT_ROWS),
    encoding,
    utf8: encoding === 'utf8' || encoding === 'utf-8',
  };
}

/** node-pty's resize check, plus the 16-bit limit of the kernel's winsize. */
function normalizeResize(cols, rows, pixelSize) {
  checkType('cols', cols, 'number');
  checkType('rows', rows, 'number');
  // Floored first: the kernel counts whole cells, and 0.5 must fail here, not as a native error.
  cols = Math.floor(cols);
  rows = Math.floor(rows);
  if (cols <= 0 || rows <= 0 || isNaN(cols) || isNaN(rows) || cols === Infinity || rows === Infinity) {
    throw outOfRange('resizing must be done using positive cols and rows');
  }
  if (cols > MAX_CELLS || rows > MAX_CELLS) {
    throw outOfRange(`cols and rows must be no larger than ${MAX_CELLS} (got ${cols}x${rows})`);
  }
  let width = 0;
  let height = 0;
  if (pixelSize !== undefined && pixelSize !== null) {
    if (typeof pixelSize !== 'object') throw invalidArgType('pixelSize', 'an object', pixelSize);
    for (const [k, v] of [['width', pixelSize.width], ['height', pixelSize.height]]) {
      if (!Number.isFinite(v) || v < 0 || v > MAX_CELLS) throw outOfRange(`pixelSize.${k} must be between 0 and ${MAX_CELLS} (got ${v})`);
    }
    width = Math.floor(pixelSize.width);
    height = Math.floor(pixelSize.height);
  }
  return { cols, rows, width, height };
}

module.exports = { normalizeSpawn, normalizeOpen, normalizeResize, encodingOf, HOST_TERMINAL_VARS };

'use strict';

const { types } = require('util');
const { invalidArgType, invalidArgValue } = require('./errors');

function detached(buffer) {
  // `ArrayBuffer.prototype.detached` is recent; a detached buffer also reports byteLength 0
  // and cannot be viewed, which older runtimes tell by throwing.
  if (typeof buffer.detached === 'boolean') return buffer.detached;
  try {
    new Uint8Array(buffer); // eslint-disable-line no-new
    return false;
  } catch {
    return true;
  }
}

/**
 * The bytes `write(data)` sends. node-pty sends `Buffer.from(data)` for anything that is not a
 * string: an Array or typed array element by element (each & 0xff), an ArrayBuffer's bytes, an
 * array-like's elements. A DataView is the exception: Buffer.from sees no length in it and
 * node-pty sends nothing; here the bytes it views are sent.
 * @param {unknown} data
 * @param {string | null} encoding how strings are encoded
 * @returns {Buffer}
 */
function toBytes(data, encoding) {
  if (typeof data === 'string') return Buffer.from(data, encoding || 'utf8');
  if (Buffer.isBuffer(data)) return data;
  const buffer = types.isAnyArrayBuffer(data) ? data : ArrayBuffer.isView(data) ? data.buffer : null;
  if (buffer && detached(buffer)) {
    throw invalidArgValue('data must not be (a view of) a detached ArrayBuffer');
  }
  if (data instanceof Uint8Array || types.isDataView(data)) {
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }
  if (data !== null && typeof data === 'object') {
    try {
      return Buffer.from(data);
    } catch (err) {
      if (err && err.code) throw err;
    }
  }
  throw invalidArgType('data', 'a string, a Buffer, a typed array, an ArrayBuffer or an Array', data);
}

/**
 * Whether strings written with `encoding` are sent as UTF-8: then the string itself goes to
 * the native side, which converts it once, straight into the memory its bytes wait in.
 * @param {string | null} encoding
 */
function stringsAsUtf8(encoding) {
  return !encoding || /^utf-?8$/i.test(encoding);
}

/** Characters of a large string converted (and bytes of what follows it copied) per slice. */
const SLICE = 1024 * 1024;

/**
 * Input waiting behind a large string, handed to the native queue a slice at a time as the pty
 * takes it: write() of a 256 MiB string then converts 1 MiB on the JS thread instead of
 * blocking it for the whole string, and no copy of the whole is held in memory. Strings are
 * immutable, so keeping one is safe; a Buffer written behind one is copied, as a direct write
 * copies it, so that what the caller does with it afterwards does not change what is sent.
 */
class Backlog {
  constructor() {
    /** @type {Array<{ data: string | Buffer, bytes: number | null }>} */
    this._items = [];
    this._offset = 0; // characters (or bytes) of the front item already sent
    this._frontSent = 0; // bytes of the front item already sent
  }

  /** Whether `data` goes to the backlog rather than straight to the native queue. */
  takes(data) {
    return this._items.length > 0 || (typeof data === 'string' && data.length > SLICE);
  }

  /** @param {string | Buffer} data */
  push(data) {
    const item = typeof data === 'string' ? { data, bytes: null } : { data: Buffer.from(data), bytes: data.length };
    this._items.push(item);
  }

  get empty() {
    return this._items.length === 0;
  }

  /** Bytes not yet handed on; a string's UTF-8 length is counted once, when first asked. */
  get length() {
    let total = -this._frontSent;
    for (const item of this._items) {
      if (item.bytes === null) item.bytes = Buffer.byteLength(item.data, 'utf8');
      total += item.bytes;
    }
    return total;
  }

  /**
   * Hands the next slice to `write` (the native write, which returns the bytes it accepted).
   * @param {(data: string | Buffer) => number} write
   * @returns the bytes handed on
   */
  sendNext(write) {
    const item = this._items[0];
    const { data } = item;
    let end = Math.min(this._offset + SLICE, data.length);
    // A surrogate pair split across slices would become two U+FFFD.
    if (typeof data === 'string' && end < data.length) {
      const last = data.charCodeAt(end - 1);
      if (last >= 0xd800 && last <= 0xdbff) end--;
    }
    const slice = typeof data === 'string' ? data.slice(this._offset, end) : data.subarray(this._offset, end);
    const n = write(slice);
    this._offset = end;
    this._frontSent += n;
    if (end === data.length) {
      this._items.shift();
      this._offset = 0;
      this._frontSent = 0;
    }
    return n;
  }

  clear() {
    this._items = [];
    this._offset = 0;
    this._frontSent = 0;
  }
}

module.exports = { toBytes, stringsAsUtf8, Backlog };

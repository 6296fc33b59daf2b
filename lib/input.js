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

module.exports = { toBytes };

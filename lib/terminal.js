'use strict';

const { EventEmitter } = require('events');
const { StringDecoder } = require('string_decoder');
const { constants } = require('os');
const native = require('./native');
const { EventSource } = require('./events');
const liveness = require('./liveness');
const { fromNative, call } = require('./errors');
const registry = require('./diagnostics');
const { normalizeSpawn, normalizeResize } = require('./options');

const { helperPath } = require('./platform');

let helper;
function spawnHelper() {
  if (helper === undefined) helper = helperPath();
  return helper;
}

function signalNumber(signal) {
  if (signal === undefined || signal === null) return constants.signals.SIGHUP;
  if (typeof signal === 'number' && Number.isInteger(signal) && signal > 0) return signal;
  if (typeof signal === 'string' && Object.prototype.hasOwnProperty.call(constants.signals, signal)) {
    return constants.signals[signal];
  }
  const err = new TypeError(`Unknown signal: ${signal}`);
  err.code = 'ERR_UNKNOWN_SIGNAL';
  throw err;
}

/**
 * A terminal running one program: node-pty's UnixTerminal. Output arrives on `onData` (and
 * the legacy `'data'` event) in order, and `onExit` fires once, after the last byte the
 * program wrote.
 */
class Terminal extends EventEmitter {
  constructor(file, args, opt) {
    super();
    const o = normalizeSpawn(file, args, opt);
    // macOS cannot give the child its controlling terminal through posix_spawn alone; the
    // helper does it (see core/src/bin/spawn-helper.rs); it ships in node-pty-rs-darwin-<arch>.
    if (process.platform === 'darwin') o.request.helper = spawnHelper();
    // Only a different user or group needs the fork path; the host's own ids are a no-op.
    if (o.uid !== undefined && o.uid !== process.getuid()) o.request.uid = o.uid;
    if (o.gid !== undefined && o.gid !== process.getgid()) o.request.gid = o.gid;

    this._onData = new EventSource();
    this._onExit = new EventSource();
    this._file = o.file;
    this._args = o.request.args;
    this._spawnedAt = registry.callerStack();
    this._started = Date.now();
    this._bytesIn = 0;
    this._bytesOut = 0;
    this._cols = o.request.cols;
    this._rows = o.request.rows;
    this._encoding = o.encoding;
    this._decoder = o.encoding === null ? null : new StringDecoder(o.encoding);
    this.handleFlowControl = o.handleFlowControl;
    this._flowControlPause = o.flowControlPause;
    this._flowControlResume = o.flowControlResume;
    this._paused = false;
    this._pending = [];
    this._exited = false;
    this._destroyed = false;
    this._holding = true;
    this._native = null;
    this._pid = undefined;
    this._ptsName = undefined;

    liveness.hold();
    try {
      this._native = native.spawn(o.request, (ev) => this._onNative(ev));
    } catch (err) {
      if (!err || !err.spawnFailed) {
        liveness.release();
        throw fromNative(err);
      }
      this._failLater(fromNative(err));
      return;
    }
    this._pid = this._native.pid;
    this._ptsName = this._native.ptsName;
    registry.track(this);
  }

  /** What diagnostics() and leaks() report about this terminal. */
  _describe() {
    const descriptors = this._native ? [this._native.fd, this._native.pidfd].filter((fd) => fd >= 0) : [];
    return {
      pid: this._pid,
      ptsName: this._ptsName,
      file: this._file,
      args: this._args,
      ageMs: Date.now() - this._started,
      bytesIn: this._bytesIn,
      bytesOut: this._bytesOut,
      paused: this._paused,
      descriptors,
      spawnedAt: this._spawnedAt,
    };
  }

  /**
   * The program could not be started (missing file, bad cwd): as with node-pty, the terminal
   * shows the reason and exits with code 1; the exit event also carries the error.
   */
  _failLater(err) {
    // Through _onNative, like real output and exit: dropped after destroy(), held while paused.
    setImmediate(() => {
      this._onNative(Buffer.from(`${err.message}\r\n`));
      if (this.listenerCount('error') > 0 && !this._destroyed) this.emit('error', err);
      this._onNative({ exitCode: 1, signal: 0, error: err });
    });
  }

  _onNative(ev) {
    if (Buffer.isBuffer(ev) && this._destroyed) return;
    if (this._paused) {
      this._pending.push(ev);
      return;
    }
    this._dispatch(ev);
  }

  _dispatch(ev) {
    if (!Buffer.isBuffer(ev)) {
      this._finish(ev);
      return;
    }
    this._bytesOut += ev.length;
    const data = this._decoder ? this._decoder.write(ev) : ev;
    if (data.length > 0) this._emitData(data);
  }

  _emitData(data) {
    this._onData.fire(data);
    this.emit('data', data);
  }

  _finish(exit) {
    if (this._exited) return;
    this._exited = true;
    if (this._decoder && !this._destroyed) {
      const tail = this._decoder.end();
      if (tail.length > 0) this._emitData(tail);
    }
    registry.untrack(this);
    if (this._native) this._native.release();
    this._letGo();
    const event = { exitCode: exit.exitCode, signal: exit.signal };
    if (exit.error) event.error = exit.error;
    this.emit('close');
    this._onExit.fire(event);
    this.emit('exit', event.exitCode, event.signal);
  }

  _letGo() {
    if (this._holding) {
      this._holding = false;
      liveness.release();
    }
  }

  /** @returns {import('../index').IEvent<string | Buffer>} */
  get onData() {
    return this._onData.event;
  }

  get onExit() {
    return this._onExit.event;
  }

  get pid() {
    return this._pid;
  }

  get cols() {
    return this._cols;
  }

  get rows() {
    return this._rows;
  }

  /** The master's descriptor number (owned by the library: do not close it), or -1. */
  get fd() {
    return this._native ? this._native.fd : -1;
  }

  get ptsName() {
    return this._ptsName;
  }

  get process() {
    return (this._live() && this._native.foregroundProcess()) || this._file;
  }

  _live() {
    return this._native !== null && !this._exited && !this._destroyed;
  }

  write(data) {
    if (this.handleFlowControl) {
      if (data === this._flowControlPause) {
        this.pause();
        return;
      }
      if (data === this._flowControlResume) {
        this.resume();
        return;
      }
    }
    let bytes;
    if (typeof data === 'string') bytes = Buffer.from(data, this._encoding || 'utf8');
    else if (Buffer.isBuffer(data)) bytes = data;
    else if (data instanceof Uint8Array) bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    else {
      const err = new TypeError(`data must be a string or a Buffer (not ${data === null ? 'null' : typeof data})`);
      err.code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
    if (this._live()) {
      this._bytesIn += bytes.length;
      this._native.write(bytes);
    }
  }

  resize(cols, rows, pixelSize) {
    const size = normalizeResize(cols, rows, pixelSize);
    if (!this._live()) return;
    call(() => this._native.resize(size.cols, size.rows, size.width, size.height));
    this._cols = size.cols;
    this._rows = size.rows;
  }

  /** Clears the pty's internal representation of its buffer: a no-op on unix, as in node-pty. */
  clear() {}

  kill(signal) {
    const number = signalNumber(signal);
    if (this._live()) call(() => this._native.kill(number));
  }

  /** Stops reading: nothing more is delivered, and the program blocks once the kernel's buffer is full. */
  pause() {
    if (this._paused) return;
    this._paused = true;
    if (this._live()) this._native.setPaused(true);
  }

  resume() {
    if (!this._paused) return;
    this._paused = false;
    if (this._live()) this._native.setPaused(false);
    while (!this._paused && this._pending.length > 0) this._dispatch(this._pending.shift());
  }

  /**
   * Closes the terminal now: no more data is delivered, the master descriptor is closed before
   * this returns and the program gets SIGHUP. `onExit` still fires when the program ends.
   */
  destroy() {
    if (this._destroyed) return;
    this._destroyed = true;
    registry.untrack(this);
    this._pending = this._pending.filter((ev) => !Buffer.isBuffer(ev));
    if (this._native && !this._exited) this._native.destroy();
    this._letGo();
    if (this._paused) {
      this._paused = false;
      while (this._pending.length > 0) this._dispatch(this._pending.shift());
    }
  }
}

module.exports = { Terminal };

'use strict';

const { Duplex } = require('stream');
const native = require('./native');
const { call } = require('./errors');
const liveness = require('./liveness');
const live = require('./live');
const { normalizeOpen, encodingOf } = require('./options');
const { TerminalBase } = require('./terminal-base');
const { emitGuarded } = require('./events');
const { toBytes } = require('./input');

/**
 * One end of a pty pair as a Duplex stream. Reading follows the stream's back-pressure: when
 * the readable buffer is full the reactor stops reading this end, and resumes on `_read`.
 */
class PtyEnd extends Duplex {
  constructor() {
    super({ allowHalfOpen: false });
    this._native = null;
    this._afterDrain = null;
  }

  _attach(handle) {
    this._native = handle;
  }

  _onNative(ev) {
    if (ev === null) {
      this._drained();
      return;
    }
    if (!Buffer.isBuffer(ev)) {
      this._drained();
      this.push(null); // end of file: the other end is closed
      return;
    }
    if (!this.push(ev) && this._native) this._native.setPaused(true);
  }

  _read() {
    if (this._native) this._native.setPaused(false);
  }

  /**
   * Writing follows the pty's back-pressure: a chunk the pty has not taken completes when the
   * native queue has drained, so `write()` returns false and `'drain'` follows as for a socket.
   */
  _write(chunk, _encoding, callback) {
    if (!this._native) return callback();
    this._native.write(chunk);
    if (this._native.writableLength === 0) callback();
    else this._afterDrain = callback;
  }

  _drained() {
    const callback = this._afterDrain;
    this._afterDrain = null;
    if (callback) callback();
  }

  _destroy(err, callback) {
    this._drained();
    if (this._native) {
      this._native.destroy();
      this._native = null;
    }
    callback(err);
  }
}

/**
 * node-pty's `open()`: a pty pair without a process (so `onExit` never fires). Bytes written to `master` are read on
 * `slave` and the other way round, through the line discipline (echo, CR/NL translation…).
 */
class PairTerminal extends TerminalBase {
  constructor(opt) {
    const o = normalizeOpen(opt);
    super(o.cols, o.rows);
    this.handleFlowControl = false;
    this.master = new PtyEnd();
    this.slave = new PtyEnd();
    const [master, slave] = call(() =>
      native.open(o.cols, o.rows, o.utf8, (ev) => this.master._onNative(ev), (ev) => this.slave._onNative(ev))
    );
    this.master._attach(master);
    this.slave._attach(slave);
    this._masterNative = master;
    this._slaveNative = slave;
    this._ptsName = master.ptsName;
    if (o.encoding !== null) {
      this.master.setEncoding(o.encoding);
      this.slave.setEncoding(o.encoding);
    }

    // The pair holds the event loop open until both ends are closed, as node-pty's sockets do.
    liveness.hold();
    live.track(this);
    let open = 2;
    const closed = () => {
      if (--open === 0) {
        liveness.release();
        live.untrack(this);
        emitGuarded(this, 'close');
      }
    };
    this.master.on('close', closed);
    this.slave.on('close', closed);
    this.master.on('data', (d) => {
      this._onData.fire(d);
      emitGuarded(this, 'data', d);
    });
    for (const end of [this.master, this.slave]) {
      end.on('error', (err) => {
        if (this.listenerCount('error') > 0) emitGuarded(this, 'error', err);
      });
    }
  }

  /** This pair's part of what diagnostics() and leaks() report. */
  _report() {
    const ends = [this._masterNative, this._slaveNative];
    return {
      pid: null,
      file: '(open)',
      args: [],
      bytesIn: this.master.bytesWritten || 0,
      bytesOut: this.master.bytesRead || 0,
      paused: this.master.isPaused(),
      descriptors: ends.map((h) => h.fd).filter((fd) => fd >= 0),
    };
  }

  /** The master end's handle until it is destroyed. */
  _masterHandle() {
    return this.master.destroyed ? null : this._masterNative;
  }

  /** There is no program: node-pty reports this process's own name. */
  _defaultProcess() {
    return process.argv[0] || 'node';
  }

  /** node-pty reports `null`: there is no process. */
  get pid() {
    return null;
  }

  write(data) {
    if (!this.master.destroyed) this.master.write(typeof data === 'string' ? data : toBytes(data));
  }

  /** As node-pty: the master's output piped to `dest` (Readable#pipe). */
  pipe(dest, options) {
    return this.master.pipe(dest, options);
  }

  /** As node-pty: the master's data from now on as strings in `encoding`, or Buffers for a falsy one. */
  setEncoding(encoding) {
    if (encoding) {
      this.master.setEncoding(encodingOf(encoding));
      return;
    }
    // Readable has no way back to Buffers; node-pty deletes its socket's decoder the same way.
    const state = this.master._readableState;
    state.decoder = null;
    state.encoding = null;
  }

  /** No process to signal. */
  kill() {}

  pause() {
    this.master.pause();
  }

  resume() {
    this.master.resume();
  }

  destroy() {
    this.master.destroy();
    this.slave.destroy();
  }
}

module.exports = { PairTerminal };

'use strict';

const { EventEmitter } = require('events');
const { Duplex } = require('stream');
const native = require('./native');
const { EventSource } = require('./events');
const { call } = require('./errors');
const liveness = require('./liveness');
const registry = require('./diagnostics');
const { normalizeOpen, normalizeResize } = require('./options');

/**
 * One end of a pty pair as a Duplex stream. Reading follows the stream's back-pressure: when
 * the readable buffer is full the reactor stops reading this end, and resumes on `_read`.
 */
class PtyEnd extends Duplex {
  constructor() {
    super({ allowHalfOpen: false });
    this._native = null;
  }

  _attach(handle) {
    this._native = handle;
  }

  _onNative(ev) {
    if (!Buffer.isBuffer(ev)) {
      this.push(null); // end of file: the other end is closed
      return;
    }
    if (!this.push(ev) && this._native) this._native.setPaused(true);
  }

  _read() {
    if (this._native) this._native.setPaused(false);
  }

  _write(chunk, _encoding, callback) {
    if (this._native) this._native.write(chunk);
    callback();
  }

  _destroy(err, callback) {
    if (this._native) {
      this._native.destroy();
      this._native = null;
    }
    callback(err);
  }
}

/**
 * node-pty's `open()`: a pty pair without a process. Bytes written to `master` are read on
 * `slave` and the other way round, through the line discipline (echo, CR/NL translation…).
 */
class PairTerminal extends EventEmitter {
  constructor(opt) {
    super();
    const o = normalizeOpen(opt);
    this._onData = new EventSource();
    this._onExit = new EventSource();
    this._cols = o.cols;
    this._rows = o.rows;
    this.handleFlowControl = false;
    this.master = new PtyEnd();
    this.slave = new PtyEnd();
    const [master, slave] = call(() =>
      native.open(o.cols, o.rows, o.utf8, (ev) => this.master._onNative(ev), (ev) => this.slave._onNative(ev))
    );
    this.master._attach(master);
    this.slave._attach(slave);
    this._masterHandle = master;
    this._slaveHandle = slave;
    this._spawnedAt = registry.callerStack();
    this._started = Date.now();
    this._ptsName = master.ptsName;
    this._fd = master.fd;
    if (o.encoding !== null) {
      this.master.setEncoding(o.encoding);
      this.slave.setEncoding(o.encoding);
    }

    // The pair holds the event loop open until both ends are closed, as node-pty's sockets do.
    liveness.hold();
    registry.track(this);
    let open = 2;
    const closed = () => {
      if (--open === 0) {
        liveness.release();
        registry.untrack(this);
        this.emit('close');
      }
    };
    this.master.on('close', closed);
    this.slave.on('close', closed);
    this.master.on('data', (d) => {
      this._onData.fire(d);
      this.emit('data', d);
    });
    for (const end of [this.master, this.slave]) {
      end.on('error', (err) => {
        if (this.listenerCount('error') > 0) this.emit('error', err);
      });
    }
  }

  /** What diagnostics() and leaks() report about this pair. */
  _describe() {
    const ends = [this._masterHandle, this._slaveHandle];
    return {
      pid: null,
      ptsName: this._ptsName,
      file: '(open)',
      args: [],
      ageMs: Date.now() - this._started,
      bytesIn: this.master.bytesWritten || 0,
      bytesOut: this.master.bytesRead || 0,
      paused: this.master.isPaused(),
      descriptors: ends.map((h) => h.fd).filter((fd) => fd >= 0),
      spawnedAt: this._spawnedAt,
    };
  }

  get onData() {
    return this._onData.event;
  }

  /** There is no process: this never fires. */
  get onExit() {
    return this._onExit.event;
  }

  /** node-pty reports `null`: there is no process. */
  get pid() {
    return null;
  }

  get cols() {
    return this._cols;
  }

  get rows() {
    return this._rows;
  }

  get ptsName() {
    return this._ptsName;
  }

  get fd() {
    return this.master.destroyed ? -1 : this._fd;
  }

  get process() {
    return (!this.master.destroyed && this._masterHandle.foregroundProcess()) || process.argv[0] || 'node';
  }

  write(data) {
    if (!this.master.destroyed) this.master.write(data);
  }

  resize(cols, rows, pixelSize) {
    const size = normalizeResize(cols, rows, pixelSize);
    if (this.master.destroyed) return;
    call(() => this._masterHandle.resize(size.cols, size.rows, size.width, size.height));
    this._cols = size.cols;
    this._rows = size.rows;
  }

  clear() {}

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

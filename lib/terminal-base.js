'use strict';

// What a spawned terminal (lib/terminal.js) and an open() pair (lib/pair.js) share: node-pty's
// events and size, resize's validation, and what diagnostics report. Each subclass says which
// native handle is its master while it is open (`_masterHandle()`) and what it reports.

const { EventEmitter } = require('events');
const { EventSource } = require('./events');
const { call } = require('./errors');
const { captureCaller, callerStack } = require('./caller-stack');
const { normalizeResize } = require('./options');

class TerminalBase extends EventEmitter {
  constructor(cols, rows) {
    super();
    this._onData = new EventSource();
    this._onExit = new EventSource();
    this._cols = cols;
    this._rows = rows;
    this._ptsName = undefined;
    this._spawnedAt = captureCaller();
    this._started = Date.now();
  }

  /** @returns {import('../index').IEvent<string | Buffer>} */
  get onData() {
    return this._onData.event;
  }

  get onExit() {
    return this._onExit.event;
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

  /** The master's descriptor number (owned by the library: do not close it), or -1. */
  get fd() {
    const master = this._masterHandle();
    return master ? master.fd : -1;
  }

  /** The title of the active process: the foreground process group leader's name. */
  get process() {
    const fg = this._foregroundNow();
    return (fg && fg.name) || this._defaultProcess();
  }

  /**
   * The foreground process group's leader while the master is open: `{ pid, name, cwd }`, and
   * `cwdDeleted: true` (with `cwd` undefined) when its working directory has been deleted.
   */
  _foregroundNow() {
    const master = this._masterHandle();
    const fg = master && master.foreground();
    if (!fg) return undefined;
    const out = { pid: fg.pid, name: fg.name, cwd: fg.cwd == null ? undefined : fg.cwd };
    if (fg.cwdDeleted) out.cwdDeleted = true;
    return out;
  }

  resize(cols, rows, pixelSize) {
    const size = normalizeResize(cols, rows, pixelSize);
    const master = this._masterHandle();
    if (!master) return;
    call(() => master.resize(size.cols, size.rows, size.width, size.height));
    this._cols = size.cols;
    this._rows = size.rows;
  }

  /**
   * node-pty's `end(data)` (net.Socket#end on its master): writes `data` if given, with the
   * subclass's write(). The terminal stays open and writable, as in node-pty; `destroy()` closes it.
   */
  end(data) {
    if (data !== undefined && data !== null) this.write(data);
  }

  /** Clears the pty's internal representation of its buffer: a no-op on unix, as in node-pty. */
  clear() {}

  /** What diagnostics() and leaks() report: the subclass's own figures, with age and stack. */
  _describe() {
    return {
      ...this._report(),
      ptsName: this._ptsName,
      foreground: this._foregroundNow(),
      ageMs: Date.now() - this._started,
      spawnedAt: callerStack(this._spawnedAt),
    };
  }
}

module.exports = { TerminalBase };

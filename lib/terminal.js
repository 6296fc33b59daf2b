'use strict';

const { StringDecoder } = require('string_decoder');
const { constants } = require('os');
const native = require('./native');
const { EventSource, emitGuarded } = require('./events');
const liveness = require('./liveness');
const { fromNative, call, unknownSignal } = require('./errors');
const live = require('./live');
const { normalizeSpawn, encodingOf } = require('./options');
const { TerminalBase } = require('./terminal-base');
const { toBytes, stringsAsUtf8, Backlog } = require('./input');
const { pipe } = require('./pipe');
const { checkPool } = require('./pool-warning');
const { outputIterator } = require('./output-iterator');

// The well-known symbols of explicit resource management, where the runtime lacks them the
// same fallback TypeScript's `using` helpers look up.
const asyncDispose = Symbol.asyncDispose || Symbol.for('Symbol.asyncDispose');
const dispose = Symbol.dispose || Symbol.for('Symbol.dispose');
/** How long `await using` waits after SIGHUP before SIGKILL. */
const DISPOSE_GRACE_MS = 2000;

const { helperPath } = require('./platform');

let helper;
function spawnHelper() {
  if (helper === undefined) helper = helperPath();
  return helper;
}

// The highest signal number kill(2) takes: SIGRTMAX on Linux, NSIG - 1 on macOS.
const LAST_SIGNAL = process.platform === 'linux' ? 64 : 31;

/**
 * The signal kill() sends, or null for none. node-pty calls `process.kill(pid, signal ||
 * 'SIGHUP')` and swallows what it throws: a falsy signal is SIGHUP, an unknown one sends
 * nothing, and nothing throws.
 */
function signalNumber(signal) {
  if (!signal) return constants.signals.SIGHUP;
  if (Number.isInteger(signal)) return signal > 0 && signal <= LAST_SIGNAL ? signal : null;
  if (typeof signal === 'string' && Object.prototype.hasOwnProperty.call(constants.signals, signal)) {
    return constants.signals[signal];
  }
  return null;
}

// Where a terminal is in its life. The program's exit and destroy() come in either order:
//   running --destroy()--> destroyed --exit--> closed
//   running --exit--> exited --destroy()--> closed
// From spawn to exit the terminal holds the event loop open (lib/liveness.js). Whether output
// is held back (pause()) is separate: `_paused`.
const RUNNING = 'running';
const DESTROYED = 'destroyed';
const EXITED = 'exited';
const CLOSED = 'closed';
/** The user's own hold on the output: pause() and resume(). */
const USER = Object.freeze({ holder: 'pause()' });

/**
 * A terminal running one program: node-pty's UnixTerminal. Output arrives on `onData` (and
 * the legacy `'data'` event) in order, and `onExit` fires once, after the last byte the
 * program wrote.
 */
class Terminal extends TerminalBase {
  constructor(file, args, opt) {
    const o = normalizeSpawn(file, args, opt);
    super(o.request.cols, o.request.rows);
    // macOS cannot give the child its controlling terminal through posix_spawn alone; the
    // helper does it (see core/src/bin/spawn-helper.rs); it ships in node-pty-rs-darwin-<arch>.
    if (process.platform === 'darwin') o.request.helper = spawnHelper();
    // Only a different user or group needs the fork path; the host's own ids are a no-op.
    if (o.uid !== undefined && o.uid !== process.getuid()) o.request.uid = o.uid;
    if (o.gid !== undefined && o.gid !== process.getgid()) o.request.gid = o.gid;

    this._onDrain = new EventSource();
    this._file = o.file;
    this._args = o.request.args;
    this._bytesIn = 0;
    this._bytesOut = 0;
    this._encoding = o.encoding;
    this._utf8Strings = stringsAsUtf8(o.encoding);
    this._backlog = new Backlog();
    this._feedScheduled = false;
    this._decoder = o.encoding === null ? null : new StringDecoder(o.encoding);
    this.handleFlowControl = o.handleFlowControl;
    this._flowControlPause = o.flowControlPause;
    this._flowControlResume = o.flowControlResume;
    this._paused = false; // output held back: while anyone holds it (_hold)
    this._holds = new Set();
    this._disposing = false;
    this._pending = [];
    this._state = RUNNING;
    this._native = null;
    this._pid = undefined;

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
    live.track(this);
    checkPool();
  }

  /** This terminal's part of what diagnostics() and leaks() report. */
  _report() {
    // The kept slave copy (macOS, until the program is reaped and its output read) is the
    // terminal's too, never a leak.
    const n = this._native;
    const descriptors = n ? [n.fd, n.pidfd, n.slaveFd].filter((fd) => fd >= 0) : [];
    return {
      pid: this._pid,
      file: this._file,
      args: this._args,
      bytesIn: this._bytesIn + this._backlog.length,
      bytesOut: this._bytesOut,
      paused: this._paused,
      descriptors,
    };
  }

  /** The master while the terminal runs (for the base class's process and resize). */
  _masterHandle() {
    return this._live() ? this._native : null;
  }

  _defaultProcess() {
    return this._file;
  }

  /**
   * The program could not be started (missing file, bad cwd): as with node-pty, the terminal
   * shows the reason and exits with code 1; the exit event also carries the error.
   */
  _failLater(err) {
    // Through _onNative, like real output and exit: dropped after destroy(), held while paused.
    setImmediate(() => {
      this._onNative(Buffer.from(`${err.message}\r\n`));
      if (this.listenerCount('error') > 0 && !this._isDestroyed()) emitGuarded(this, 'error', err);
      this._onNative({ exitCode: 1, signal: 0, error: err });
    });
  }

  _onNative(ev) {
    if (ev === null) {
      this._drained();
      return;
    }
    if (Buffer.isBuffer(ev) && this._isDestroyed()) return;
    // A destroyed terminal's exit is never held back: nothing is delivered that pause() could
    // be waiting to pace, and the event loop is held until it comes.
    if (this._paused && !this._isDestroyed()) {
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

  /** Input queued by write() has all been taken by the pty; not held back by pause(). */
  _drained() {
    if (this._state !== RUNNING) return;
    if (!this._backlog.empty) {
      this._feed();
      return;
    }
    // A drain queued before a later write() left bytes queued again is stale.
    if (this.writableLength > 0) return;
    this._onDrain.fire();
    emitGuarded(this, 'drain');
  }

  _emitData(data) {
    this._onData.fire(data);
    emitGuarded(this, 'data', data);
  }

  _finish(exit) {
    if (this._hasExited()) return;
    // The pty took the last of the input at once, and _feed left the drain that says so for
    // the next turn of the event loop: when the exit arrives in this turn, the drain is owed
    // first.
    if (this._feedScheduled) this._drained();
    const destroyed = this._isDestroyed();
    this._state = destroyed ? CLOSED : EXITED;
    if (this._decoder && !destroyed) {
      const tail = this._decoder.end();
      if (tail.length > 0) this._emitData(tail);
    }
    live.untrack(this);
    // The program is gone: input not yet handed to the native queue is dropped, as write()
    // after the exit sends nothing (what that queue holds still goes to a job keeping the pty).
    this._backlog.clear();
    // A background job may still hold the pty open after the exit; its output is still
    // delivered, and the library still holds the master until it ends or destroy() is called.
    if (this._native && this._native.fd >= 0) live.linger(this);
    liveness.release();
    const event = { exitCode: exit.exitCode, signal: exit.signal };
    if (exit.error) event.error = exit.error;
    this._exitEvent = event;
    // Not a listener: `exited` (and so `await using`) does not depend on what listeners do.
    if (this._resolveExited) this._resolveExited(event);
    emitGuarded(this, 'close');
    this._onExit.fire(event);
    emitGuarded(this, 'exit', event.exitCode, event.signal);
  }

  /** Whether the exit has been reported. */
  _hasExited() {
    return this._state === EXITED || this._state === CLOSED;
  }

  _isDestroyed() {
    return this._state === DESTROYED || this._state === CLOSED;
  }

  /** Running, with a program: what write, resize, pause and the queries act on. */
  _live() {
    return this._state === RUNNING && this._native !== null;
  }

  /** Fires when input queued by write() has all been taken by the pty (writableLength is 0 again). */
  get onDrain() {
    return this._onDrain.event;
  }

  /** Bytes accepted by write() that the pty has not taken yet. */
  get writableLength() {
    return this._native ? this._native.writableLength + this._backlog.length : 0;
  }

  get pid() {
    return this._pid;
  }

  /** The master's descriptor number (owned by the library: do not close it), or -1. */
  get fd() {
    return this._native ? this._native.fd : -1;
  }

  /**
   * The leader of the terminal's foreground process group: `{ pid, name, cwd }` (`name` as
   * `process` reports it, `cwd` undefined where the system does not tell); undefined after
   * the exit or destroy().
   */
  get foreground() {
    return this._foregroundNow();
  }

  /**
   * Signals every process still in the terminal's session: the program's process group and
   * its background jobs, not processes that left with setsid. Returns how many were signalled.
   * After the exit: the members pinned at the exit and what they start (core/src/session.rs).
   */
  killSession(signal) {
    const number = signalNumber(signal);
    if (number === null) throw unknownSignal(signal);
    if (!this._native) return 0;
    return call(() => this._native.killSession(number));
  }

  /** A Promise of the same event `onExit` gets. */
  get exited() {
    if (!this._exitedPromise) {
      this._exitedPromise = this._exitEvent
        ? Promise.resolve(this._exitEvent)
        : new Promise((resolve) => {
            this._resolveExited = resolve;
          });
    }
    return this._exitedPromise;
  }

  /** `using term = spawn(…)`: destroy() at the end of the scope. */
  [dispose]() {
    this.destroy();
  }

  /**
   * `await using term = spawn(…)`: SIGHUP to the terminal's session, then SIGKILL if the
   * program is still there after a grace (and to background jobs still left at its exit);
   * resolves after the exit, with the pty closed.
   */
  async [asyncDispose]() {
    const exited = this.exited;
    // Paced output (pause(), a loop or pipe behind) must not hold the exit back, and a signal
    // must reach the program even after destroy() (the native kill goes through its pidfd;
    // killSession() needs the pty).
    this._disposing = true;
    this._releaseHolds();
    // The program and its session are signalled off the JS thread: disposing a thousand
    // terminals at once must hold it neither for each search of a session nor for the CPU
    // each signalled program takes from the thread that signals it.
    const signal = async (name) => {
      if (!this._native) return;
      try {
        await this._native.killSessionAsync(signalNumber(name));
      } catch {
        // some processes of the session are not ours to signal (a setuid program)
      }
    };
    try {
      if (!this._hasExited()) {
        await signal('SIGHUP');
        let timer;
        const grace = new Promise((resolve) => {
          timer = setTimeout(resolve, DISPOSE_GRACE_MS);
        });
        const winner = await Promise.race([exited.then(() => 'exited'), grace]);
        clearTimeout(timer);
        if (winner !== 'exited') await signal('SIGKILL');
      }
      await exited;
      // Background jobs that ignored the hangup are part of the terminal too; with the pty
      // closed at the exit, none holds it, and killSession() would reach nobody.
      if (this.fd >= 0) await signal('SIGKILL');
    } finally {
      this.destroy();
    }
  }


  /** `for await (const chunk of term)`: output chunks until the exit, paced by the loop. */
  [Symbol.asyncIterator]() {
    return outputIterator(this);
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
    const input = typeof data === 'string' && this._utf8Strings ? data : toBytes(data, this._encoding);
    if (!this._live()) return;
    if (this._backlog.takes(input)) {
      this._backlog.push(input);
      this._feed();
    } else {
      this._bytesIn += this._native.write(input);
    }
  }

  /** Hands the native queue the backlog's next slice once it has nothing left to send. */
  _feed() {
    if (this._feedScheduled || this._backlog.empty || !this._live() || this._native.writableLength > 0) return;
    this._bytesIn += this._backlog.sendNext((slice) => this._native.write(slice));
    // Bytes left queued bring a drain event, which feeds the next slice; if the pty took them
    // all at once none comes: go on in the next turn of the event loop, not in this one.
    if (this._native.writableLength === 0) {
      this._feedScheduled = true;
      setImmediate(() => {
        this._feedScheduled = false;
        this._drained();
      });
    }
  }

  /** node-pty's `pipe(dest, options)`: see lib/pipe.js. */
  pipe(dest, options) {
    return pipe(this, dest, options);
  }

  /**
   * node-pty's `setEncoding(encoding)`: what the data events carry from now on, strings in
   * `encoding` or, for a falsy one, Buffers. Strings written are still encoded with the spawn
   * option `encoding`, as in node-pty.
   */
  setEncoding(encoding) {
    const decoder = encoding ? new StringDecoder(encodingOf(encoding)) : null;
    // A character split across the switch is not held back in the old decoder.
    const tail = this._decoder ? this._decoder.end() : '';
    this._decoder = decoder;
    if (tail.length > 0) this._emitData(tail);
  }

  /**
   * Signals the program until it has exited, also after destroy(): one that ignores SIGHUP
   * can still be reached.
   */
  kill(signal) {
    const number = signalNumber(signal);
    if (number === null || !this._native || this._hasExited()) return;
    try {
      this._native.kill(number);
    } catch {
      // node-pty swallows what process.kill throws (EPERM from a setuid program, say)
    }
  }

  /**
   * Stops reading: nothing more is delivered, and the program blocks once the kernel's buffer
   * is full. Undone only by resume(): a `for await` loop that catches up does not undo it.
   */
  pause() {
    this._hold(USER, true);
  }

  /** Undoes pause(); output flows again unless a `for await` loop or pipe() is still behind. */
  resume() {
    this._hold(USER, false);
  }

  /**
   * Holds output back for `owner` (pause(), each `for await` loop or pipe() that is behind) or
   * lets go. Output flows only while nobody holds it, so that no consumer undoes another's
   * pause: memory stays bounded by the slowest.
   * @param {object} owner
   * @param {boolean} on
   */
  _hold(owner, on) {
    if (on) {
      if (this._isDestroyed() || this._disposing) return;
      this._holds.add(owner);
    } else if (!this._holds.delete(owner)) {
      return;
    }
    const paused = this._holds.size > 0;
    if (paused === this._paused) return;
    this._paused = paused;
    // Also after the exit: a background job's output would otherwise pile up in JS.
    if (this._native) this._native.setPaused(paused);
    while (!this._paused && this._pending.length > 0) this._dispatch(this._pending.shift());
  }

  /** Lets go of every hold and takes no more: the exit (and what precedes it) is never held back. */
  _releaseHolds() {
    const holders = [...this._holds];
    for (const owner of holders) this._hold(owner, false);
  }

  /**
   * Closes the terminal now: no more data is delivered, the master descriptor is closed before
   * this returns (also after the exit, when a background job still held it) and the program
   * gets SIGHUP. `onExit` still fires when the program ends, and until then the event loop
   * stays open for it.
   */
  destroy() {
    // Only the first call: the program gets one SIGHUP.
    if (this._isDestroyed()) return;
    if (this._native) this._native.destroy();
    this._state = this._state === EXITED ? CLOSED : DESTROYED;
    live.untrack(this);
    this._backlog.clear();
    this._pending = this._pending.filter((ev) => !Buffer.isBuffer(ev));
    this._holds.clear();
    if (this._paused) {
      this._paused = false;
      while (this._pending.length > 0) this._dispatch(this._pending.shift());
    }
  }
}

module.exports = { Terminal };

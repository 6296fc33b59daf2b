'use strict';

const { invalidArgType } = require('./errors');

/**
 * What node's EventEmitter does with an error a listener throws: it surfaces as an uncaught
 * exception (the host's 'uncaughtException' handler, or the end of the process). Thrown from
 * its own tick, so that the library's own bookkeeping and every other consumer of the event
 * (exited, the iterator, pipe) have run first: one listener's bug loses nothing else.
 * @param {unknown} err
 */
function throwLater(err) {
  process.nextTick(() => {
    throw err;
  });
}

/**
 * `emitter.emit(name, ...args)` for the library's legacy events: the listeners of this event
 * run as EventEmitter runs them, and one that throws does not break the caller.
 */
function emitGuarded(emitter, name, ...args) {
  try {
    emitter.emit(name, ...args);
  } catch (err) {
    throwLater(err);
  }
}

/**
 * node-pty's `IEvent<T>`: a function that adds a listener and returns an `IDisposable`.
 * @template T
 */
class EventSource {
  constructor() {
    /** @type {Array<(e: T) => any>} */
    this._listeners = [];
    /** @type {(listener: (e: T) => any) => { dispose(): void }} */
    this.event = (listener) => {
      if (typeof listener !== 'function') {
        throw invalidArgType('listener', 'a function', listener);
      }
      this._listeners.push(listener);
      return {
        dispose: () => {
          const i = this._listeners.indexOf(listener);
          if (i !== -1) this._listeners.splice(i, 1);
        },
      };
    };
  }

  /**
   * Calls every listener; one that throws is reported as an uncaught exception (throwLater)
   * and the others still get the event.
   * @param {T} data
   */
  fire(data) {
    for (const listener of this._listeners.slice()) {
      try {
        listener.call(undefined, data);
      } catch (err) {
        throwLater(err);
      }
    }
  }
}

module.exports = { EventSource, emitGuarded };

'use strict';

const { invalidArgType } = require('./errors');

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

  /** @param {T} data */
  fire(data) {
    for (const listener of this._listeners.slice()) listener.call(undefined, data);
  }
}

module.exports = { EventSource };

'use strict';

// `for await (const chunk of term)`: the terminal's output as an async iterable, ending
// after the exit. A consumer slower than the program pauses the terminal (the program then
// waits in the kernel) instead of letting chunks pile up in memory.

const HIGH_WATER = 1024 * 1024; // bytes (or characters) queued before the terminal is paused

function outputIterator(term) {
  const queue = [];
  let queued = 0;
  let ended = false;
  let pausedByUs = false;
  let waiting = null; // the consumer's pending next()

  const settle = () => {
    if (!waiting) return;
    const { resolve } = waiting;
    if (queue.length > 0) {
      waiting = null;
      const chunk = queue.shift();
      queued -= chunk.length;
      if (pausedByUs && queued < HIGH_WATER / 2) {
        pausedByUs = false;
        term.resume();
      }
      resolve({ value: chunk, done: false });
    } else if (ended) {
      waiting = null;
      resolve({ value: undefined, done: true });
    }
  };
  const data = term.onData((chunk) => {
    queue.push(chunk);
    queued += chunk.length;
    if (!pausedByUs && queued >= HIGH_WATER) {
      pausedByUs = true;
      term.pause();
    }
    settle();
  });
  const exit = term.onExit(() => {
    ended = true;
    stop();
    settle();
  });
  function stop() {
    data.dispose();
    exit.dispose();
    if (pausedByUs) {
      pausedByUs = false;
      term.resume();
    }
  }

  return {
    next() {
      return new Promise((resolve) => {
        waiting = { resolve };
        settle();
      });
    },
    /** `break` out of the loop: stop listening; the terminal keeps running. */
    return() {
      ended = true;
      queue.length = 0;
      queued = 0;
      stop();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

module.exports = { outputIterator };

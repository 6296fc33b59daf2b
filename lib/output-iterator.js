'use strict';

// `for await (const chunk of term)`: the terminal's output as an async iterable, ending
// after the exit. A consumer slower than the program holds the terminal's output back (the
// program then waits in the kernel) instead of letting chunks pile up in memory. Every loop
// over the terminal sees every chunk: each takes its own hold (Terminal#_hold), so output
// flows only while no loop is behind, and a loop that catches up never undoes another's
// hold or the user's pause().

const HIGH_WATER = 1024 * 1024; // bytes (or characters) queued before this loop holds output back

function outputIterator(term) {
  const queue = [];
  let queued = 0;
  let ended = term._hasExited(); // an exit that already happened is not fired again
  const hold = {}; // this loop's token for term._hold()
  let holding = false;
  /** The consumer's pending next() calls, oldest first. */
  const waiting = [];

  const setHold = (on) => {
    if (holding === on) return;
    holding = on;
    term._hold(hold, on);
  };
  const settle = () => {
    while (waiting.length > 0 && (queue.length > 0 || ended)) {
      const resolve = waiting.shift();
      if (queue.length === 0) {
        resolve({ value: undefined, done: true });
        continue;
      }
      const chunk = queue.shift();
      queued -= chunk.length;
      // May deliver held-back output (and the exit) at once, into the listeners below.
      if (queued < HIGH_WATER / 2) setHold(false);
      resolve({ value: chunk, done: false });
    }
  };
  const data = term.onData((chunk) => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= HIGH_WATER) setHold(true);
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
    setHold(false);
  }

  return {
    next() {
      return new Promise((resolve) => {
        waiting.push(resolve);
        settle();
      });
    },
    /** `break` out of the loop: stop listening; the terminal keeps running. A pending next() ends too. */
    return() {
      ended = true;
      queue.length = 0;
      queued = 0;
      stop();
      settle();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

module.exports = { outputIterator };

'use strict';

// The native callbacks do not hold the event loop open (they are "weak"), so that a process
// whose terminals have all exited or been destroyed ends by itself. While at least one
// terminal is alive, one long timer holds the loop open instead.
let holders = 0;
let timer = null;

function hold() {
  if (holders++ === 0) timer = setInterval(() => {}, 0x7fffffff);
}

function release() {
  if (holders > 0 && --holders === 0) {
    clearInterval(timer);
    timer = null;
  }
}

module.exports = { hold, release };

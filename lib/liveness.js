'use strict';

// The native callbacks do not hold the event loop open (they are "weak"), so that a process
// whose terminals have all exited or been destroyed ends by itself. While at least one
// terminal is alive, one long timer holds the loop open instead. It is made once and then only
// ref'd and unref'd: a program that runs one terminal after another would otherwise create
// and clear a timer per spawn.
let holders = 0;
let timer = null;

function hold() {
  if (holders++ > 0) return;
  if (timer === null) timer = setInterval(() => {}, 0x7fffffff);
  else timer.ref();
}

function release() {
  if (holders > 0 && --holders === 0) timer.unref();
}

module.exports = { hold, release };

'use strict';

/**
 * node-pty's `pipe()`: its terminal forwards to `socket.pipe(dest, options)`. The output goes to
 * `dest.write()` chunk by chunk, as the data events carry it; when `dest` asks to wait (write
 * returns false) the terminal is paused until `'drain'`, so a slow destination throttles the
 * program instead of filling memory. After the exit (and so after the last byte) `dest` is
 * ended, unless `options.end` is false. A destination that closes or fails is unpiped.
 * @param {import('./terminal').Terminal} source
 * @param {NodeJS.WritableStream} dest
 * @param {{ end?: boolean }} [options]
 * @returns the destination, for chaining
 */
function pipe(source, dest, options) {
  const end = !options || options.end !== false;
  let waiting = false;
  let piped = true;
  const hold = {}; // this pipe's token for source._hold(): its pause is not the user's

  const drained = () => {
    if (!waiting) return;
    waiting = false;
    source._hold(hold, false);
  };
  const data = source.onData((chunk) => {
    if (dest.write(chunk) === false && !waiting) {
      waiting = true;
      source._hold(hold, true);
      dest.once('drain', drained);
    }
  });
  const unpipe = () => {
    if (!piped) return;
    piped = false;
    data.dispose();
    exit.dispose();
    dest.removeListener('close', unpipe);
    dest.removeListener('error', failed);
    dest.removeListener('drain', drained);
    drained();
    dest.emit('unpipe', source);
  };
  const finished = () => {
    unpipe();
    if (end) dest.end();
  };
  const exit = source.onExit(finished);
  function failed(err) {
    unpipe();
    // As Readable#pipe: an error nobody else listens for is still thrown.
    if (dest.listenerCount('error') === 0) dest.emit('error', err);
  }
  dest.on('close', unpipe);
  dest.on('error', failed);
  dest.emit('pipe', source);
  // Already exited: as a stream that has ended, dest is ended at once.
  if (source._hasExited()) process.nextTick(finished);
  return dest;
}

module.exports = { pipe };

'use strict';

// node run.js ADDON COUNT: spawn-to-exit of `sh -c 'exit 0'` through the floor addon (src/lib.rs),
// measured as bench/measure.js measures the libraries (from before the call to the callback's
// promise); one warm-up run, then COUNT; prints `{"spawnToExitMs": median, "runs": COUNT}`.

const [addon, count] = process.argv.slice(2);
const floor = { exports: {} };
process.dlopen(floor, addon);

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms
let ended = null;
floor.exports.init(() => ended());
const spawnExit = (id) =>
  new Promise((resolve) => {
    ended = resolve;
    floor.exports.spawn(id);
  });

(async () => {
  await spawnExit(0); // warm-up: first-use costs
  const samples = [];
  for (let i = 1; i <= Number(count); i++) {
    const t0 = now();
    await spawnExit(i);
    samples.push(now() - t0);
  }
  samples.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ spawnToExitMs: samples[Math.floor((samples.length - 1) / 2)], runs: samples.length }));
  process.exit(0); // the waiter's callback holds the event loop open
})();

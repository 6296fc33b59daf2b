'use strict';

// Runs the floor addon (src/lib.rs), measured as bench/measure.js measures the libraries:
//   node run.js ADDON exit COUNT: spawn-to-exit of `sh -c 'exit 0'` (from before the call to the
//     callback's promise); one warm-up run, then COUNT; prints `{"spawnToExitMs": median, "runs": COUNT}`.
//   node run.js ADDON throughput FILE BYTES: `cat FILE` into a callback, from before the call to
//     the last chunk; prints `{"bytes", "lost", "mbPerSec", "maxRssMiB"}`.

const [addon, scenario, ...args] = process.argv.slice(2);
const floor = { exports: {} };
process.dlopen(floor, addon);

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms

async function exit(count) {
  let ended = null;
  floor.exports.init(() => ended());
  const spawnExit = (id) =>
    new Promise((resolve) => {
      ended = resolve;
      floor.exports.spawn(id);
    });
  await spawnExit(0); // warm-up: first-use costs
  const samples = [];
  for (let i = 1; i <= Number(count); i++) {
    const t0 = now();
    await spawnExit(i);
    samples.push(now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { spawnToExitMs: samples[Math.floor((samples.length - 1) / 2)], runs: samples.length };
}

async function throughput(file, size) {
  let bytes = 0;
  let last = 0;
  const t0 = now();
  await new Promise((resolve) =>
    floor.exports.stream(
      file,
      (d) => {
        bytes += d.length;
        last = now();
      },
      resolve
    )
  );
  await new Promise((r) => setTimeout(r, 300)); // as measure.js: what arrives after the end
  const seconds = (last - t0) / 1000;
  return { bytes, lost: Number(size) - bytes, mbPerSec: bytes / 1e6 / seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
}

const scenarios = { exit, throughput };
scenarios[scenario](...args).then((result) => {
  process.stdout.write(JSON.stringify(result));
  process.exit(0); // the floor's thread-safe functions hold the event loop open
});

'use strict';
// Runs one scenario of scenarios.js against one library and prints the result as JSON.
// Usage: node run-scenario.js <library> <scenario> [options-json]
const [library, scenario, options = '{}'] = process.argv.slice(2);
const pty = require(library === 'node-pty-rs' ? '..' : library);
const scenarios = require('./scenarios');

// Some libraries do not hold the event loop open while a terminal lives; keep it open until
// the scenario settles, so that a pending result is never abandoned by an empty loop.
const keepAlive = setInterval(() => {}, 1000);

scenarios[scenario](pty, JSON.parse(options)).then(
  (result) => {
    clearInterval(keepAlive);
    process.stdout.write(JSON.stringify(result));
    process.exit(0); // an incumbent may leave sockets or threads that hold the loop open
  },
  (err) => {
    process.stderr.write(String(err && err.stack ? err.stack : err));
    process.exit(1);
  }
);

'use strict';

// Runs after every test file (jest's setupFilesAfterEnv). A test that fails half-way can
// leave a program running that never ends by itself; jest runs the files in band, so it would
// then wait for that program forever (the library keeps the event loop alive until each exit
// is reported), and the files after it would find its pty open. What a file left is given a
// moment to end, then ended with its whole session, and the file fails naming it.

const { until, endLeftovers } = require('../helpers');
const live = require('../../lib/live');

afterAll(async () => {
  // Killed at the end of a test without waiting for the exit: that exit is on its way.
  await until(() => live.holding().length === 0, 5000).catch(() => {});
  const left = endLeftovers();
  if (left.length > 0) {
    const names = left.map((t) => `pid ${t.pid} (${t.file} ${t.args.join(' ')}), spawned at:\n    ${t.spawnedAt.split('\n').join('\n    ')}`);
    throw new Error(`${left.length} terminal(s) still open after the file's last test (a program running, or a background job holding its pty), now ended with their sessions:\n${names.join('\n')}`);
  }
}, 15000);

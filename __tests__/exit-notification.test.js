'use strict';

// Every exit is reported by a kernel notification (pidfd on Linux, kqueue on macOS), never by
// the 50 ms waitpid polling fallback, which diagnostics().reactor.exitPolled counts (issue 16
// item 3). The fallback itself (a child without a pidfd) is counted by the core's test
// reactor::tests::the_waitpid_fallback_is_counted_and_only_it.

const pty = require('..');
const { sh, endLeftovers } = require('./helpers');

afterEach(() => {
  endLeftovers();
});

test('exitPolled stays 0 over 100 spawns, each exit reported', async () => {
  const before = pty.diagnostics().reactor.exitPolled;
  expect(Number.isInteger(before)).toBe(true);
  let exits = 0;
  for (let i = 0; i < 100; i++) {
    const { exit } = await sh(`exit ${i % 7}`);
    expect(exit.exitCode).toBe(i % 7);
    exits++;
  }
  expect(exits).toBe(100);
  expect(pty.diagnostics().reactor.exitPolled - before).toBe(0);
});

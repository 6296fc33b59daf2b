'use strict';

// A pty pool runs out days after the leak that drains it, and then every SSH login and
// terminal on the machine fails with no trace of who took the slots. A spawn that finds the
// pool at or above LOW in use says so, once per INTERVAL, with who in this process holds
// slots.

const native = require('../binding.js');
const registry = require('./diagnostics');

const LOW = 0.8;
const INTERVAL_MS = 60 * 1000;
const OLDEST_SHOWN = 3;
let lastWarned = -Infinity;

function checkPool() {
  if (Date.now() - lastWarned < INTERVAL_MS) return;
  const pool = native.ptyPool();
  if (!pool || pool.max === 0 || pool.inUse < LOW * pool.max) return;
  lastWarned = Date.now();
  const terminals = registry.diagnostics().terminals.sort((a, b) => b.ageMs - a.ageMs);
  const oldest = terminals.slice(0, OLDEST_SHOWN).map((t) => `pid ${t.pid} (${t.file}) on ${t.ptsName}, alive ${Math.round(t.ageMs / 1000)} s, spawned at:\n    ${t.spawnedAt.split('\n').join('\n    ')}`);
  const percent = Math.round((100 * pool.inUse) / pool.max);
  process.emitWarning(`pty pool ${pool.inUse} of ${pool.max} in use (${percent}%); this process holds ${terminals.length} of them`, {
    code: 'PTY_POOL_LOW',
    detail: oldest.length ? `Its oldest live terminals:\n${oldest.join('\n')}` : undefined,
  });
}

module.exports = { checkPool };

'use strict';

// A pty pool runs out days after the leak that drains it, and then every SSH login and
// terminal on the machine fails with no trace of who took the slots. A spawn that finds the
// pool at or above LOW in use says so, once per INTERVAL, with who in this process holds
// slots.

const native = require('./native');
const live = require('./live');

const LOW = 0.8;
const INTERVAL_MS = 60 * 1000;
const OLDEST_SHOWN = 3;
// Reading the pool costs tens of microseconds (hundreds on macOS, a readdir of /dev), so a
// reading far from LOW lets the next spawns skip it, within RECHECK_MS, but only as many as
// cannot bring the pool to LOW unseen: the headroom below LOW less what other processes are
// allowed to take in that window (RESERVE: at least 64 slots, a quarter of the pool on larger
// ones), halved (another host using this library skips the same way). A pool with less
// headroom than that (any pool under about 100 slots) is read at every spawn.
const RECHECK_MS = 250;
const reserve = (max) => Math.max(64, Math.ceil(max / 4));
let lastWarned = -Infinity;
let lastRead = -Infinity;
let skips = 0;

function checkPool() {
  const now = Date.now();
  if (now - lastWarned < INTERVAL_MS) return;
  if (skips > 0 && now - lastRead < RECHECK_MS) {
    skips--;
    return;
  }
  const pool = native.ptyPool();
  lastRead = now;
  skips = pool ? Math.max(0, Math.floor((LOW * pool.max - pool.inUse - reserve(pool.max)) / 2)) : 0;
  if (!pool || pool.max === 0 || pool.inUse < LOW * pool.max) return;
  lastWarned = now;
  const terminals = live.describeLive().sort((a, b) => b.ageMs - a.ageMs);
  const oldest = terminals.slice(0, OLDEST_SHOWN).map((t) => `pid ${t.pid} (${t.file}) on ${t.ptsName}, alive ${Math.round(t.ageMs / 1000)} s, spawned at:\n    ${t.spawnedAt.split('\n').join('\n    ')}`);
  const percent = Math.round((100 * pool.inUse) / pool.max);
  process.emitWarning(`pty pool ${pool.inUse} of ${pool.max} in use (${percent}%); this process holds ${terminals.length} of them`, {
    code: 'PTY_POOL_LOW',
    detail: oldest.length ? `Its oldest live terminals:\n${oldest.join('\n')}` : undefined,
  });
}

module.exports = { checkPool };

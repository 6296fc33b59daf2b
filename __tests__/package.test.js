'use strict';

// The drop-in promise, end to end: the packed tarball installed under the alias
// @lydell/node-pty, with install scripts off, runs programs written for @lydell/node-pty.

const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

let dir;
let tarball;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-consumer-'));
  const packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root));
  tarball = path.join(dir, packed[0].filename);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  npm(['install', '--ignore-scripts', '--offline', '--no-audit', '--no-fund', `@lydell/node-pty@file:${tarball}`], dir);
}, 120000);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the tarball holds the built addon, the loader and the typings', () => {
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
  for (const f of ['package/index.js', 'package/index.d.ts', 'package/binding.js', 'package/lib/terminal.js']) {
    expect(files).toContain(f);
  }
  expect(files.some((f) => /^package\/node-pty-rs\.[\w-]+\.node$/.test(f))).toBe(true);
});

test('spawn-helper keeps its execute bit in the tarball and once installed', () => {
  const listing = execFileSync('tar', ['-tvzf', tarball], { encoding: 'utf8' });
  const line = listing.split('\n').find((l) => l.endsWith(' package/spawn-helper'));
  expect(line).toMatch(/^-rwxr-xr-x /);
  const installed = path.join(dir, 'node_modules', '@lydell', 'node-pty', 'spawn-helper');
  expect(fs.statSync(installed).mode & 0o111).toBe(0o111);
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

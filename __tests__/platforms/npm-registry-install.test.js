'use strict';

// A real install from an npm registry, not a copy: Verdaccio on 127.0.0.1 (temporary storage, no
// uplinks: nothing leaves the machine) receives the seven packages as `npm run stage` lays them
// out; then, in fresh directories, with a PATH that holds no cargo or rustc,
// `npm install @lydell/node-pty@npm:node-pty-rs` must take exactly the package that fits, run
// nothing at install, and work. Run by `npm run test:platforms` after `npm run build:all`.

const { execFileSync, spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { TARGETS } = require('../../lib/targets');
const { stage } = require('../../scripts/stage-packages');
const { macho } = require('../../scripts/lib/binary-formats');

const root = path.join(__dirname, '..', '..');
const version = require('../../package.json').version;

let tmp;
let verdaccioUrl;
let verdaccio;
let npmrc;
const summary = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitForVerdaccio(url, child) {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/-/ping`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('verdaccio did not answer within 30 s');
}

/**
 * PATH without any directory that holds cargo or rustc: what a user without Rust has. Node and
 * npm come first from a directory of their own, in case they share one with a system cargo.
 */
function pathWithoutRust() {
  const bin = path.join(tmp, 'bin');
  if (!fs.existsSync(bin)) {
    fs.mkdirSync(bin);
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const npmPath = execFileSync('/bin/sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
    fs.symlinkSync(fs.realpathSync(npmPath), path.join(bin, 'npm'));
  }
  const rest = process.env.PATH.split(path.delimiter).filter((d) => d && !['cargo', 'rustc'].some((b) => fs.existsSync(path.join(d, b))));
  return [bin, ...rest].join(path.delimiter);
}

function npm(args, cwd, env = process.env) {
  return execFileSync('npm', [...args, '--userconfig', npmrc, '--cache', path.join(tmp, 'cache')], {
    cwd,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

beforeAll(async () => {
  for (const t of TARGETS) {
    const f = path.join(root, 'npm', t.suffix, `node-pty-rs.${t.suffix}.node`);
    if (!fs.existsSync(f)) throw new Error(`${path.relative(root, f)} is missing: run \`npm run build:all\` first`);
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-npm-registry-'));
  const port = await freePort();
  verdaccioUrl = `http://127.0.0.1:${port}`;
  const config = path.join(tmp, 'config.yaml');
  fs.writeFileSync(
    config,
    [
      `storage: ${path.join(tmp, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${path.join(tmp, 'htpasswd')}`,
      'uplinks: {}',
      'packages:',
      "  '**':",
      '    access: $all',
      '    publish: $all',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n')
  );
  verdaccio = spawn(process.execPath, [require.resolve('verdaccio/bin/verdaccio'), '--config', config, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  verdaccio.stdout.on('data', () => {});
  verdaccio.stderr.on('data', () => {});
  await waitForVerdaccio(verdaccioUrl, verdaccio);

  // A user for publishing (npm publish insists on credentials), created through Verdaccio's API.
  const res = await fetch(`${verdaccioUrl}/-/user/org.couchdb.user:ci`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'ci', password: 'ci-password', type: 'user', roles: [], date: new Date().toISOString() }),
  });
  const { token } = await res.json();
  npmrc = path.join(tmp, '.npmrc');
  fs.writeFileSync(npmrc, `registry=${verdaccioUrl}/\n//127.0.0.1:${port}/:_authToken=${token}\n`);

  for (const dir of stage({ dest: path.join(tmp, 'staged') })) npm(['publish', dir], tmp);
}, 240000);

afterAll(() => {
  if (verdaccio && verdaccio.exitCode === null) verdaccio.kill('SIGTERM'); // by its pid
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  console.log(summary.join('\n'));
});

/** A fresh consumer directory, installed with `extra` npm flags; returns what npm printed and chose. */
function install(name, extra) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true }));
  const env = { ...process.env, PATH: pathWithoutRust() };
  expect(() => execFileSync('/bin/sh', ['-c', 'command -v cargo || command -v rustc'], { env })).toThrow();
  const args = ['install', '--no-audit', '--no-fund', '--foreground-scripts', '@lydell/node-pty@npm:node-pty-rs', ...extra];
  const res = require('child_process').spawnSync('npm', [...args, '--userconfig', npmrc, '--cache', path.join(tmp, 'cache')], { cwd: dir, env, encoding: 'utf8' });
  expect(res.status).toBe(0);
  const output = res.stdout + res.stderr;
  const platformPackages = fs.readdirSync(path.join(dir, 'node_modules')).filter((n) => n.startsWith('node-pty-rs-'));
  const lock = JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8'));
  return { dir, output, platformPackages, lock, command: `npm ${args.join(' ')} --registry ${verdaccioUrl}` };
}

function expectQuietInstall({ output, dir }) {
  // No install script of ours ran or was warned about, and nothing was built.
  expect(output.split('\n').filter((l) => /node-pty-rs|prepare|install script/i.test(l))).toEqual([]);
  expect(output).not.toMatch(/cargo|rustc|napi build|Compiling|gyp/);
  expect(require(path.join(dir, 'node_modules', '@lydell', 'node-pty', 'package.json')).scripts).toBeUndefined();
  expect(fs.existsSync(path.join(dir, 'node_modules', '@lydell', 'node-pty', 'target'))).toBe(false);
}

test('this machine (linux-x64-gnu here): exactly its package, and a node-pty consumer spawns, reads and exits', () => {
  const here = TARGETS.find((t) => t.platform === process.platform && t.arch === process.arch && t.libc === 'glibc');
  const r = install('native', []);
  expect(r.platformPackages).toEqual([`node-pty-rs-${here.suffix}`]);
  expectQuietInstall(r);
  expect(r.lock.packages['node_modules/@lydell/node-pty']).toMatchObject({ name: 'node-pty-rs', version });
  fs.writeFileSync(
    path.join(r.dir, 'consumer.js'),
    `const pty = require('@lydell/node-pty');
const term = pty.spawn('/bin/sh', ['-c', 'read line; echo "got:$line"; exit 7'], { cols: 80, rows: 24, cwd: process.cwd(), env: process.env });
let out = '';
term.onData((d) => (out += d));
term.onExit(({ exitCode }) => console.log(JSON.stringify({ out, exitCode, pid: typeof term.pid })));
term.write('hello\\r');
`
  );
  const res = JSON.parse(execFileSync(process.execPath, ['consumer.js'], { cwd: r.dir, env: { ...process.env, PATH: pathWithoutRust() }, encoding: 'utf8', timeout: 20000 }));
  expect(res).toEqual({ out: expect.stringMatching(/got:hello\r\n$/), exitCode: 7, pid: 'number' });
  summary.push(`npm-registry install (${r.command}): ${r.platformPackages.join(', ')}; consumer ran, exit code ${res.exitCode}`);
});

test('--os darwin --cpu arm64: exactly the darwin-arm64 package, its helper Mach-O arm64 with mode 0755', () => {
  const r = install('darwin-arm64', ['--os', 'darwin', '--cpu', 'arm64']);
  expect(r.platformPackages).toEqual(['node-pty-rs-darwin-arm64']);
  expectQuietInstall(r);
  const helper = path.join(r.dir, 'node_modules', 'node-pty-rs-darwin-arm64', 'spawn-helper');
  expect(fs.statSync(helper).mode & 0o777).toBe(0o755);
  expect(macho(fs.readFileSync(helper))).toMatchObject({ cpu: 'arm64', type: 'executable' });
  // What the installed loader would run on that Mac (asked in a process that looks like one).
  const found = execFileSync(
    process.execPath,
    ['-r', path.join(__dirname, '..', 'fixtures', 'fake-platform.js'), '-p', "require('@lydell/node-pty/lib/platform').helperPath()"],
    { cwd: r.dir, env: { ...process.env, FAKE_PLATFORM: 'darwin', FAKE_ARCH: 'arm64' }, encoding: 'utf8' }
  );
  expect(found.trim()).toBe(fs.realpathSync(helper));
  const addon = path.join(r.dir, 'node_modules', 'node-pty-rs-darwin-arm64', 'node-pty-rs.darwin-arm64.node');
  expect(macho(fs.readFileSync(addon))).toMatchObject({ cpu: 'arm64', type: 'dylib' });
  summary.push(`npm-registry install (${r.command}): ${r.platformPackages.join(', ')}; spawn-helper Mach-O arm64 mode 0755`);
});

test('--libc musl: exactly the musl package of this arch', () => {
  const r = install('musl', ['--os', 'linux', '--cpu', process.arch, '--libc', 'musl']);
  expect(r.platformPackages).toEqual([`node-pty-rs-linux-${process.arch}-musl`]);
  expectQuietInstall(r);
  summary.push(`npm-registry install (${r.command}): ${r.platformPackages.join(', ')}`);
});

'use strict';

// node-pty starts programs with execvp, which runs a file the kernel refuses with ENOEXEC (a
// script without a #! line) as `/bin/sh FILE ARGS...`. Programs and users rely on it.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { run } = require('./helpers');

let dir;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npr-noshebang-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a script without a shebang runs with /bin/sh, by path and through PATH; $0 is its path', async () => {
  const script = path.join(dir, 'noshebang');
  fs.writeFileSync(script, 'echo "ran $# [$1] [$2] as $0"; tty >/dev/null && echo has-tty\nexit 4\n', { mode: 0o755 });
  const direct = await run(script, ['a b', 'c']);
  expect(direct.output).toBe(`ran 2 [a b] [c] as ${script}\r\nhas-tty\r\n`);
  expect(direct.exit).toEqual({ exitCode: 4, signal: 0 });

  const viaPath = await run('noshebang', ['x'], { env: { PATH: `${dir}:/usr/bin:/bin` } });
  expect(viaPath.output).toBe(`ran 1 [x] [] as ${script}\r\nhas-tty\r\n`);
  expect(viaPath.exit.exitCode).toBe(4);

  const relative = await run('./noshebang', [], { cwd: dir });
  expect(relative.output).toBe('ran 0 [] [] as ./noshebang\r\nhas-tty\r\n');
});

test('a file that is neither a program nor a script is left to /bin/sh to refuse, as with execvp', async () => {
  const junk = path.join(dir, 'junk');
  fs.writeFileSync(junk, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x01, 0x01, 0x01, 0x00, 0x0a]), { mode: 0o755 });
  const { exit, output } = await run(junk, []);
  expect(exit.exitCode).toBeGreaterThan(1);
  expect(exit.error).toBeUndefined();
  expect(output).toContain(junk);
});

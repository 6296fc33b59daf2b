'use strict';

// What `npm run build:all` put in npm/<suffix>/ is what each platform loads: the right object
// format and CPU, the right libc, a glibc floor old enough for RHEL 8 / Debian 10 (2.17
// promised, 2.28 required), and the darwin helpers executable, for the right CPU, signed.
// Run by `npm run test:platforms` after `npm run build:all`. Headers are read here; symbol
// versions and NEEDED entries by binutils' readelf (.ci/run installs binutils).
// The figures are printed at the end of the run.

const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { TARGETS } = require('../../lib/targets');

const root = path.join(__dirname, '..', '..');
const GLIBC_FLOOR = [2, 17];

const { elf, macho } = require('../../scripts/lib/binary-formats');

const readelf = (...args) => execFileSync('readelf', ['-W', ...args], { encoding: 'utf8' });
const needed = (file) => [...readelf('-d', file).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
const glibcVersions = (file) =>
  [...new Set([...readelf('-V', file).matchAll(/Name: GLIBC_(\d+)\.(\d+)(?:\.(\d+))?/g)].map((m) => `${m[1]}.${m[2]}${m[3] ? `.${m[3]}` : ''}`))].sort(
    (a, b) => a.split('.').map(Number).reduce((r, n, i) => r || n - (b.split('.').map(Number)[i] || 0), 0)
  );
const atMost = (version, [major, minor]) => {
  const [a, b] = version.split('.').map(Number);
  return a < major || (a === major && b <= minor);
};

const cpuOf = { x64: 'x86-64', arm64: 'aarch64' };
const report = [];

afterAll(() => {
  // The figures docs/platforms.md and the issue ask for, printed with every run.
  console.log(report.join('\n'));
});

describe.each(TARGETS.map((t) => [t.suffix, t]))('%s', (suffix, t) => {
  const dir = path.join(root, 'npm', suffix);
  const addon = path.join(dir, `node-pty-rs.${suffix}.node`);

  beforeAll(() => {
    if (!fs.existsSync(addon)) throw new Error(`${path.relative(root, addon)} is missing: run \`npm run build:all\` first`);
  });

  if (t.platform === 'linux') {
    test(`an ELF64 shared object for ${cpuOf[t.arch]}`, () => {
      expect(elf(fs.readFileSync(addon))).toEqual({ class: 64, littleEndian: true, type: 'shared object', machine: cpuOf[t.arch] });
    });

    if (t.libc === 'glibc') {
      test(`linked against glibc, needing no symbol newer than ${GLIBC_FLOOR.join('.')}`, () => {
        const libs = needed(addon);
        expect(libs).toContain('libc.so.6');
        const versions = glibcVersions(addon);
        expect(versions.length).toBeGreaterThan(0);
        const highest = versions[versions.length - 1];
        expect(versions.filter((v) => !atMost(v, GLIBC_FLOOR))).toEqual([]);
        expect(atMost(highest, [2, 28])).toBe(true);
        report.push(`${suffix}: ELF64 ${cpuOf[t.arch]}, NEEDED ${libs.join(' ')}, highest GLIBC_${highest}`);
      });
    } else {
      test('linked against musl: no glibc library or symbol version', () => {
        const libs = needed(addon);
        // zig names musl's libc `libc.so`, which musl's loader resolves to itself (it reserves
        // libc/libpthread/libm/libdl/librt.so); a musl-gcc link names libc.musl-<arch>.so.1.
        expect(libs.filter((l) => l === 'libc.so' || /^libc\.musl-\w+\.so\.1$/.test(l))).toHaveLength(1);
        expect(libs.filter((l) => /^(libc\.so\.6|ld-linux|libpthread\.so\.0|libdl\.so\.2)/.test(l))).toEqual([]);
        expect(glibcVersions(addon)).toEqual([]);
        report.push(`${suffix}: ELF64 ${cpuOf[t.arch]}, NEEDED ${libs.join(' ')}, no GLIBC_ versions`);
      });
    }
  } else {
    const cpu = t.arch === 'x64' ? 'x86-64' : 'arm64';
    const helper = path.join(dir, 'spawn-helper');
    // Apple silicon runs no unsigned code; zig's linker signs arm64 ad hoc (Intel needs none).
    const signed = t.arch === 'arm64';

    test(`a Mach-O 64 dylib for ${cpu}, exporting napi's entry point${signed ? ', signed' : ''}`, () => {
      const buf = fs.readFileSync(addon);
      expect(macho(buf)).toMatchObject({ cpu, type: 'dylib', ...(signed && { signed }) });
      expect(buf.includes('_napi_register_module_v1')).toBe(true);
    });

    test(`its spawn-helper is a Mach-O 64 ${cpu} executable, mode 0755${signed ? ', signed' : ''}`, () => {
      expect(fs.statSync(helper).mode & 0o777).toBe(0o755);
      const h = macho(fs.readFileSync(helper));
      expect(h).toMatchObject({ cpu, type: 'executable', ...(signed && { signed }) });
      const sig = h.signed ? 'signed' : 'unsigned';
      report.push(`${suffix}: Mach-O 64 ${cpu} dylib (${sig}), spawn-helper Mach-O 64 ${cpu} executable, mode 0755 (${sig})`);
    });
  }
});

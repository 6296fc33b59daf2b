'use strict';
// Object-file headers, read directly (no `file` needed): what a binary was built for.

const EM = { 62: 'x86-64', 183: 'aarch64' };
const CPU = { 0x01000007: 'x86-64', 0x0100000c: 'arm64' };
const MACHO_TYPE = { 2: 'executable', 6: 'dylib', 8: 'bundle' };
const LC_CODE_SIGNATURE = 0x1d;
// The oldest macOS a Mach-O says it runs on: LC_BUILD_VERSION (what current linkers write) and
// LC_VERSION_MIN_MACOSX (what older ones did); dyld refuses to load it on anything older.
const LC_VERSION_MIN_MACOSX = 0x24;
const LC_BUILD_VERSION = 0x32;
const PLATFORM_MACOS = 1;

/** A Mach-O packed version (xxxx.yy.zz in nibbles) as 'major.minor.patch'. */
const version = (v) => `${v >>> 16}.${(v >>> 8) & 0xff}.${v & 0xff}`;

/** ELF64 little-endian header: class, type and machine. */
function elf(buf) {
  if (buf.readUInt32BE(0) !== 0x7f454c46) return null;
  return { class: buf[4] === 2 ? 64 : 32, littleEndian: buf[5] === 1, type: buf.readUInt16LE(16) === 3 ? 'shared object' : buf.readUInt16LE(16), machine: EM[buf.readUInt16LE(18)] || buf.readUInt16LE(18) };
}

/**
 * 64-bit Mach-O header (MH_MAGIC_64, little-endian): cpu, file type, whether it is signed, and
 * every minimum macOS version its load commands state (`minos`: one entry per LC_BUILD_VERSION
 * for macOS or LC_VERSION_MIN_MACOSX, as 'major.minor.patch', with the command's name).
 */
function macho(buf) {
  if (buf.readUInt32LE(0) !== 0xfeedfacf) return null;
  const ncmds = buf.readUInt32LE(16);
  const commands = [];
  const minos = [];
  for (let off = 32, i = 0; i < ncmds; i++) {
    const cmd = buf.readUInt32LE(off);
    commands.push(cmd);
    if (cmd === LC_BUILD_VERSION && buf.readUInt32LE(off + 8) === PLATFORM_MACOS) {
      minos.push({ command: 'LC_BUILD_VERSION', version: version(buf.readUInt32LE(off + 12)) });
    } else if (cmd === LC_VERSION_MIN_MACOSX) {
      minos.push({ command: 'LC_VERSION_MIN_MACOSX', version: version(buf.readUInt32LE(off + 8)) });
    }
    off += buf.readUInt32LE(off + 4);
  }
  return { cpu: CPU[buf.readUInt32LE(4)] || buf.readUInt32LE(4), type: MACHO_TYPE[buf.readUInt32LE(12)] || buf.readUInt32LE(12), signed: commands.includes(LC_CODE_SIGNATURE), minos };
}

module.exports = { elf, macho };

'use strict';
// Object-file headers, read directly (no `file` needed): what a binary was built for.

const EM = { 62: 'x86-64', 183: 'aarch64' };
const CPU = { 0x01000007: 'x86-64', 0x0100000c: 'arm64' };
const MACHO_TYPE = { 2: 'executable', 6: 'dylib', 8: 'bundle' };
const LC_CODE_SIGNATURE = 0x1d;

/** ELF64 little-endian header: class, type and machine. */
function elf(buf) {
  if (buf.readUInt32BE(0) !== 0x7f454c46) return null;
  return { class: buf[4] === 2 ? 64 : 32, littleEndian: buf[5] === 1, type: buf.readUInt16LE(16) === 3 ? 'shared object' : buf.readUInt16LE(16), machine: EM[buf.readUInt16LE(18)] || buf.readUInt16LE(18) };
}

/** 64-bit Mach-O header (MH_MAGIC_64, little-endian): cpu, file type, load commands. */
function macho(buf) {
  if (buf.readUInt32LE(0) !== 0xfeedfacf) return null;
  const ncmds = buf.readUInt32LE(16);
  const commands = [];
  for (let off = 32, i = 0; i < ncmds; i++) {
    commands.push(buf.readUInt32LE(off));
    off += buf.readUInt32LE(off + 4);
  }
  return { cpu: CPU[buf.readUInt32LE(4)] || buf.readUInt32LE(4), type: MACHO_TYPE[buf.readUInt32LE(12)] || buf.readUInt32LE(12), signed: commands.includes(LC_CODE_SIGNATURE) };
}

module.exports = { elf, macho };

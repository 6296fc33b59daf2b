'use strict';
// The platforms with a prebuilt package (napi-rs's naming: npm/<suffix>/ holds the package
// node-pty-rs-<suffix> with node-pty-rs.<suffix>.node). The loader, `npm run build:all` and
// the tests all read this one table.

/** @type {{suffix: string, triple: string, platform: string, arch: string, libc: string | null}[]} */
const TARGETS = [
  { suffix: 'linux-x64-gnu', triple: 'x86_64-unknown-linux-gnu', platform: 'linux', arch: 'x64', libc: 'glibc' },
  { suffix: 'linux-arm64-gnu', triple: 'aarch64-unknown-linux-gnu', platform: 'linux', arch: 'arm64', libc: 'glibc' },
  { suffix: 'linux-x64-musl', triple: 'x86_64-unknown-linux-musl', platform: 'linux', arch: 'x64', libc: 'musl' },
  { suffix: 'linux-arm64-musl', triple: 'aarch64-unknown-linux-musl', platform: 'linux', arch: 'arm64', libc: 'musl' },
  { suffix: 'darwin-x64', triple: 'x86_64-apple-darwin', platform: 'darwin', arch: 'x64', libc: null },
  { suffix: 'darwin-arm64', triple: 'aarch64-apple-darwin', platform: 'darwin', arch: 'arm64', libc: null },
];

// The oldest macOS the darwin packages run on: 10.15 (Catalina), the oldest Node 18 (engines'
// floor) supports, and posix_spawn_file_actions_addchdir_np's first release. `npm run
// build:all` builds both archs for it (MACOSX_DEPLOYMENT_TARGET) and `npm run test:platforms`
// fails when a Mach-O states a newer minimum. The arm64 binaries state 10.15 too: below the
// first macOS for Apple silicon (11.0), so no limit there.
const MACOS_FLOOR = '10.15';

module.exports = { TARGETS, MACOS_FLOOR };

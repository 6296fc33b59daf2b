'use strict';
// Builds spawn-helper (core/src/bin/spawn-helper.rs) and puts it beside the addon with mode
// 0755: on macOS every terminal is started through it, and node-pty shipped its helper 0644
// for months, which broke every spawn. package.test.js checks the mode inside the tarball.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
execFileSync('cargo', ['build', '--release', '--quiet', '-p', 'node-pty-rs-core', '--bin', 'spawn-helper'], { cwd: root, stdio: 'inherit' });
const target = path.join(root, 'spawn-helper');
// A new file, never the old one rewritten: macOS caches a Mach-O's code signature per vnode,
// and an arm64 binary whose pages no longer match it is killed (SIGKILL) at its next exec.
fs.rmSync(target, { force: true });
fs.copyFileSync(path.join(root, 'target', 'release', 'spawn-helper'), target);
fs.chmodSync(target, 0o755);

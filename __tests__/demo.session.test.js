'use strict';

// The demo's tabs: a closed tab ends the whole session of its shell, background jobs that
// outlive the shell included (SIGHUP, then SIGKILL after a grace), not only the shell.

const { WebSocket } = require('ws');
const pty = require('..');
const { start } = require('../demo/server');
const { until, sessionMembers, demoShell } = require('./helpers');

let demo;
beforeAll(async () => {
  demo = await start({ port: 0, shell: demoShell });
});
afterAll(async () => {
  if (demo) await demo.close();
  pty.assertNoLeaks();
});

async function openTab() {
  const ws = new WebSocket(`ws://127.0.0.1:${demo.port}/ws?token=${demo.token}`, { origin: `http://127.0.0.1:${demo.port}` });
  const tab = { ws, output: '', closed: new Promise((resolve) => ws.once('close', resolve)) };
  ws.on('message', (data, isBinary) => {
    if (isBinary) tab.output += data.toString();
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  await until(() => pty.diagnostics().terminals.length === 1, 10000, 'the terminal');
  tab.sid = pty.diagnostics().terminals[0].pid;
  tab.input = (data) => ws.send(JSON.stringify({ type: 'input', data }));
  return tab;
}

test('a background loop left running by `exit` ends with the tab', async () => {
  const tab = await openTab();
  tab.input('(while :; do echo bg; sleep 0.01; done) & exit\r');
  expect(await tab.closed).toBe(1000); // the shell exited
  expect(tab.output).toContain('bg');
  await until(() => sessionMembers(tab.sid).length === 0, 15000, 'no process of the session left');
  await until(() => pty.diagnostics().terminals.length === 0, 10000, 'the terminal to be destroyed');
});

test('closing the tab ends a background job that ignores SIGHUP, and the shell', async () => {
  const tab = await openTab();
  // The marker is computed, so that the echo of the typed line does not match it.
  tab.input('trap "" HUP; (trap "" HUP; while :; do sleep 0.01; done) & echo "job $((6*7))"\r');
  await until(() => tab.output.includes('job 42'), 15000, 'the job to start');
  expect(sessionMembers(tab.sid).length).toBeGreaterThanOrEqual(2);
  tab.ws.close();
  await until(() => sessionMembers(tab.sid).length === 0, 15000, 'no process of the session left');
  await until(() => pty.diagnostics().terminals.length === 0, 10000, 'the terminal to be destroyed');
});

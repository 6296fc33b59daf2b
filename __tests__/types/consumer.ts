// Written against node-pty's documented API; must compile unchanged against ours.
import * as pty from '../../index';
import type { IPty, IPtyForkOptions, IDisposable, IEvent } from '../../index';
import { PassThrough } from 'stream';

const options: IPtyForkOptions = { name: 'xterm-color', cols: 80, rows: 30, cwd: '/', env: process.env, encoding: 'utf8' };
const term: IPty = pty.spawn('bash', [], options);
const sub: IDisposable = term.onData((data: string) => process.stdout.write(data));
const onExit: IEvent<{ exitCode: number; signal?: number }> = term.onExit;
onExit(({ exitCode, signal }) => console.log(exitCode, signal));
term.write('ls\r');
term.write(Buffer.from('pwd\r'));
term.resize(100, 40);
term.pause();
term.resume();
term.handleFlowControl = true;
const size: number = term.cols * term.rows + term.pid;
const title: string = term.process;
term.kill();
term.kill('SIGTERM');
sub.dispose();
void size;
void title;

const pair = pty.open({ cols: 80, rows: 24, encoding: null });
pair.master.on('data', (d: Buffer) => d.length);
pair.slave.write('hi\n');
const nothing: null = pair.pid;
pair.destroy();
void nothing;

// What node-pty's terminal has at run time beyond IPty is declared on what spawn() returns.
const legacy = pty.spawn('sh', [], {});
legacy.on('data', (d: string) => d.length);
legacy.on('exit', (code: number, signal?: number) => code + (signal ?? 0));
legacy.write([0x1b, 0x5b]);
legacy.write(new Uint16Array([65]));
legacy.kill(9);
legacy.end('exit\r');
legacy.setEncoding(null);
legacy.setEncoding('latin1');
const sink: PassThrough = legacy.pipe(new PassThrough(), { end: false });
sink.end();
legacy.destroy();
pair.setEncoding('utf8');
pair.end();

const info = pty.diagnostics();
const inUse: number | undefined = info.ptyPool?.inUse;
const stacks: string[] = pty.leaks().terminals.map((t) => t.spawnedAt);
pty.assertNoLeaks();
void inUse;
void stacks;

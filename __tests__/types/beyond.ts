// The members beyond node-pty, as a TypeScript program uses them.
import * as pty from '../../index';
import type { IExitEvent, IForegroundProcess, ITerminal } from '../../index';

async function main(): Promise<void> {
  const term: ITerminal = pty.spawn('sh', ['-c', 'sleep 1'], {});
  const fg: IForegroundProcess | undefined = term.foreground;
  const cwd: string | undefined = fg?.cwd;
  const signalled: number = term.killSession('SIGTERM');
  const queued: number = term.writableLength;
  term.onDrain(() => undefined).dispose();
  term.on('drain', () => undefined);
  const exit: IExitEvent = await term.exited;
  for await (const chunk of term) void chunk;
  {
    await using scoped = pty.spawn('sh', [], {});
    void scoped.pid;
  }
  {
    using scoped = pty.spawn('sh', [], {});
    void scoped.pid;
  }
  void [cwd, signalled, queued, exit];
}
void main;

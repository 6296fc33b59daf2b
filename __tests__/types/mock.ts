// Projects implement or mock node-pty's IPty in their tests: an object with node-pty's members
// only must be an IPty here too, and code typed against IPty must accept our terminals.
import * as pty from '../../index';
import type { IPty, IDisposable, IEvent } from '../../index';

const none: IDisposable = { dispose() {} };
const event = <T>(): IEvent<T> => () => none;

const mock: IPty = {
  pid: 1,
  cols: 80,
  rows: 24,
  process: 'bash',
  handleFlowControl: false,
  onData: event<string>(),
  onExit: event<{ exitCode: number; signal?: number }>(),
  resize(columns: number, rows: number) {
    void columns;
    void rows;
  },
  clear() {},
  write(data: string | Buffer) {
    void data;
  },
  kill(signal?: string) {
    void signal;
  },
  pause() {},
  resume() {},
};

class FakePty implements IPty {
  readonly pid = 2;
  readonly cols = 80;
  readonly rows = 24;
  readonly process = 'sh';
  handleFlowControl = false;
  readonly onData = event<string>();
  readonly onExit = event<{ exitCode: number; signal?: number }>();
  resize(): void {}
  clear(): void {}
  write(): void {}
  kill(): void {}
  pause(): void {}
  resume(): void {}
}

function host(term: IPty): number {
  term.write('ls\r');
  return term.pid;
}
host(mock);
host(new FakePty());

// What spawn() returns is an IPty, and still has our members, typed.
const term = pty.spawn('sh', [], {});
host(term);
term.on('data', (d: string) => d.length);
term.destroy();

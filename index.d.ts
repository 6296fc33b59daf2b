/**
 * node-pty-rs: node-pty's unix API over a Rust core.
 *
 * The declarations follow node-pty's `typings/node-pty.d.ts`, so code written against
 * `node-pty` or `@lydell/node-pty` compiles unchanged; additions are marked as such.
 */

/// <reference types="node" />

/**
 * Forks a process as a pseudoterminal.
 * @param file The file to launch (looked up in the PATH of the child's environment). Default `'sh'`.
 * @param args The file's arguments as argv (string[]). The CommandLine string form is Windows-only
 * and throws here.
 * @param options The options of the terminal.
 * @throws TypeError / RangeError (with `code`) for arguments of the wrong type or size, and an
 * `Error` with `code`, `errno` and `syscall` when the system refuses a pty (`'EMFILE'`,
 * `'EAGAIN'`). A program that cannot be started (missing file, bad cwd) does not throw: as in
 * node-pty the terminal exits with code 1, and the exit event carries the `error`.
 * @returns an {@link ITerminal}: node-pty's {@link IPty} and the members it has at run time.
 */
export declare function spawn(
  file: string,
  args: string[] | string,
  options: IPtyForkOptions | IWindowsPtyForkOptions
): ITerminal;

/** @deprecated Use {@link spawn}. */
export declare function fork(
  file: string,
  args: string[] | string,
  options: IPtyForkOptions | IWindowsPtyForkOptions
): ITerminal;

/** @deprecated Use {@link spawn}. */
export declare function createTerminal(
  file: string,
  args: string[] | string,
  options: IPtyForkOptions | IWindowsPtyForkOptions
): ITerminal;

/**
 * Opens a pty pair without a process (node-pty's `open`). Bytes written to `master` are read on
 * `slave` and the other way round, through the terminal's line discipline.
 */
export declare function open(options?: IPtyOpenOptions): IPtyPair;

export interface IPtyOpenOptions {
  /** Default 80. */
  cols?: number;
  /** Default 24. */
  rows?: number;
  /** As in {@link IBasePtyForkOptions.encoding}: `'utf8'` by default, `null` for Buffers. */
  encoding?: string | null;
}

/** What {@link open} returns: a terminal without a process, and both of its ends as streams. */
export interface IPtyPair extends Omit<ITerminal, 'pid' | ProcessMembers> {
  /** `null`: there is no process. */
  readonly pid: null;
  /** The master end: what a terminal emulator reads and writes. */
  readonly master: import('stream').Duplex;
  /** The slave end: what a program running in the terminal reads and writes. */
  readonly slave: import('stream').Duplex;
  /** The slave's path, `/dev/pts/N`. */
  readonly ptsName: string;
  /** Closes both ends. */
  destroy(): void;
}

export interface IBasePtyForkOptions {
  /** Name of the terminal to be set in environment ($TERM variable). Default `env.TERM` or `'xterm'`. */
  name?: string;

  /** Number of initial cols of the pty. Default 80. */
  cols?: number;

  /** Number of initial rows of the pty. Default 24. */
  rows?: number;

  /** Working directory to be set for the child program. Default `process.cwd()`. */
  cwd?: string;

  /**
   * Environment to be set for the child program. Default `process.env`, without the variables
   * that describe the host's own terminal (TMUX, TMUX_PANE, STY, WINDOW, WINDOWID, TERMCAP,
   * COLUMNS, LINES).
   */
  env?: { [key: string]: string | undefined };

  /**
   * String encoding of the underlying pty.
   * If set, incoming data will be decoded to strings and outgoing strings to bytes applying this encoding.
   * If unset, incoming data will be delivered as raw bytes (Buffer type).
   * By default 'utf8' is assumed, to unset it explicitly set it to `null`.
   * A character split across two reads is decoded whole.
   */
  encoding?: string | null;

  /**
   * (EXPERIMENTAL)
   * Whether to enable flow control handling (false by default). If enabled a message of `flowControlPause`
   * will pause the socket and thus blocking the child program execution due to buffer back pressure.
   * A message of `flowControlResume` will resume the socket into flow mode.
   * For performance reasons only a single message as a whole will match (no message part matching).
   * If flow control is enabled the `flowControlPause` and `flowControlResume` messages are not forwarded to
   * the underlying pseudoterminal.
   */
  handleFlowControl?: boolean;

  /** (EXPERIMENTAL) The string that should pause the pty when `handleFlowControl` is true. Default is XOFF ('\x13'). */
  flowControlPause?: string;

  /** (EXPERIMENTAL) The string that should resume the pty when `handleFlowControl` is true. Default is XON ('\x11'). */
  flowControlResume?: string;
}

export interface IPtyForkOptions extends IBasePtyForkOptions {
  /**
   * Security warning: use this option with great caution, as opened file descriptors
   * with higher privileges might leak to the child program.
   */
  uid?: number;
  gid?: number;
}

export interface IWindowsPtyForkOptions extends IBasePtyForkOptions {
  /** Windows only; ignored here. */
  useConpty?: boolean;
  /** Windows only; ignored here. */
  useConptyDll?: boolean;
  /** Windows only; ignored here. */
  conptyInheritCursor?: boolean;
}

/** The exit of the program: a signalled program reports `exitCode` 0 and the signal number. */
export interface IExitEvent {
  exitCode: number;
  signal?: number;
  /**
   * (node-pty-rs) Why the program could not be started, when it could not: an `Error` with
   * `code` (`'ENOENT'`, `'EACCES'`, `'ENOTDIR'`…), `errno`, `syscall` (`'execve'`, `'chdir'`,
   * `'posix_spawn'`) and `path`. `exitCode` is then 1, as node-pty reports it.
   */
  error?: NodeJS.ErrnoException;
}

/**
 * An interface representing a pseudoterminal: node-pty's `IPty`, member for member, so that an
 * object with node-pty's members only (a mock, another implementation) is an `IPty` here too.
 * What this library's terminals have beyond it is on {@link ITerminal}, which `spawn` returns.
 */
export interface IPty {
  /** The process ID of the outer process. `undefined` when the program could not be started. */
  readonly pid: number;

  /** The column size in characters. */
  readonly cols: number;

  /** The row size in characters. */
  readonly rows: number;

  /** The title of the active process: argv[0] of the terminal's foreground process. */
  readonly process: string;

  /** (node-pty-rs, as node-pty's UnixTerminal) The slave's path, `/dev/pts/N`. */
  readonly ptsName?: string;

  /**
   * (as node-pty's UnixTerminal) The master's descriptor number, or -1 once closed. It belongs to
   * the library: closing it yourself breaks the terminal.
   */
  readonly fd?: number;

  /**
   * (EXPERIMENTAL)
   * Whether to handle flow control. Useful to disable/re-enable flow control during runtime.
   * Use this for binary data that is likely to contain the `flowControlPause` string by accident.
   */
  handleFlowControl: boolean;

  /**
   * Adds an event listener for when a data event fires. This happens when data is returned from
   * the pty. Every byte the program wrote arrives, in order, before `onExit`.
   * @returns an `IDisposable` to stop listening.
   */
  readonly onData: IEvent<string>;

  /**
   * Adds an event listener for when an exit event fires. This happens when the pty exits,
   * once, after the last output of the program.
   * @returns an `IDisposable` to stop listening.
   */
  readonly onExit: IEvent<IExitEvent>;

  /**
   * Resizes the dimensions of the pty.
   * @param columns The number of columns to use.
   * @param rows The number of rows to use.
   * @param pixelSize Optional pixel dimensions of the terminal (`ws_xpixel`/`ws_ypixel`).
   * @throws RangeError 'resizing must be done using positive cols and rows'.
   */
  resize(columns: number, rows: number, pixelSize?: { width: number; height: number }): void;

  /** Clears the pty's internal representation of its buffer. A no-op on unix. */
  clear(): void;

  /**
   * Writes data to the pty. Never blocks: bytes are queued and written in order as the
   * program reads them. (node-pty-rs) A string over 1 Mi characters is converted to UTF-8 a
   * slice at a time as the pty takes it, not all at once on the JS thread; what is written
   * after it waits behind it. Input the program has not taken by its exit is dropped.
   */
  write(data: string | Buffer): void;

  /**
   * Kills the pty.
   * @param signal The signal to use, defaults to SIGHUP. A no-op once the program has exited.
   */
  kill(signal?: string): void;

  /**
   * Pauses the pty for customizable flow control: no data (and no exit) is delivered until
   * `resume()`, and the program blocks once the kernel's buffer is full.
   *
   * (node-pty-rs) A paused terminal's program can always finish exiting: after `kill()` (any
   * signal) it is read ahead, up to 1 MiB, so that it can exit even where the kernel waits for
   * its output to be read first (macOS keeps an exiting session leader until then); it is
   * reaped while the terminal stays paused (`process.kill(pid, 0)` then throws ESRCH), and
   * `resume()` delivers every byte it wrote, in order, then the exit (e.g. signal 9 after
   * SIGKILL). `destroy()` instead delivers the exit without that output. A paused program that
   * exits by itself is reaped at once on Linux, its output and exit following on `resume()`;
   * on macOS, while output it wrote is unread, it stays in its exit (not yet reaped) until
   * `resume()`, `kill()` or `destroy()`.
   */
  pause(): void;

  /**
   * Resumes the pty for customizable flow control: what was held back is delivered, in order.
   * (node-pty-rs) Undoes `pause()` only: output stays held while a `for await` loop or `pipe()`
   * destination is behind.
   */
  resume(): void;
}

/**
 * What `spawn` returns: node-pty's {@link IPty} (assignable to it) plus what node-pty's terminal
 * object also has at run time without declaring it in `IPty`: the EventEmitter methods,
 * `destroy`, `end`, `pipe` and `setEncoding`.
 */
export interface ITerminal extends IPty, IDisposableTerminal {
  /**
   * Writes data to the pty. Never blocks: bytes are queued and written in order as the
   * program reads them. As in node-pty, anything but a string is sent as `Buffer.from(data)`
   * would give it: an Array or typed array element by element (each `& 0xff`), an
   * ArrayBuffer's bytes; a DataView sends the bytes it views (node-pty sends none).
   * @throws TypeError `'ERR_INVALID_ARG_TYPE'` for other types, `'ERR_INVALID_ARG_VALUE'` for a
   * detached ArrayBuffer or a view of one.
   */
  write(data: string | Buffer | Uint8Array | ArrayBufferView | ArrayBuffer | ArrayLike<number>): void;

  /**
   * Kills the pty. As node-pty, never throws: a falsy signal is SIGHUP, a name that is not in
   * `os.constants.signals` or a number that is not a signal sends nothing. A no-op once the
   * program has exited.
   * @param signal A name (`'SIGTERM'`) or number; default `'SIGHUP'`.
   */
  kill(signal?: string | number): void;

  /**
   * As node-pty's `end` (`net.Socket#end` on its master): writes `data` if given. The terminal
   * stays open and writable; {@link ITerminal.destroy} closes it.
   */
  end(data?: string | Buffer): void;

  /**
   * As node-pty's `pipe` (`Readable#pipe` of its master): every chunk of output is written to
   * `destination` in order; while `destination.write()` asks to wait the terminal is paused
   * (so the program blocks instead of the output piling up), until `'drain'`, which does not
   * undo a `pause()` of the user's. After the exit,
   * and so after the last byte, `destination.end()` is called unless `options.end` is false.
   * `destination` gets the `'pipe'` and `'unpipe'` events with the terminal as the source.
   * @returns `destination`, for chaining.
   */
  pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T;

  /**
   * As node-pty's `setEncoding`: the data events carry strings decoded with `encoding` from
   * now on, or Buffers when it is `null`/`undefined`. Strings written are still encoded with
   * the spawn option `encoding`.
   * @throws TypeError `'ERR_UNKNOWN_ENCODING'` for an encoding Node does not know.
   */
  setEncoding(encoding?: BufferEncoding | null): void;

  /**
   * Adds a listener to the data event, fired when data is returned from the pty.
   * @deprecated Use IPty.onData
   */
  on(event: 'data', listener: (data: string) => void): void;

  /**
   * Adds a listener to the exit event, fired when the pty exits.
   * @deprecated Use IPty.onExit
   */
  on(event: 'exit', listener: (exitCode: number, signal?: number) => void): void;

  /**
   * Closes the terminal: no more data is delivered, no descriptor of this process refers to the
   * pty by the time this returns (also after the exit, when a background job still holds it),
   * and the kernel's teardown of the pty and the program's SIGHUP follow on the library's own
   * threads (Linux), before the exit is reported. `onExit` still fires when the program ends, and the event loop stays
   * open until it has.
   */
  destroy(): void;

  /**
   * (node-pty-rs) The leader of the terminal's foreground process group: its pid, its name as
   * `process` reports it, and its working directory where the system tells. `undefined` after
   * the exit or destroy(), and before the program has the terminal (macOS: while the spawn
   * helper starts it). Never pid 0, `kernel_task` or `spawn-helper`. While the program runs it
   * is never `undefined`: a foreground job that has just exited is named by the kernel (its
   * comm), and a foreground group left without its leader reports the terminal's program.
   * What a terminal host titles a tab with, and where a new tab opens.
   */
  readonly foreground: IForegroundProcess | undefined;

  /**
   * (node-pty-rs) Signals every process still in the terminal's session: the program's process
   * group and its background jobs, not processes that left with setsid. Returns how many were
   * signalled; 0 once the pty is closed. After the program's exit it reaches the members there
   * were at the exit (and what they start), never a stranger that got the program's pid.
   * @param signal Default `'SIGHUP'`. An unknown signal throws a `TypeError` with code
   * `'ERR_UNKNOWN_SIGNAL'`.
   */
  killSession(signal?: string | number): number;

  /** (node-pty-rs) Bytes accepted by `write()` that the pty has not taken yet. */
  readonly writableLength: number;

  /**
   * (node-pty-rs) Fires when `writableLength` returns to 0 after being above 0: the program has
   * taken everything written so far. Not fired when the terminal closes with input queued.
   */
  readonly onDrain: IEvent<void>;

  /** (node-pty-rs) The legacy form of `onDrain`. */
  on(event: 'drain', listener: () => void): void;

  /**
   * (node-pty-rs) A Promise of the same event `onExit` gets; it settles whatever the listeners
   * do (as do `await using`, the iterator and `pipe()`): an `onData`/`onExit` listener that
   * throws is reported as EventEmitter reports it, as an uncaught exception, and the other
   * listeners still get the event.
   */
  readonly exited: Promise<IExitEvent>;

  /**
   * (node-pty-rs) The output as an async iterable, ending after the exit. A loop slower than
   * the program pauses the terminal (above 1 MiB queued, until it is down to 512 KiB);
   * `break` (or `return()`, which also ends a pending `next()` with `{ done: true }`) leaves
   * it running. Several loops on one terminal each get every chunk: output flows only while
   * none of them is behind, so memory is bounded by the slowest. A loop (or `pipe()`) that
   * catches up never undoes `pause()`, nor another loop's pause: only `resume()` does.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<string | Buffer>;
}

/** The members of `ITerminal` that need a program or the write queue: not on an `open()` pair. */
type ProcessMembers =
  | 'foreground'
  | 'killSession'
  | 'writableLength'
  | 'onDrain'
  | 'exited'
  | typeof Symbol.asyncIterator
  | keyof IDisposableTerminal;

/** (node-pty-rs) The leader of a terminal's foreground process group. */
export interface IForegroundProcess {
  pid: number;
  /**
   * As `IPty.process` reports it: argv[0] on Linux, the process name on macOS; the kernel's
   * name for the process (comm, at most 15 characters on Linux) when argv[0] is empty or
   * cannot be read (a program exiting, or in the middle of exec).
   */
  name: string;
  /** Its working directory; `undefined` where the system does not tell, or when it has been deleted. */
  cwd: string | undefined;
  /** Present (`true`) when its working directory has been deleted; `cwd` is then `undefined`. */
  cwdDeleted?: true;
}

// The well-known symbols of explicit resource management exist in TypeScript's lib only from
// esnext.disposable (and in @types/node 20+): declared through them only where they exist, so
// that a project compiling against an older lib still compiles.
type AsyncDisposeSymbol = SymbolConstructor extends { readonly asyncDispose: infer S extends symbol } ? S : never;
type DisposeSymbol = SymbolConstructor extends { readonly dispose: infer S extends symbol } ? S : never;

/**
 * (node-pty-rs) `await using term = spawn(…)` sends SIGHUP to the terminal's session, SIGKILL
 * after 2 s if the program is still there (and to background jobs left at its exit), and
 * resolves after the exit with the pty closed; `using term = spawn(…)` destroys it.
 */
export type IDisposableTerminal = { [K in AsyncDisposeSymbol]: () => Promise<void> } & { [K in DisposeSymbol]: () => void };

/** An object that can be disposed via a dispose function. */
export interface IDisposable {
  dispose(): void;
}

/**
 * An event that can be listened to.
 * @returns an `IDisposable` to stop listening.
 */
export interface IEvent<T> {
  (listener: (e: T) => any): IDisposable;
}

/** (node-pty-rs) A live terminal (or `open()` pair) as {@link diagnostics} and {@link leaks} report it. */
export interface ITerminalInfo {
  /** `null` for an `open()` pair. */
  pid: number | null;
  ptsName: string;
  file: string;
  args: string[];
  /** Milliseconds since it was spawned. */
  ageMs: number;
  /** Bytes written to the program. */
  bytesIn: number;
  /** Bytes received from the program. */
  bytesOut: number;
  paused: boolean;
  /**
   * The descriptors the library holds for it: the master, the child's pidfd (Linux), and on
   * macOS the slave copy it keeps until the program is reaped and its output read.
   */
  descriptors: number[];
  /** The leader of its foreground process group, while it runs (see `ITerminal.foreground`). */
  foreground?: IForegroundProcess;
  /** The stack that called spawn() or open(). */
  spawnedAt: string;
}

/** (node-pty-rs) What {@link diagnostics} returns. */
export interface IDiagnostics {
  /** Terminals neither exited nor destroyed. */
  terminals: ITerminalInfo[];
  descriptors: {
    /** Every descriptor the library holds for live terminals. */
    held: number[];
    /**
     * Every pty descriptor open in the process (`/dev/ptmx`; `/dev/pts/N` on Linux,
     * `/dev/ttysNNN` on macOS), whoever opened it.
     */
    ptys: { fd: number; target: string }[];
  };
  /** The one I/O thread. */
  reactor: {
    /** Whether its thread has started (by the first terminal). */
    started: boolean;
    /** Terminals it still tracks, including destroyed ones whose program has not exited. */
    tracked: number;
    /**
     * Terminals since the library was loaded whose exit was watched by polling `waitpid` every
     * 50 ms, because the kernel could not report it (no pidfd: Linux before 5.3; a kqueue
     * registration refused on macOS). 0 where the kernel reports every exit. (A program already
     * exiting when its exit is first watched is reaped by a few quick retries, not counted.)
     */
    exitPolled: number;
    /**
     * Times since the library was loaded that output Linux had held back in a pty was found
     * and read: at the end of a terminal's output, which the kernel can report before the last
     * of it (that output would have been lost), or on a master gone quiet whose output a race
     * in kernels older than a 2022 fix had stranded (it would have waited for the program's
     * next write; output written just as such a master was looked at is counted too, rarely).
     * Always 0 on macOS.
     */
    outputRecovered: number;
  };
  /** The system's pty pool, where the platform tells. */
  ptyPool: { inUse: number; max: number } | null;
}

/** (node-pty-rs) The library's state: live terminals, the descriptors it holds, the reactor, the pty pool. */
export declare function diagnostics(): IDiagnostics;

/**
 * (node-pty-rs) What is still open, for a test suite's `afterAll`: terminals neither exited nor
 * destroyed (each with the stack that spawned it), and pty descriptors open in the process
 * that no terminal of this library holds (excluding those open before it was loaded).
 */
export declare function leaks(): { terminals: ITerminalInfo[]; descriptors: { fd: number; target: string }[] };

/** (node-pty-rs) Throws an `Error` with `code` `'ERR_PTY_LEAK'` and `leaks` when {@link leaks} finds anything. */
export declare function assertNoLeaks(): void;

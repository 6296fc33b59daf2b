//! The napi layer: converts arguments, errors and events between JS and the core. Everything
//! that does work lives in the napi-free `node-pty-rs-core` crate (core/), which `cargo test`
//! drives.
#![deny(clippy::all)]
#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

mod per_env;

use node_pty_rs_core::{descriptors, error, pty, reactor, spawn};

use crate::per_env::EnvTerminals;
use error::SysError;
use napi::bindgen_prelude::{
  AsyncTask, Buffer, BufferSlice, Either, Either3, Function, Null, Object, ToNapiValue,
};
use napi::threadsafe_function::ThreadsafeFunctionCallMode;
use napi::{Env, Status, Task};
use napi_derive::napi;
use pty::Size;
use reactor::{Event, StartError, Terminal};
use std::sync::{Arc, Mutex};

/// Turns a core error into a JS `Error` carrying `code` (`'ENOENT'`), `errno` (negative, as
/// Node's own errors), `syscall` and, where one applies, `path`.
fn js_error(env: &Env, e: &SysError) -> napi::Error {
  let build = || -> napi::Result<napi::Error> {
    let mut obj: Object =
      env.create_error(napi::Error::new(Status::GenericFailure, e.to_string()))?;
    obj.set("code", e.code())?;
    obj.set("errno", -(e.errno as i32))?;
    obj.set("syscall", e.syscall)?;
    if let Some(path) = &e.path {
      obj.set("path", path.as_str())?;
    }
    if let Some(pool) = e.pty_pool {
      obj.set("ptyPool", PtyPoolInfo::from(pool))?;
    }
    if let Some(limit) = e.fd_limit {
      obj.set("fdLimit", limit as f64)?;
    }
    obj.set("spawnFailed", e.is_exec_failure())?;
    Ok(napi::Error::from(ToNapiValue::into_unknown(obj, env)?))
  };
  build().unwrap_or_else(|fallback| fallback)
}

fn size(cols: u32, rows: u32, pixel_width: u32, pixel_height: u32) -> napi::Result<Size> {
  let cell = |v: u32, what: &str| {
    u16::try_from(v)
      .ok()
      .filter(|&v| v > 0 || what.starts_with("pixel"))
      .ok_or_else(|| napi::Error::new(Status::InvalidArg, format!("{what} out of range: {v}")))
  };
  Ok(Size {
    cols: cell(cols, "cols")?,
    rows: cell(rows, "rows")?,
    pixel_width: cell(pixel_width, "pixelWidth")?,
    pixel_height: cell(pixel_height, "pixelHeight")?,
  })
}

/// The spawn request, validated and defaulted by lib/options.js.
#[napi(object)]
pub struct SpawnRequest {
  pub file: String,
  pub args: Vec<String>,
  /// `KEY=value` pairs.
  pub env: Vec<String>,
  pub cwd: String,
  pub cols: u32,
  pub rows: u32,
  /// Sets IUTF8 on the terminal.
  pub utf8: bool,
  /// Run as this user / group (takes the fork path).
  pub uid: Option<u32>,
  pub gid: Option<u32>,
  /// The `spawn-helper` executable to start the program through (macOS).
  pub helper: Option<String>,
}

/// The exit of a terminal's child, in node-pty's shape.
#[napi(object)]
pub struct ExitInfo {
  pub exit_code: i32,
  pub signal: i32,
}

/// The leader of a terminal's foreground process group.
#[napi(object)]
pub struct ForegroundInfo {
  pub pid: i32,
  pub name: String,
  /// Absent where the system does not tell, and when the directory has been deleted.
  pub cwd: Option<String>,
  /// The working directory has been deleted.
  pub cwd_deleted: bool,
}

/// One pty descriptor open in this process.
#[napi(object)]
pub struct DescriptorInfo {
  pub fd: i32,
  /// What it refers to: `/dev/ptmx`, `/dev/pts/N` (Linux) or `/dev/ttysNNN` (macOS).
  pub target: String,
}

/// The pty descriptors open in this process, whoever opened them (Linux: /proc/self/fd; macOS:
/// proc_pidinfo and F_GETPATH).
#[napi]
pub fn pty_descriptors() -> Vec<DescriptorInfo> {
  descriptors::ptys()
    .into_iter()
    .map(|d| DescriptorInfo {
      fd: d.fd,
      target: d.path,
    })
    .collect()
}

/// The system's pty pool.
#[napi(object)]
pub struct PtyPoolInfo {
  pub in_use: u32,
  pub max: u32,
}

impl From<error::PtyPool> for PtyPoolInfo {
  fn from(p: error::PtyPool) -> Self {
    PtyPoolInfo {
      in_use: p.in_use,
      max: p.max,
    }
  }
}

/// The system's pty pool, where the platform tells.
#[napi]
pub fn pty_pool() -> Option<PtyPoolInfo> {
  pty::pool().map(PtyPoolInfo::from)
}

/// The reactor's state.
#[napi(object)]
pub struct ReactorInfo {
  /// Whether its thread has been started (by the first terminal).
  pub started: bool,
  /// Terminals it still tracks, including destroyed ones whose program has not exited yet.
  pub tracked: u32,
  /// Terminals since load whose exit was watched by polling waitpid (every 50 ms) instead of
  /// a kernel notification (pidfd, kqueue).
  pub exit_polled: u32,
  /// Times output the kernel had held back in a pty was found and read (Linux).
  pub output_recovered: u32,
}

/// Internal, for the library's own tests: spawns from now on take the fork path as on an old
/// glibc and kernel (Linux; nothing elsewhere). Not part of the API, never read from the
/// environment.
#[napi(js_name = "__testOldSystem")]
pub fn test_old_system(on: bool) {
  spawn::emulate_old_system_for_tests(on);
}

#[napi]
pub fn reactor_stats() -> ReactorInfo {
  let s = reactor::stats();
  ReactorInfo {
    started: s.started,
    tracked: s.tracked as u32,
    exit_polled: u32::try_from(s.exit_polled).unwrap_or(u32::MAX),
    output_recovered: u32::try_from(s.output_recovered).unwrap_or(u32::MAX),
  }
}

/// A terminal's native handle; lib/terminal.js and lib/pair.js wrap it in node-pty's API.
#[napi]
pub struct NativePty {
  term: Arc<Terminal>,
}

#[napi]
impl NativePty {
  /// The child's pid; 0 for an end of a pair without a process.
  #[napi(getter)]
  pub fn pid(&self) -> i32 {
    self.term.pid().unwrap_or(0)
  }

  #[napi(getter)]
  pub fn pts_name(&self) -> String {
    self.term.pts_name().to_string()
  }

  /// The number of this end of the pty while it is open, else -1.
  #[napi(getter)]
  pub fn fd(&self) -> i32 {
    self.term.end_fd().unwrap_or(-1)
  }

  /// The child's pidfd number until the child is reaped, else -1.
  #[napi(getter)]
  pub fn pidfd(&self) -> i32 {
    self.term.pidfd().unwrap_or(-1)
  }

  /// The parent's slave copy while the core keeps it open (macOS, until the program is reaped
  /// and its output read), else -1.
  #[napi(getter)]
  pub fn slave_fd(&self) -> i32 {
    self.term.kept_slave_fd().unwrap_or(-1)
  }

  /// Bytes accepted by `write` that the pty has not taken yet.
  #[napi(getter)]
  pub fn writable_length(&self) -> u32 {
    u32::try_from(self.term.writable_length()).unwrap_or(u32::MAX)
  }

  /// Queues bytes for the child; never blocks. A string is sent as UTF-8, converted once
  /// straight into the memory its bytes wait in (no Buffer in between to copy from). Returns
  /// how many bytes were accepted.
  #[napi]
  pub fn write(&self, data: Either<String, Buffer>) -> u32 {
    let bytes = match data {
      Either::A(text) => text.into_bytes(),
      Either::B(buffer) => buffer.to_vec(),
    };
    let n = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    self.term.write(bytes);
    n
  }

  #[napi]
  pub fn set_paused(&self, paused: bool) {
    self.term.set_paused(paused);
  }

  #[napi]
  pub fn resize(
    &self,
    env: Env,
    cols: u32,
    rows: u32,
    pixel_width: u32,
    pixel_height: u32,
  ) -> napi::Result<()> {
    let size = size(cols, rows, pixel_width, pixel_height)?;
    self.term.resize(size).map_err(|e| js_error(&env, &e))
  }

  /// Signals the child until it has been reaped, destroyed or not.
  #[napi]
  pub fn kill(&self, env: Env, signal: i32) -> napi::Result<()> {
    self.term.kill(signal).map_err(|e| js_error(&env, &e))
  }

  /// The leader of the terminal's foreground process group, while the pty is open.
  #[napi]
  pub fn foreground(&self) -> Option<ForegroundInfo> {
    self.term.foreground().map(|f| ForegroundInfo {
      pid: f.pid,
      name: f.name,
      cwd: f.cwd,
      cwd_deleted: f.cwd_deleted,
    })
  }

  /// Signals every process of the child's session; returns how many were signalled.
  #[napi]
  pub fn kill_session(&self, env: Env, signal: i32) -> napi::Result<u32> {
    let n = self
      .term
      .kill_session(signal)
      .map_err(|e| js_error(&env, &e))?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
  }

  /// `kill` then `killSession`, on a thread of libuv's pool, resolving with killSession's
  /// count: what `await using` uses, so that disposing many terminals at once holds the JS
  /// thread neither for each search of a session nor for the CPU a signalled program takes.
  #[napi(ts_return_type = "Promise<number>")]
  pub fn kill_session_async(&self, signal: i32) -> AsyncTask<KillSession> {
    AsyncTask::new(KillSession {
      term: self.term.clone(),
      signal,
      error: None,
    })
  }

  /// Releases the master before returning (its teardown and the child's SIGHUP follow on
  /// the library's threads); the exit is still reported. Idempotent; also releases a master
  /// that a background grandchild keeps open after the exit.
  #[napi]
  pub fn destroy(&self) {
    self.term.destroy();
  }
}

pub struct KillSession {
  term: Arc<Terminal>,
  signal: i32,
  /// The core's error, turned into a JS one on the JS thread.
  error: Option<SysError>,
}

impl Task for KillSession {
  type Output = u32;
  type JsValue = u32;

  fn compute(&mut self) -> napi::Result<u32> {
    // The program also after destroy(), when killSession reaches nobody; node-pty's kill()
    // ignores what the system refuses (a setuid program).
    let _ = self.term.kill(self.signal);
    match self.term.kill_session(self.signal) {
      Ok(n) => Ok(u32::try_from(n).unwrap_or(u32::MAX)),
      Err(e) => {
        let message = e.to_string();
        self.error = Some(e);
        Err(napi::Error::new(Status::GenericFailure, message))
      }
    }
  }

  fn resolve(&mut self, _env: Env, n: u32) -> napi::Result<u32> {
    Ok(n)
  }

  fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<u32> {
    Err(self.error.as_ref().map_or(err, |e| js_error(&env, e)))
  }
}

/// The events of one terminal, delivered to `on_event` on the JS thread: a Buffer per chunk
/// of output, `null` when queued input has drained, then one `{exitCode, signal}`. The
/// callback does not keep the event loop alive: lib/liveness.js decides that.
type EventCallback<'a> = Function<'a, Either3<BufferSlice<'static>, Null, ExitInfo>, ()>;

/// Output read for one terminal that the JS thread has not taken yet. At most one callback is
/// queued for it: while the JS thread is busy, chunks merge here instead of queueing one call
/// each, so a loaded host gets fewer, larger chunks.
#[derive(Default)]
struct Pending {
  bytes: Vec<u8>,
  queued: bool,
}

/// What crosses to the JS thread; data travels through `Pending`.
enum Delivery {
  Data,
  Drain,
  Exit(reactor::ExitStatus),
}

/// The sink of one terminal: calls `on_event` on the JS thread, which reports to `consumer`
/// what it has taken.
fn event_sink(
  consumer: Arc<reactor::InFlight>,
  on_event: EventCallback<'_>,
) -> napi::Result<reactor::Sink> {
  let pending = Arc::new(Mutex::new(Pending::default()));
  let taken = pending.clone();
  let tsfn = on_event
    .build_threadsafe_function::<Delivery>()
    .callee_handled::<false>()
    .weak::<true>()
    .build_callback(move |ctx| {
      Ok(match ctx.value {
        Delivery::Data => {
          let bytes = {
            let mut p = taken.lock().unwrap_or_else(|e| e.into_inner());
            p.queued = false;
            std::mem::take(&mut p.bytes)
          };
          consumer.consumed(bytes.len());
          // A copy into memory V8 allocates and counts: an external buffer over `bytes` would
          // be invisible to the GC, which then runs too rarely to free dead chunks and lets a
          // busy terminal grow the host's RSS by hundreds of MB.
          Either3::A(BufferSlice::copy_from(&ctx.env, &bytes)?)
        }
        Delivery::Drain => Either3::B(Null),
        Delivery::Exit(s) => Either3::C(ExitInfo {
          exit_code: s.code,
          signal: s.signal,
        }),
      })
    })?;
  // A call fails only while the environment is being torn down, when nobody is listening.
  Ok(Box::new(move |ev| match ev {
    Event::Data(bytes) => {
      let mut p = pending.lock().unwrap_or_else(|e| e.into_inner());
      p.bytes.extend_from_slice(bytes);
      if !p.queued {
        p.queued = true;
        drop(p);
        let _ = tsfn.call(Delivery::Data, ThreadsafeFunctionCallMode::NonBlocking);
      }
    }
    Event::Drain => {
      let _ = tsfn.call(Delivery::Drain, ThreadsafeFunctionCallMode::NonBlocking);
    }
    // Queued after every data call made so far, so it reaches JS after all the output.
    Event::Exit(s) => {
      let _ = tsfn.call(Delivery::Exit(s), ThreadsafeFunctionCallMode::NonBlocking);
    }
  }))
}

impl NativePty {
  fn new(env: &Env, term: Arc<Terminal>) -> napi::Result<NativePty> {
    EnvTerminals::of(env)?.insert(&term);
    Ok(NativePty { term })
  }
}

/// A core error as a JS error; a sink that could not be built, as napi reported it.
fn start_error(env: &Env, e: StartError<napi::Error>) -> napi::Error {
  match e {
    StartError::Sys(e) => js_error(env, &e),
    StartError::Sink(e) => e,
  }
}

/// Spawns `request.file` on a new pty; `on_event` gets its output and then its exit.
#[napi]
pub fn spawn(
  env: Env,
  request: SpawnRequest,
  on_event: Function<'_, Either3<BufferSlice<'static>, Null, ExitInfo>, ()>,
) -> napi::Result<NativePty> {
  let cmd = spawn::SpawnOptions {
    size: size(request.cols, request.rows, 0, 0)?,
    file: request.file,
    args: request.args,
    env: request.env,
    cwd: request.cwd,
    utf8: request.utf8,
    uid: request.uid,
    gid: request.gid,
    keep_slave: spawn::KEEP_SLAVE,
    helper: request.helper,
  };
  let term = Terminal::spawn(&cmd, |consumer| event_sink(consumer, on_event))
    .map_err(|e| start_error(&env, e))?;
  NativePty::new(&env, term)
}

/// Opens a pty pair without a process: `[master, slave]`, each read and written through the
/// reactor like a terminal; each one's "exit" is its end of file.
#[napi]
pub fn open(
  env: Env,
  cols: u32,
  rows: u32,
  utf8: bool,
  on_master: Function<'_, Either3<BufferSlice<'static>, Null, ExitInfo>, ()>,
  on_slave: Function<'_, Either3<BufferSlice<'static>, Null, ExitInfo>, ()>,
) -> napi::Result<Vec<NativePty>> {
  let [master, slave] = Terminal::open_pair(
    size(cols, rows, 0, 0)?,
    utf8,
    |consumer| event_sink(consumer, on_master),
    |consumer| event_sink(consumer, on_slave),
  )
  .map_err(|e| start_error(&env, e))?;
  Ok(vec![
    NativePty::new(&env, master)?,
    NativePty::new(&env, slave)?,
  ])
}

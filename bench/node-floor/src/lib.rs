//! The least a Node addon can do, the floor under any binding that reports to JS through
//! callbacks, for the two figures `npm run bench` holds against native programs:
//! - `spawn`: run `sh -c 'exit 0'` on a new terminal and tell JS of its end. In the JS call,
//!   exactly what bench/native-reader's native-spawn does before it waits (its
//!   `start_on_new_pty`: openpty, posix_spawn with SETSID and the tty on 0-2, the parent's slave
//!   closed); then one waiter thread reads the master to EIO, waits for the child and calls the
//!   one JS callback.
//! - `stream`: `cat` a file on a new terminal into a JS callback: the native reader's blocking
//!   reads on a thread of their own, each read handed to JS at once (merged while a callback
//!   is still queued), copied into a Buffer V8 allocates.
//!
//! No options, no validation, no object per terminal, no back-pressure (what JS has not taken
//! piles up in memory), no guarantees beyond the native programs'.

use napi::bindgen_prelude::{BufferSlice, Function};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use native_reader::{drain_and_reap, exit_program, start_on_new_pty};
use nix::unistd::Pid;
use std::ffi::CString;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex, OnceLock};

type Exit = ThreadsafeFunction<u32, (), u32, napi::Status, false>;

static WAITER: OnceLock<Sender<(OwnedFd, Pid, u32)>> = OnceLock::new();

/// Starts the waiter thread; `on_exit(id)` is called on the JS thread for each spawn's end.
#[napi]
pub fn init(on_exit: Function<u32, ()>) -> napi::Result<()> {
  let tsfn: Exit = on_exit.build_threadsafe_function().build()?;
  let (send, receive) = channel::<(OwnedFd, Pid, u32)>();
  std::thread::spawn(move || {
    for (master, pid, id) in receive {
      let _ = drain_and_reap(master.as_fd(), pid, &mut [0u8; 4096], |_| {});
      drop(master);
      tsfn.call(id, ThreadsafeFunctionCallMode::NonBlocking);
    }
  });
  WAITER
    .set(send)
    .map_err(|_| napi::Error::from_reason("init twice"))
}

/// Starts `/bin/sh -c 'exit 0'` on a new terminal; its end is reported as `on_exit(id)`.
#[napi]
pub fn spawn(id: u32) -> napi::Result<()> {
  let (argv, envp) = exit_program();
  let (master, pid) =
    start_on_new_pty(&argv, &envp).map_err(|e| napi::Error::from_reason(e.to_string()))?;
  let waiter = WAITER
    .get()
    .ok_or_else(|| napi::Error::from_reason("init first"))?;
  let _ = waiter.send((master, pid, id));
  Ok(())
}

/// What the reading thread of `stream` has read and the JS thread has not taken yet: chunks
/// merge here while the JS thread is busy, so at most one callback is queued at a time.
#[derive(Default)]
struct Pending {
  bytes: Vec<u8>,
  queued: bool,
}

type Chunk = ThreadsafeFunction<(), (), BufferSlice<'static>, napi::Status, false>;
type End = ThreadsafeFunction<(), (), (), napi::Status, false>;

/// Runs `/bin/cat FILE` on a new terminal (the calls of `spawn`), reads the master on a thread
/// of its own with blocking 64 KiB reads, and hands each read to `on_data(buffer)` on the JS
/// thread (a copy V8 allocates, as a binding must for the GC to see the memory); `on_end()`
/// once the master reported EIO and the child was reaped.
#[napi]
pub fn stream(
  file: String,
  on_data: Function<BufferSlice<'static>, ()>,
  on_end: Function<(), ()>,
) -> napi::Result<()> {
  let argv = [c"/bin/cat".to_owned(), CString::new(file)?];
  let envp = [c"PATH=/usr/bin:/bin".to_owned()];
  let (master, pid) =
    start_on_new_pty(&argv, &envp).map_err(|e| napi::Error::from_reason(e.to_string()))?;
  let pending = Arc::new(Mutex::new(Pending::default()));
  let taken = pending.clone();
  let data: Chunk = on_data
    .build_threadsafe_function::<()>()
    .build_callback(move |ctx| {
      let bytes = {
        let mut p = taken.lock().unwrap();
        p.queued = false;
        std::mem::take(&mut p.bytes)
      };
      BufferSlice::copy_from(&ctx.env, &bytes)
    })?;
  let end: End = on_end.build_threadsafe_function().build()?;
  std::thread::spawn(move || {
    let _ = drain_and_reap(master.as_fd(), pid, &mut vec![0u8; 64 * 1024], |read| {
      let mut p = pending.lock().unwrap();
      p.bytes.extend_from_slice(read);
      if !std::mem::replace(&mut p.queued, true) {
        drop(p);
        data.call((), ThreadsafeFunctionCallMode::NonBlocking);
      }
    });
    drop(master);
    end.call((), ThreadsafeFunctionCallMode::NonBlocking);
  });
  Ok(())
}

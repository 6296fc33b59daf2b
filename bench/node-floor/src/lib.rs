//! The least a Node addon can do to run `sh -c 'exit 0'` on a new terminal and tell JS of its
//! end: in the JS call, exactly what bench/native-reader's native-spawn does before it waits
//! (its `start_on_new_pty`: openpty, posix_spawn with SETSID and the tty on 0-2, the parent's
//! slave closed); then one waiter thread reads the master to EIO, waits for the child and
//! calls the one JS callback.
//! No options, no validation, no object per terminal, no guarantees beyond the native
//! program's: the floor under any binding whose exit arrives as a callback on the JS thread.

use napi::bindgen_prelude::Function;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use native_reader::start_on_new_pty;
use nix::sys::wait::waitpid;
use nix::unistd::Pid;
use std::ffi::CString;
use std::os::fd::OwnedFd;
use std::sync::mpsc::{channel, Sender};
use std::sync::OnceLock;

type Exit = ThreadsafeFunction<u32, (), u32, napi::Status, false>;

static WAITER: OnceLock<Sender<(OwnedFd, Pid, u32)>> = OnceLock::new();

/// Starts the waiter thread; `on_exit(id)` is called on the JS thread for each spawn's end.
#[napi]
pub fn init(on_exit: Function<u32, ()>) -> napi::Result<()> {
  let tsfn: Exit = on_exit.build_threadsafe_function().build()?;
  let (send, receive) = channel::<(OwnedFd, Pid, u32)>();
  std::thread::spawn(move || {
    for (master, pid, id) in receive {
      let mut buf = [0u8; 4096];
      loop {
        match nix::unistd::read(&master, &mut buf) {
          Ok(0) | Err(nix::errno::Errno::EIO) => break,
          Ok(_) | Err(nix::errno::Errno::EINTR) => {}
          Err(_) => break,
        }
      }
      let _ = waitpid(pid, None);
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
  let argv: Vec<CString> = ["/bin/sh", "-c", "exit 0"]
    .iter()
    .map(|a| CString::new(*a).unwrap())
    .collect();
  let envp: Vec<CString> = ["PATH=/usr/bin:/bin", "TERM=xterm"]
    .iter()
    .map(|e| CString::new(*e).unwrap())
    .collect();
  let (master, pid) =
    start_on_new_pty(&argv, &envp).map_err(|e| napi::Error::from_reason(e.to_string()))?;
  let waiter = WAITER
    .get()
    .ok_or_else(|| napi::Error::from_reason("init first"))?;
  let _ = waiter.send((master, pid, id));
  Ok(())
}

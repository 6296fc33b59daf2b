//! Shared by the unit tests: tests that open descriptors or start children must not overlap
//! with tests that count them (the idea of nix's FORK_MTX).

use std::sync::{Mutex, MutexGuard};

static SERIAL: Mutex<()> = Mutex::new(());

pub fn serial() -> MutexGuard<'static, ()> {
  SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// How many descriptors this process has open, whatever they are: a raw count, which
/// [`crate::descriptors::open`] is not (on macOS it lists files and devices only). Linux lists
/// them in procfs; macOS in /dev/fd (fdesc), the calling process's. Either listing counts the
/// descriptor it is read through, so counts compare equal across calls.
pub fn fd_count() -> usize {
  let dir = if cfg!(target_os = "linux") {
    "/proc/self/fd"
  } else {
    "/dev/fd"
  };
  std::fs::read_dir(dir).unwrap().count()
}

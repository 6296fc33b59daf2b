//! Shared by the unit tests: tests that open descriptors or start children must not overlap
//! with tests that count them (the idea of nix's FORK_MTX).

use std::sync::{Mutex, MutexGuard};

static SERIAL: Mutex<()> = Mutex::new(());

pub fn serial() -> MutexGuard<'static, ()> {
  SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

//! What each operating system does its own way, in safe code: one file per system, selected
//! here once (the unsafe calls they need are in `sys`, likewise one file per system). What macOS
//! does differently from Linux is read in `macos.rs`, nowhere else; both files offer the same
//! names.

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::*;

#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "macos")]
pub use macos::*;

/// Whether a child's exit can be watched by the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watch {
  /// Its exit will be reported by the poller.
  Armed,
  /// It is already exiting (or reaped): it is about to be waitable, so a few quick waitpid
  /// retries find it.
  Exiting,
  /// The kernel cannot report it (no pidfd: Linux before 5.3): waitpid is polled for life.
  Unavailable,
}

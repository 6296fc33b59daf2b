//! The core's error: an errno, the call that produced it and the path it concerned.
//! The binding turns it into a JS `Error` with `code`, `errno`, `syscall` and `path`.

use nix::errno::Errno;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SysError {
  pub errno: Errno,
  pub syscall: &'static str,
  pub path: Option<String>,
  /// The system's pty pool when the error may be its exhaustion (see [`SysError::exhaustion`]).
  pub pty_pool: Option<PtyPool>,
  /// The process's descriptor limit, when the error is running out of descriptors.
  pub fd_limit: Option<u64>,
}

/// The system's pty pool: ptys in use and the most there can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PtyPool {
  pub in_use: u32,
  pub max: u32,
}

pub type Result<T> = std::result::Result<T, SysError>;

impl SysError {
  pub fn new(errno: Errno, syscall: &'static str) -> Self {
    SysError {
      errno,
      syscall,
      path: None,
      pty_pool: None,
      fd_limit: None,
    }
  }

  /// Adds what was exhausted, when the errno says something was: the pty pool (ENOSPC from
  /// Linux's devpts, ENXIO from macOS's ptmx, EAGAIN) or descriptors (EMFILE, ENFILE), so
  /// that the error says so rather than a bare "failed". The pool is read only now, when an
  /// error needs it; out of descriptors it could not be read, and is not what ran out.
  pub fn exhaustion(mut self) -> Self {
    if matches!(self.errno, Errno::EAGAIN | Errno::ENOSPC | Errno::ENXIO) {
      self.pty_pool = crate::pty::pool();
    }
    if matches!(self.errno, Errno::EMFILE | Errno::ENFILE) {
      use nix::sys::resource::{getrlimit, Resource};
      self.fd_limit = getrlimit(Resource::RLIMIT_NOFILE)
        .ok()
        .map(|(soft, _)| soft);
    }
    self
  }

  pub fn with_path(mut self, path: impl Into<String>) -> Self {
    self.path = Some(path.into());
    self
  }

  /// The errno's symbolic name, as Node spells `err.code` (`"ENOENT"`).
  pub fn code(&self) -> String {
    format!("{:?}", self.errno)
  }

  /// Whether this is the child's program or working directory failing (what node-pty reports
  /// as exit code 1), rather than the host running out of a resource (which it throws).
  pub fn is_exec_failure(&self) -> bool {
    matches!(
      self.syscall,
      "posix_spawn" | "chdir" | "execve" | "setuid" | "setgid"
    ) && !matches!(
      self.errno,
      Errno::EAGAIN | Errno::ENOMEM | Errno::EMFILE | Errno::ENFILE
    )
  }
}

impl fmt::Display for SysError {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(
      f,
      "{} failed: {} ({})",
      self.syscall,
      self.errno.desc(),
      self.code()
    )?;
    if let Some(path) = &self.path {
      write!(f, ", '{path}'")?;
    }
    if let Some(limit) = self.fd_limit {
      write!(f, "; the process's descriptor limit is {limit}")?;
    }
    if let Some(pool) = self.pty_pool {
      write!(f, "; pty pool: {} of {} in use", pool.in_use, pool.max)?;
    }
    Ok(())
  }
}

impl std::error::Error for SysError {}

/// Attaches the syscall's name to a `nix` result.
pub trait Syscall<T> {
  fn syscall(self, name: &'static str) -> Result<T>;
}

impl<T> Syscall<T> for nix::Result<T> {
  fn syscall(self, name: &'static str) -> Result<T> {
    self.map_err(|errno| SysError::new(errno, name))
  }
}

impl<T> Syscall<T> for std::io::Result<T> {
  fn syscall(self, name: &'static str) -> Result<T> {
    self.map_err(|e| SysError::new(Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)), name))
  }
}

//! The core's error: an errno, the call that produced it and the path it concerned.
//! The binding turns it into a JS `Error` with `code`, `errno`, `syscall` and `path`.

use nix::errno::Errno;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SysError {
  pub errno: Errno,
  pub syscall: &'static str,
  pub path: Option<String>,
}

pub type Result<T> = std::result::Result<T, SysError>;

impl SysError {
  pub fn new(errno: Errno, syscall: &'static str) -> Self {
    SysError {
      errno,
      syscall,
      path: None,
    }
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

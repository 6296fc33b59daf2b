//! Starting a program on a new pty with `posix_spawn`: everything the child needs (argv,
//! envp, the program's path, the cwd) is prepared and checked before the spawn, and the
//! parent's copy of the slave is closed at a defined moment.

use crate::error::{Result, SysError};
use crate::platform;
use crate::pty::{self, Size};
use crate::sys;
use nix::errno::Errno;
use nix::unistd::{access, AccessFlags, Pid};
use std::ffi::CString;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

/// What to run and how; strings as node-pty receives them (env as `KEY=value`).
#[derive(Debug, Clone)]
pub struct SpawnOptions {
  pub file: String,
  pub args: Vec<String>,
  pub env: Vec<String>,
  pub cwd: String,
  pub size: Size,
  /// The terminal's encoding is UTF-8: sets IUTF8.
  pub utf8: bool,
  /// Run the program as this user / group. Either one takes the fork path (see
  /// `sys::fork_on_tty`), whose cost grows with the host's memory, unlike posix_spawn's.
  pub uid: Option<u32>,
  pub gid: Option<u32>,
  /// Keep the parent's copy of the slave until the child is reaped and the master drained
  /// ([`KEEP_SLAVE`] by default). On macOS closing the last slave discards unread output, so
  /// it must be kept; on Linux it is closed at once (and this lets Linux test the macOS order).
  pub keep_slave: bool,
  /// Start the program through this `spawn-helper` executable, which makes the tty the
  /// controlling terminal itself (needed on macOS, where posix_spawn cannot).
  pub helper: Option<String>,
}

/// Whether the parent keeps its slave copy on this platform (see [`SpawnOptions::keep_slave`]).
pub const KEEP_SLAVE: bool = platform::KEEP_SLAVE;

impl SpawnOptions {
  /// `file` with `args` in `/`, an empty environment, 80x24, UTF-8, this platform's defaults.
  pub fn new(file: &str, args: &[&str]) -> SpawnOptions {
    SpawnOptions {
      file: file.into(),
      args: args.iter().map(|a| a.to_string()).collect(),
      env: Vec::new(),
      cwd: "/".into(),
      size: Size::new(80, 24),
      utf8: true,
      uid: None,
      gid: None,
      keep_slave: KEEP_SLAVE,
      helper: None,
    }
  }
}

/// The child process, with the descriptor that reports its exit (Linux: a pidfd).
#[derive(Debug)]
pub struct Child {
  pub pid: Pid,
  pub pidfd: Option<OwnedFd>,
}

/// A running terminal: the master end, the child, and, when kept, the parent's slave copy.
#[derive(Debug)]
pub struct Spawned {
  pub master: OwnedFd,
  pub pts_name: String,
  pub child: Child,
  /// Closed by the reactor once the child is reaped and the master drained.
  pub slave: Option<OwnedFd>,
}

/// Test-only: spawning behaves as on glibc < 2.34 with a kernel < 5.9 (RHEL 8, Debian
/// 10/11): posix_spawn is not used (as when addchdir_np/addclosefrom_np are missing), and the
/// fork path's child closes the host's descriptors one by one (as without close_range). The
/// binding exposes it under an internal name for the tests (this machine's glibc and kernel
/// are new): never from the environment, so that nothing in a user's environment changes how
/// children are started. For the whole process; a no-op on macOS.
#[doc(hidden)]
pub use crate::platform::emulate_old_system_for_tests;

/// Whether the spawn takes the fork path: for a different user or group, or where posix_spawn
/// could not honour the cwd or keep the host's descriptors from the child (an older libc);
/// never an ENOSYS reported as the program's failure.
fn needs_fork(cmd: &SpawnOptions) -> bool {
  platform::old_system_emulated()
    || cmd.uid.is_some()
    || cmd.gid.is_some()
    || !sys::posix_spawn_is_complete()
}

/// The default search path of glibc's execvp when PATH is unset.
const DEFAULT_PATH: &str = "/bin:/usr/bin";

fn c_string(s: &str, what: &str) -> Result<CString> {
  CString::new(s)
    .map_err(|_| SysError::new(Errno::EINVAL, "posix_spawn").with_path(what.to_string()))
}

/// Finds `file` the way execvp does, but in the PATH of the child's environment (node-pty
/// sets `environ` before execvp), relative entries resolved against the child's cwd.
pub fn resolve_program(file: &str, env: &[String], cwd: &Path) -> Result<PathBuf> {
  let not_found = |errno| SysError::new(errno, "execve").with_path(file);
  if file.is_empty() {
    return Err(not_found(Errno::ENOENT));
  }
  if file.contains('/') {
    // Checked here rather than left to the exec, so that the error is the same whether the
    // program is started directly or through spawn-helper (whose exec failure could only be
    // reported as text and exit code 1).
    let path = cwd.join(file);
    return match std::fs::metadata(&path) {
      Ok(meta) if meta.is_file() && access(&path, AccessFlags::X_OK).is_ok() => {
        Ok(PathBuf::from(file))
      }
      Ok(_) => Err(not_found(Errno::EACCES)),
      Err(e) => Err(not_found(Errno::from_raw(
        e.raw_os_error().unwrap_or(libc::ENOENT),
      ))),
    };
  }
  let path_var = env
    .iter()
    .find_map(|kv| kv.strip_prefix("PATH="))
    .unwrap_or(DEFAULT_PATH);
  let mut denied = false;
  for dir in path_var.split(':') {
    let dir = if dir.is_empty() { "." } else { dir };
    let candidate = cwd.join(dir).join(file);
    match std::fs::metadata(&candidate) {
      Ok(meta) if meta.is_file() => {
        if access(&candidate, AccessFlags::X_OK).is_ok() {
          return Ok(candidate);
        }
        denied = true;
      }
      _ => {}
    }
  }
  Err(not_found(if denied {
    Errno::EACCES
  } else {
    Errno::ENOENT
  }))
}

fn check_cwd(cwd: &str) -> Result<()> {
  let fail = |errno| SysError::new(errno, "chdir").with_path(cwd);
  match std::fs::metadata(cwd) {
    Ok(meta) if meta.is_dir() => Ok(()),
    Ok(_) => Err(fail(Errno::ENOTDIR)),
    Err(e) => Err(fail(Errno::from_raw(
      e.raw_os_error().unwrap_or(libc::ENOENT),
    ))),
  }
}

/// Opens a pty and starts `cmd` on it. On any error every descriptor opened so far is
/// closed (they are `OwnedFd`s dropped on the way out) and no child is left behind.
pub fn spawn(cmd: &SpawnOptions) -> Result<Spawned> {
  check_cwd(&cmd.cwd)?;
  let program = resolve_program(&cmd.file, &cmd.env, Path::new(&cmd.cwd))?;
  let program_c = c_string(&program.to_string_lossy(), "file")?;
  let mut argv = std::iter::once(cmd.file.as_str())
    .chain(cmd.args.iter().map(String::as_str))
    .map(|a| c_string(a, "args"))
    .collect::<Result<Vec<_>>>()?;
  let envp = cmd
    .env
    .iter()
    .map(|e| c_string(e, "env"))
    .collect::<Result<Vec<_>>>()?;
  let cwd = c_string(&cmd.cwd, "cwd")?;

  let pair = pty::open(cmd.size, cmd.utf8)?;
  let tty = c_string(&pair.pts_name, "tty")?;
  let program_c = match &cmd.helper {
    Some(helper) => {
      // spawn-helper TTY PROGRAM ARGV0 [ARGS...]
      access(helper.as_str(), AccessFlags::X_OK)
        .map_err(|e| SysError::new(e, "access").with_path(helper))?;
      argv.splice(0..0, [c_string(helper, "helper")?, tty.clone(), program_c]);
      c_string(helper, "helper")?
    }
    None => program_c,
  };
  let req = sys::SpawnRequest {
    program: &program_c,
    argv: &argv,
    envp: &envp,
    tty: &tty,
    cwd: &cwd,
  };
  let pid = match start(&req, cmd, &program) {
    // execvp's fallback, which node-pty gets for free: a file the kernel will not run (a
    // script without a #! line) is run as `/bin/sh FILE ARGS...`. spawn-helper execs with
    // execvp itself, so only the direct path needs it.
    Err(e) if e.errno == Errno::ENOEXEC && cmd.helper.is_none() => {
      let shell = c_string(BOURNE_SHELL, "file")?;
      let argv: Vec<CString> = [shell.clone(), req.program.to_owned()]
        .into_iter()
        .chain(argv.iter().skip(1).cloned())
        .collect();
      let req = sys::SpawnRequest {
        program: &shell,
        argv: &argv,
        ..req
      };
      start(&req, cmd, Path::new(BOURNE_SHELL))?
    }
    started => started?,
  };

  // Linux keeps buffered output readable on the master after the last slave closes and then
  // reports EIO, so unless asked otherwise the parent's copy goes now: the master's EIO then
  // means "child side gone".
  let slave = cmd.keep_slave.then_some(pair.slave);

  // A pid that has not been reaped cannot be recycled, so this names our child. Without a
  // pidfd (kernels before 5.3, no descriptor left, macOS) the child exists all the same and
  // must still be reaped: the reactor then watches it another way.
  let pidfd = platform::pidfd(pid);
  Ok(Spawned {
    master: pair.master,
    pts_name: pair.pts_name,
    child: Child { pid, pidfd },
    slave,
  })
}

/// What execvp runs a file with when the kernel returns ENOEXEC (glibc's `_PATH_BSHELL`).
const BOURNE_SHELL: &str = "/bin/sh";

/// Starts the child: posix_spawn, or the fork path (see `needs_fork`).
fn start(req: &sys::SpawnRequest<'_>, cmd: &SpawnOptions, program: &Path) -> Result<Pid> {
  if needs_fork(cmd) {
    platform::fork_on_tty(req, cmd.uid, cmd.gid, &cmd.cwd)
  } else {
    sys::spawn_on_tty(req)
      .map_err(|errno| SysError::new(errno, "posix_spawn").with_path(program.to_string_lossy()))
  }
}

#[cfg(test)]
mod tests;

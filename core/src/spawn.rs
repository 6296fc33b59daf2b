//! Starting a program on a new pty with `posix_spawn`: everything the child needs (argv,
//! envp, the program's path, the cwd) is prepared and checked before the spawn, and the
//! parent's copy of the slave is closed at a defined moment.

use crate::error::{Result, SysError};
use crate::pty::{self, Size};
use crate::sys;
use nix::errno::Errno;
use nix::unistd::{access, AccessFlags, Pid};
use std::ffi::CString;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

/// What to run and how; strings as node-pty receives them (env as `KEY=value`).
#[derive(Debug, Clone)]
pub struct Command {
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

/// Whether the parent keeps its slave copy on this platform (see [`Command::keep_slave`]).
pub const KEEP_SLAVE: bool = cfg!(target_os = "macos");

impl Command {
  /// `file` with `args` in `/`, an empty environment, 80x24, UTF-8, this platform's defaults.
  pub fn new(file: &str, args: &[&str]) -> Command {
    Command {
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

/// TEST-ONLY switch, read at each spawn: `NODE_PTY_RS_TEST_OLD_SYSTEM=1` makes spawning behave
/// as on glibc < 2.34 with a kernel < 5.9 (RHEL 8, Debian 10/11): posix_spawn is not used (as
/// when addchdir_np/addclosefrom_np are missing), and the fork path's child closes the host's
/// descriptors one by one (as without close_range). The tests set it because this machine's
/// glibc and kernel are new; nothing else should.
pub const TEST_OLD_SYSTEM_ENV: &str = "NODE_PTY_RS_TEST_OLD_SYSTEM";

/// Whether the spawn takes the fork path: for a different user or group, or where posix_spawn
/// could not honour the cwd or keep the host's descriptors from the child (an older libc);
/// never an ENOSYS reported as the program's failure.
fn needs_fork(cmd: &Command) -> bool {
  #[cfg(target_os = "linux")]
  {
    let old = std::env::var_os(TEST_OLD_SYSTEM_ENV).is_some_and(|v| v == "1");
    sys::emulate_missing_close_range(old);
    if old {
      return true;
    }
  }
  cmd.uid.is_some() || cmd.gid.is_some() || !sys::posix_spawn_is_complete()
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
pub fn spawn(cmd: &Command) -> Result<Spawned> {
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
  let pid = if needs_fork(cmd) {
    fork_on_tty(&req, cmd)?
  } else {
    sys::spawn_on_tty(&req)
      .map_err(|errno| SysError::new(errno, "posix_spawn").with_path(program.to_string_lossy()))?
  };

  // Linux keeps buffered output readable on the master after the last slave closes and then
  // reports EIO, so unless asked otherwise the parent's copy goes now: the master's EIO then
  // means "child side gone".
  let slave = cmd.keep_slave.then_some(pair.slave);

  // A pid that has not been reaped cannot be recycled, so this names our child. Without a
  // pidfd (kernels before 5.3, no descriptor left, macOS) the child exists all the same and
  // must still be reaped: the reactor then watches it another way.
  #[cfg(target_os = "linux")]
  let pidfd = sys::pidfd_open(pid).ok();
  #[cfg(not(target_os = "linux"))]
  let pidfd = None;
  Ok(Spawned {
    master: pair.master,
    pts_name: pair.pts_name,
    child: Child { pid, pidfd },
    slave,
  })
}

/// The fork path: for a different user or group, or a libc without addchdir_np/addclosefrom_np.
#[cfg(target_os = "linux")]
fn fork_on_tty(req: &sys::SpawnRequest<'_>, cmd: &Command) -> Result<Pid> {
  sys::fork_on_tty(req, cmd.uid, cmd.gid).map_err(|e| {
    let err = SysError::new(e.errno, e.syscall);
    match e.syscall {
      "chdir" => err.with_path(&cmd.cwd),
      "execve" => err.with_path(req.program.to_string_lossy()),
      _ => err,
    }
  })
}

/// Changing user needs a fork path; it is written for Linux only. (node-pty ignores uid/gid
/// on macOS; here the caller learns it instead.)
#[cfg(not(target_os = "linux"))]
fn fork_on_tty(_req: &sys::SpawnRequest<'_>, _cmd: &Command) -> Result<Pid> {
  Err(SysError::new(Errno::ENOTSUP, "fork"))
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::test_support::serial;

  #[test]
  fn resolves_in_the_child_path_not_the_hosts() {
    let _g = serial();
    let env = vec!["PATH=/nonexistent:/usr/bin:/bin".to_string()];
    let sh = resolve_program("sh", &env, Path::new("/")).unwrap();
    assert!(sh.ends_with("sh"));
    let err =
      resolve_program("sh", &["PATH=/nonexistent".to_string()], Path::new("/")).unwrap_err();
    assert_eq!(err.errno, Errno::ENOENT);
    assert_eq!(err.path.as_deref(), Some("sh"));
  }

  #[test]
  fn paths_with_a_slash_are_not_searched_but_checked() {
    let _g = serial();
    let p = resolve_program("./true", &[], Path::new("/bin")).unwrap();
    assert_eq!(p, PathBuf::from("./true"));
    let missing = resolve_program("./nope", &[], Path::new("/")).unwrap_err();
    assert_eq!((missing.errno, missing.syscall), (Errno::ENOENT, "execve"));
    let dir = resolve_program("/tmp", &[], Path::new("/")).unwrap_err();
    assert_eq!(dir.errno, Errno::EACCES);
  }

  #[test]
  fn non_executable_match_is_eacces() {
    let _g = serial();
    let dir = std::env::temp_dir().join(format!("npr-eacces-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("prog"), "#!/bin/sh\n").unwrap();
    let env = vec![format!("PATH={}", dir.display())];
    let err = resolve_program("prog", &env, Path::new("/")).unwrap_err();
    assert_eq!(err.errno, Errno::EACCES);
    std::fs::remove_dir_all(dir).unwrap();
  }

  #[test]
  fn bad_cwd_is_reported_as_chdir_with_its_path() {
    let _g = serial();
    let cmd = Command {
      cwd: "/nonexistent/dir".into(),
      ..Command::new("/bin/true", &[])
    };
    let err = spawn(&cmd).unwrap_err();
    assert_eq!((err.errno, err.syscall), (Errno::ENOENT, "chdir"));
    assert_eq!(err.path.as_deref(), Some("/nonexistent/dir"));
    assert!(err.is_exec_failure());
  }

  /// Reads the master until the child side is gone (EIO) and reaps the child.
  #[cfg(target_os = "linux")]
  fn run_to_end(s: Spawned) -> (String, i32) {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    use nix::sys::wait::{waitpid, WaitStatus};
    use std::os::fd::AsFd;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
      assert!(std::time::Instant::now() < deadline, "no EIO within 20 s");
      let mut fds = [PollFd::new(s.master.as_fd(), PollFlags::POLLIN)];
      poll(&mut fds, PollTimeout::from(1000u16)).unwrap();
      match nix::unistd::read(&s.master, &mut buf) {
        Ok(0) | Err(Errno::EIO) => break,
        Ok(n) => out.extend_from_slice(&buf[..n]),
        Err(Errno::EAGAIN) | Err(Errno::EINTR) => {}
        Err(e) => panic!("read: {e}"),
      }
    }
    let code = match waitpid(s.child.pid, None).unwrap() {
      WaitStatus::Exited(_, code) => code,
      other => panic!("{other:?}"),
    };
    (String::from_utf8_lossy(&out).into_owned(), code)
  }

  /// The fallback for an old libc and kernel, forced with the test-only switch: it is read
  /// from the environment at each spawn, so it is set for a run of this test binary of its
  /// own rather than in this multi-threaded process.
  #[test]
  #[cfg(target_os = "linux")]
  fn old_system_fallback_in_a_process_of_its_own() {
    let _g = serial();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
      .args(["--exact", "spawn::tests::old_system_fallback", "--ignored"])
      .args(["--test-threads=1", "--nocapture"])
      .env(TEST_OLD_SYSTEM_ENV, "1")
      .output()
      .unwrap();
    let text =
      String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 passed"), "{text}");
  }

  #[test]
  #[cfg(target_os = "linux")]
  #[ignore = "run by old_system_fallback_in_a_process_of_its_own, with the switch set"]
  fn old_system_fallback() {
    use std::os::fd::AsRawFd;
    assert_eq!(std::env::var(TEST_OLD_SYSTEM_ENV).as_deref(), Ok("1"));
    let path = vec!["PATH=/usr/bin:/bin".to_string()];

    // The cwd is honoured without addchdir_np.
    let dir = std::env::temp_dir().join(format!("npr-old-cwd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dir = dir.canonicalize().unwrap();
    let cmd = Command {
      env: path.clone(),
      cwd: dir.to_string_lossy().into_owned(),
      ..Command::new("pwd", &[])
    };
    let (out, code) = run_to_end(spawn(&cmd).unwrap());
    assert_eq!((out.trim_end(), code), (dir.to_str().unwrap(), 0));

    // A host descriptor that is not close-on-exec does not reach the child.
    let (rd, _wr) = nix::unistd::pipe().unwrap();
    let flags = nix::fcntl::fcntl(&rd, nix::fcntl::FcntlArg::F_GETFD).unwrap();
    assert_eq!(
      flags & libc::FD_CLOEXEC,
      0,
      "the test needs an inheritable descriptor"
    );
    let inode = nix::sys::stat::fstat(&rd).unwrap().st_ino;
    let cmd = Command {
      env: path.clone(),
      ..Command::new("ls", &["-l", "/proc/self/fd/"])
    };
    let (out, code) = run_to_end(spawn(&cmd).unwrap());
    assert_eq!(code, 0, "{out}");
    assert!(
      out.contains("/dev/pts/"),
      "the listing shows the tty: {out}"
    );
    assert!(
      !out.contains(&format!("pipe:[{inode}]")),
      "fd {} inherited: {out}",
      rd.as_raw_fd()
    );

    // An exec failure is the program's failure (exit code 1 in JS), with its real errno.
    let junk = dir.join("not-a-program");
    std::fs::write(&junk, [0u8, 1, 2, 3]).unwrap();
    std::fs::set_permissions(&junk, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let err = spawn(&Command::new(junk.to_str().unwrap(), &[])).unwrap_err();
    assert_eq!((err.errno, err.syscall), (Errno::ENOEXEC, "execve"));
    assert!(err.is_exec_failure());
    std::fs::remove_dir_all(&dir).unwrap();
  }

  #[test]
  fn nul_in_an_argument_is_einval() {
    let _g = serial();
    let cmd = Command::new("/bin/true", &["a\0b"]);
    assert_eq!(spawn(&cmd).unwrap_err().errno, Errno::EINVAL);
  }
}

//! What runs on a terminal, as seen from outside: the foreground process (what a terminal
//! host titles its tab with, and the directory a new tab should open in). The processes of
//! the terminal's session (what `killSession` signals) are [`crate::session`]'s.

use crate::platform::process_cwd as cwd;
/// The name `process` reports for a pid: argv[0] on Linux, the process name on macOS.
pub use crate::platform::process_name as name;
use nix::unistd::Pid;
use std::os::fd::BorrowedFd;

/// The leader of a terminal's foreground process group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Foreground {
  pub pid: i32,
  /// The program's name as `process` reports it (argv[0] on Linux, the process name on macOS),
  /// or the kernel's name for it (comm) when argv[0] is empty or cannot be read.
  pub name: String,
  /// Its working directory, when the system tells (a process of another user may not); never
  /// the path of a deleted directory.
  pub cwd: Option<String>,
  /// Its working directory has been deleted (then `cwd` is `None`).
  pub cwd_deleted: bool,
}

/// Names that are never a terminal's program: macOS reports `kernel_task` for pid 0 (what
/// `tcgetpgrp` returns there when the tty has no foreground group), and `spawn-helper` is this
/// library's own helper before it execs the program. node-pty filters the same names.
const NOT_A_PROGRAM: [&str; 2] = ["kernel_task", "spawn-helper"];

/// Whether `pid` named `name` may be reported as a terminal's foreground process: never pid 0
/// or below (a `kill` of it would signal the host's own process group), nor a name of
/// [`NOT_A_PROGRAM`] (by its last path component, as argv[0] may be a path).
pub fn reportable(pid: i32, name: &str) -> bool {
  let base = name.rsplit('/').next().unwrap_or(name);
  pid > 0 && !name.is_empty() && !NOT_A_PROGRAM.contains(&base)
}

/// The foreground process group's leader of the terminal behind `master`; `None` once nobody
/// holds the terminal, or when it is not (or not yet) a program (see [`reportable`]).
///
/// `leader` is the terminal's program (its session leader) while it has not been reaped: it
/// stands in when the foreground group is left without its leader, as for the moment between
/// a shell's foreground job exiting and the shell taking the terminal back (macOS: no
/// foreground group at all, `tcgetpgrp` 0), so that a live program's terminal does not report
/// `None`.
pub fn foreground(master: BorrowedFd<'_>, leader: Option<Pid>) -> Option<Foreground> {
  let group = nix::unistd::tcgetpgrp(master)
    .ok()
    .filter(|p| p.as_raw() > 0);
  // The group's leader may also vanish between the two reads: then it is the program's turn.
  let (pid, name) = [group, leader]
    .into_iter()
    .flatten()
    .find_map(|pid| Some((pid, name(pid)?)))?;
  if !reportable(pid.as_raw(), &name) {
    return None;
  }
  let (cwd, cwd_deleted) = match cwd(pid) {
    Some(Cwd::Path(path)) => (Some(path), false),
    Some(Cwd::Deleted) => (None, true),
    None => (None, false),
  };
  Some(Foreground {
    pid: pid.as_raw(),
    name,
    cwd,
    cwd_deleted,
  })
}

/// A process's working directory as the system tells it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Cwd {
  Path(String),
  /// Removed while the process was in it: its old path names nothing (or something else).
  Deleted,
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
  use super::*;

  #[test]
  fn pid_zero_kernel_task_and_the_spawn_helper_are_never_reported() {
    assert!(reportable(1234, "/bin/bash"));
    assert!(reportable(1234, "bash"));
    assert!(!reportable(0, "bash"));
    assert!(!reportable(-1, "bash"));
    assert!(!reportable(0, "kernel_task"));
    assert!(!reportable(1234, "kernel_task"));
    assert!(!reportable(1234, "spawn-helper"));
    assert!(!reportable(
      1234,
      "/opt/app/node_modules/node-pty-rs/spawn-helper"
    ));
    assert!(!reportable(1234, ""));
    assert!(reportable(1234, "spawn-helper-not"));
  }

  /// A zombie's cmdline reads as empty: its name comes from comm, not `None`.
  #[test]
  // The child is reaped with waitpid below, which clippy cannot see.
  #[allow(clippy::zombie_processes)]
  fn a_zombie_is_named_by_its_comm() {
    let _g = crate::test_support::serial();
    let child = std::process::Command::new("/bin/true").spawn().unwrap();
    let pid = Pid::from_raw(child.id() as i32);
    // Wait (without reaping) until it has exited: waitid with WNOWAIT leaves the zombie.
    nix::sys::wait::waitid(
      nix::sys::wait::Id::Pid(pid),
      nix::sys::wait::WaitPidFlag::WEXITED | nix::sys::wait::WaitPidFlag::WNOWAIT,
    )
    .unwrap();
    assert_eq!(std::fs::read(format!("/proc/{pid}/cmdline")).unwrap(), b"");
    assert_eq!(name(pid).as_deref(), Some("true"));
    nix::sys::wait::waitpid(pid, None).unwrap();
    assert_eq!(name(pid), None);
  }

  #[test]
  fn a_deleted_working_directory_is_marked_and_not_given_as_a_path() {
    let _g = crate::test_support::serial();
    let dir = std::env::temp_dir().join(format!("npr-cwd-{}", std::process::id()));
    std::fs::create_dir(&dir).unwrap();
    let mut child = std::process::Command::new("/bin/sleep")
      .arg("30")
      .current_dir(&dir)
      .spawn()
      .unwrap();
    let pid = Pid::from_raw(child.id() as i32);
    let got = cwd(pid);
    std::fs::remove_dir(&dir).unwrap();
    let after = cwd(pid);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(got, Some(Cwd::Path(dir.to_string_lossy().into_owned())));
    assert_eq!(after, Some(Cwd::Deleted));
  }
}

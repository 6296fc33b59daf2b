//! What runs on a terminal, as seen from outside: the foreground process (what a terminal
//! host titles its tab with, and the directory a new tab should open in). The processes of
//! the terminal's session (what `killSession` signals) are [`crate::session`]'s.

use nix::unistd::Pid;
use std::os::fd::BorrowedFd;

/// The leader of a terminal's foreground process group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Foreground {
  pub pid: i32,
  /// The program's name as `process` reports it (argv[0] on Linux, the process name on macOS).
  pub name: String,
  /// Its working directory, when the system tells (a process of another user may not).
  pub cwd: Option<String>,
}

/// The foreground process group's leader of the terminal behind `master`; `None` once nobody
/// holds the terminal, or when the leader has already exited.
pub fn foreground(master: BorrowedFd<'_>) -> Option<Foreground> {
  let pid = nix::unistd::tcgetpgrp(master).ok()?;
  Some(Foreground {
    pid: pid.as_raw(),
    name: name(pid)?,
    cwd: cwd(pid),
  })
}

/// argv[0], as node-pty reports `process`.
#[cfg(target_os = "linux")]
pub fn name(pid: Pid) -> Option<String> {
  let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
  let argv0 = cmdline.split(|&b| b == 0).next()?;
  (!argv0.is_empty()).then(|| String::from_utf8_lossy(argv0).into_owned())
}

#[cfg(target_os = "macos")]
pub fn name(pid: Pid) -> Option<String> {
  crate::sys::process_name(pid)
}

#[cfg(target_os = "linux")]
fn cwd(pid: Pid) -> Option<String> {
  let link = std::fs::read_link(format!("/proc/{pid}/cwd")).ok()?;
  Some(link.to_string_lossy().into_owned())
}

#[cfg(target_os = "macos")]
fn cwd(pid: Pid) -> Option<String> {
  crate::sys::process_cwd(pid)
}

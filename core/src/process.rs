//! What runs on a terminal, as seen from outside: the foreground process (what a terminal
//! host titles its tab with, and the directory a new tab should open in) and the processes of
//! the terminal's session (what `killSession` signals).

use crate::error::{Result, Syscall};
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

/// The session a process belongs to; `None` when it is gone.
#[cfg(target_os = "linux")]
fn session_of(pid: i32) -> Option<i32> {
  let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
  // PID (COMM) STATE PPID PGRP SESSION ...; COMM may hold spaces and parentheses.
  let after_comm = &stat[stat.rfind(')')? + 1..];
  after_comm.split_whitespace().nth(3)?.parse().ok()
}

/// Sends `signal` to every process in session `sid`; returns how many were signalled. Each
/// one is pinned by a pidfd and its session checked again through it, so a process that
/// exits meanwhile cannot pass its pid on to a stranger who then gets the signal.
#[cfg(target_os = "linux")]
pub fn signal_session(sid: Pid, signal: i32) -> Result<usize> {
  let mut signalled = 0;
  for entry in std::fs::read_dir("/proc").syscall("opendir")?.flatten() {
    let Some(pid) = entry
      .file_name()
      .to_str()
      .and_then(|n| n.parse::<i32>().ok())
    else {
      continue;
    };
    if session_of(pid) != Some(sid.as_raw()) {
      continue;
    }
    let Ok(pidfd) = crate::sys::pidfd_open(Pid::from_raw(pid)) else {
      continue; // gone
    };
    if session_of(pid) != Some(sid.as_raw()) {
      continue;
    }
    match crate::sys::pidfd_send_signal(std::os::fd::AsFd::as_fd(&pidfd), signal) {
      Ok(()) => signalled += 1,
      Err(nix::errno::Errno::ESRCH) => {}
      Err(e) => return Err(e).syscall("pidfd_send_signal"),
    }
  }
  Ok(signalled)
}

/// macOS: the pids from `proc_listallpids`, each checked with getsid(2) and signalled with
/// kill(2). (No pidfd there: a pid that exits between the check and the kill could be reused,
/// which the pid space's size makes unlikely.)
#[cfg(target_os = "macos")]
pub fn signal_session(sid: Pid, signal: i32) -> Result<usize> {
  let signal = nix::sys::signal::Signal::try_from(signal).syscall("kill")?;
  let mut signalled = 0;
  for pid in crate::sys::all_pids().syscall("proc_listallpids")? {
    if nix::unistd::getsid(Some(pid)) == Ok(sid) {
      match nix::sys::signal::kill(pid, signal) {
        Ok(()) => signalled += 1,
        Err(nix::errno::Errno::ESRCH) => {}
        Err(e) => return Err(e).syscall("kill"),
      }
    }
  }
  Ok(signalled)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
  use super::*;

  #[test]
  fn a_process_session_is_read_past_a_name_with_spaces_and_parentheses() {
    // This test process's own session, as getsid(2) reports it.
    let sid = nix::unistd::getsid(None).unwrap().as_raw();
    assert_eq!(session_of(std::process::id() as i32), Some(sid));
    assert_eq!(session_of(i32::MAX), None);
  }
}

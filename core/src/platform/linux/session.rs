//! Linux's `killSession`: the session's members found from the leader's descendants (and
//! orphans adopted by a reaper) through procfs, pinned by pidfd at the leader's exit, signalled
//! through their pidfds (see [`crate::session`]).

use crate::error::Result;
use crate::error::Syscall;
use crate::session::{Leader, Member};
use crate::sys;
use nix::errno::Errno;
use nix::unistd::Pid;
use std::collections::HashSet;
use std::os::fd::{AsFd, OwnedFd};

/// Fields of /proc/PID/stat after the name: (ppid, session); `None` when the process is gone.
fn stat(pid: i32) -> Option<(i32, i32)> {
  let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
  // PID (COMM) STATE PPID PGRP SESSION ...; COMM may hold spaces and parentheses.
  let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
  let ppid = fields.nth(1)?.parse().ok()?;
  let session = fields.nth(1)?.parse().ok()?;
  Some((ppid, session))
}

fn session_of(pid: i32) -> Option<i32> {
  stat(pid).map(|(_, session)| session)
}

/// The children of every thread of `pid`; `None` when they cannot be read (the process is
/// gone, hidden by hidepid, or the kernel has no CONFIG_PROC_CHILDREN).
fn children(pid: i32) -> Option<Vec<i32>> {
  let mut out = Vec::new();
  for task in std::fs::read_dir(format!("/proc/{pid}/task"))
    .ok()?
    .flatten()
  {
    let mut path = task.path();
    path.push("children");
    let list = std::fs::read_to_string(path).ok()?;
    out.extend(
      list
        .split_whitespace()
        .filter_map(|p| p.parse::<i32>().ok()),
    );
  }
  Some(out)
}

/// The children of `reaper` that can be orphans it adopted: the kernel hands an orphan to
/// the reaper's first live thread (find_alive_thread), its main one unless that has exited;
/// the other threads' lists, which hold only children they started, are not read.
fn adopted_by(reaper: i32) -> Option<Vec<i32>> {
  match std::fs::read_to_string(format!("/proc/{reaper}/task/{reaper}/children")) {
    Ok(list) => Some(
      list
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect(),
    ),
    Err(_) => children(reaper),
  }
}

/// Every pid in /proc: where children lists cannot be read.
fn all_pids() -> Vec<i32> {
  let Ok(dir) = std::fs::read_dir("/proc") else {
    return Vec::new();
  };
  dir
    .flatten()
    .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
    .collect()
}

/// Where an orphan of the session can have gone: the nearest subreaper among its ancestors
/// (members, then the host and the host's ancestors: any of them may be one, which only the
/// process itself can ask), else the namespace's init. Their children are the candidates;
/// every pid in /proc when those lists cannot be read.
fn adopted() -> Vec<i32> {
  let mut reapers = vec![1];
  if nix::sys::prctl::get_child_subreaper().unwrap_or(false) {
    reapers.push(std::process::id() as i32);
  }
  let mut pid = std::process::id() as i32;
  while let Some((ppid, _)) = stat(pid).filter(|&(ppid, _)| ppid > 1) {
    reapers.push(ppid);
    pid = ppid;
  }
  let mut out = Vec::new();
  for reaper in reapers {
    match adopted_by(reaper) {
      Some(list) => out.extend(list),
      None if reaper == 1 => return all_pids(),
      None => {} // gone meanwhile
    }
  }
  out
}

/// Whether the kernel lists children (CONFIG_PROC_CHILDREN); without, every pid is read.
fn lists_children() -> bool {
  static LISTS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
  *LISTS.get_or_init(|| {
    let tid = nix::unistd::gettid();
    std::path::Path::new(&format!("/proc/self/task/{tid}/children")).exists()
  })
}

/// The pids now in session `sid` that are reachable from `roots` or adopted by a reaper,
/// other than those in `seen`.
fn discover(sid: i32, roots: Vec<i32>, mut seen: HashSet<i32>) -> Vec<i32> {
  let mut found = Vec::new();
  let mut queue = roots;
  let mut visit = |pid: i32, queue: &mut Vec<i32>| {
    if seen.insert(pid) && session_of(pid) == Some(sid) {
      found.push(pid);
      queue.push(pid);
    }
  };
  if !lists_children() {
    all_pids()
      .into_iter()
      .for_each(|pid| visit(pid, &mut queue));
    return found;
  }
  // A child outside the session cannot have members below it: setsid made it a new one.
  let walk = |queue: &mut Vec<i32>, visit: &mut dyn FnMut(i32, &mut Vec<i32>)| {
    while let Some(parent) = queue.pop() {
      for pid in children(parent).unwrap_or_default() {
        visit(pid, queue);
      }
    }
  };
  // The tree first, the reapers' lists after: a dying member's children move from its list to
  // a reaper's while this runs (SIGKILL to the program, then killSession() at once), and read
  // in this order each is in one list or the other when it is read. Read the other way round,
  // one that moved between the two reads was in neither.
  walk(&mut queue, &mut visit);
  adopted().into_iter().for_each(|pid| visit(pid, &mut queue));
  walk(&mut queue, &mut visit);
  found
}

/// Whether the process behind `pidfd` has not been reaped (a zombie still holds its pid).
fn unreaped(pidfd: &OwnedFd) -> bool {
  matches!(
    sys::pidfd_send_signal(pidfd.as_fd(), 0),
    Ok(()) | Err(Errno::EPERM)
  )
}

/// Brings `members` up to date: pinned ones that left the session or were reaped are
/// dropped, and the members found now are returned, pinned, each checked in the session
/// through its pidfd. `None` when nothing proves the session's id is still ours: then none
/// of them may be signalled, and nothing stays pinned.
fn refresh(leader: &impl Leader, members: &mut Vec<Member>) -> Option<Vec<Member>> {
  let sid = leader.sid().as_raw();
  let mut roots: Vec<i32> = members.iter().map(|m| m.pid).collect();
  let mut seen: HashSet<i32> = roots.iter().copied().collect();
  // The leader itself is the caller's to signal, through its own pidfd.
  seen.insert(sid);
  if leader.holds() {
    roots.push(sid);
  }
  let mut fresh = Vec::new();
  for pid in discover(sid, roots, seen) {
    let Ok(pidfd) = sys::pidfd_open(Pid::from_raw(pid)) else {
      continue; // gone, or no descriptor left
    };
    // Read after the pin: a pid reused meanwhile fails here or is a process that the pidfd
    // does not name (then the signal finds the pinned one reaped: ESRCH).
    if session_of(pid) == Some(sid) {
      fresh.push(Member { pid, pidfd });
    }
  }
  // The anchor, checked after every read above: a pinned member read in the session and
  // then found unreaped was in it throughout (nothing joins a session again once it left),
  // and so was the id. The leader, unreaped now, held it throughout.
  members.retain(|m| session_of(m.pid) == Some(sid) && unreaped(&m.pidfd));
  if members.is_empty() && !leader.holds() {
    return None;
  }
  Some(fresh)
}

/// Sends `signal` to the leader and every member of its session; returns how many were
/// signalled. After the leader's reap only what [`refresh`] anchors is signalled, and the
/// members found are pinned, so that members forked by a pinned one that then exits stay
/// reachable; before, they need no pin (the leader holds the id, and the reactor pins the
/// members there are at its exit).
pub fn signal(leader: &impl Leader, signal: i32) -> Result<usize> {
  let mut members = leader.pinned().lock();
  let Some(fresh) = refresh(leader, &mut members) else {
    return Ok(0);
  };
  let mut signalled = usize::from(leader.send(signal)?);
  for member in members.iter().chain(&fresh) {
    match sys::pidfd_send_signal(member.pidfd.as_fd(), signal) {
      Ok(()) => signalled += 1,
      // Gone, or not ours to signal (a setuid program in the session): the others still are.
      Err(Errno::ESRCH | Errno::EPERM) => {}
      Err(e) => return Err(e).syscall("pidfd_send_signal"),
    }
  }
  if !leader.holds() {
    members.extend(fresh);
  }
  Ok(signalled)
}

/// Pins the members of the session while its leader has exited but is not yet reaped: the
/// last moment its id is known to be the session's.
pub fn pin(leader: &impl Leader) {
  let mut members = leader.pinned().lock();
  if let Some(fresh) = refresh(leader, &mut members) {
    members.extend(fresh);
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::session::Pinned;
  use crate::spawn::{spawn, SpawnOptions};
  use nix::sys::wait::{waitid, waitpid, Id, WaitPidFlag};
  use std::os::fd::{AsFd, OwnedFd};
  use std::sync::atomic::{AtomicBool, Ordering::SeqCst};

  #[test]
  fn a_process_session_is_read_past_a_name_with_spaces_and_parentheses() {
    // It opens /proc files: not while another test counts descriptors.
    let _g = crate::test_support::serial();
    // This test process's own session, as getsid(2) reports it.
    let sid = nix::unistd::getsid(None).unwrap().as_raw();
    assert_eq!(session_of(std::process::id() as i32), Some(sid));
    assert_eq!(session_of(i32::MAX), None);
  }

  /// A leader reaped by the test itself, as the reactor's `Child` is by the reactor.
  struct TestLeader {
    pid: Pid,
    pidfd: OwnedFd,
    reaped: AtomicBool,
    pinned: Pinned,
  }

  impl Leader for TestLeader {
    fn sid(&self) -> Pid {
      self.pid
    }
    fn pinned(&self) -> &Pinned {
      &self.pinned
    }
    fn holds(&self) -> bool {
      !self.reaped.load(SeqCst) && crate::sys::pidfd_send_signal(self.pidfd.as_fd(), 0).is_ok()
    }
    fn send(&self, signal: i32) -> Result<bool> {
      Ok(self.holds() && crate::sys::pidfd_send_signal(self.pidfd.as_fd(), signal).is_ok())
    }
  }

  /// The pinned members' pids.
  fn pinned_pids(leader: &TestLeader) -> Vec<i32> {
    leader.pinned.lock().iter().map(|m| m.pid).collect()
  }

  #[test]
  fn a_job_pinned_at_the_exit_is_signalled_after_the_reap_and_only_while_anchored() {
    let _g = crate::test_support::serial();
    let cmd = SpawnOptions::new("/bin/sh", &["-c", "trap '' HUP; sleep 30 & exit 0"]);
    let spawned = spawn(&cmd).unwrap();
    let leader = TestLeader {
      pid: spawned.child.pid,
      pidfd: spawned.child.pidfd.unwrap(),
      reaped: AtomicBool::new(false),
      pinned: Pinned::default(),
    };
    // The exit, leaving the leader a zombie: the moment the reactor pins.
    waitid(
      Id::Pid(leader.pid),
      WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT,
    )
    .unwrap();
    pin(&leader);
    let jobs = pinned_pids(&leader);
    assert_eq!(jobs.len(), 1, "the job, pinned");
    let job = crate::sys::pidfd_open(Pid::from_raw(jobs[0])).unwrap();
    waitpid(leader.pid, None).unwrap();
    leader.reaped.store(true, SeqCst);

    // Reaped: the job, still in the session, is the anchor; the leader is not signalled.
    assert_eq!(signal(&leader, 0).unwrap(), 1);
    assert_eq!(signal(&leader, libc::SIGKILL).unwrap(), 1);
    let mut fds = [nix::poll::PollFd::new(
      job.as_fd(),
      nix::poll::PollFlags::POLLIN,
    )];
    assert_eq!(
      nix::poll::poll(&mut fds, 10_000u16).unwrap(),
      1,
      "the job ended"
    );
    // Reaped by whoever adopted it (until then its zombie still holds the id, and counts).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while crate::sys::pidfd_send_signal(job.as_fd(), 0).is_ok() {
      assert!(
        std::time::Instant::now() < deadline,
        "the job was never reaped"
      );
      std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // Nothing anchors the id any more: nothing is found by it, and nothing stays pinned.
    assert_eq!(signal(&leader, 0).unwrap(), 0);
    assert!(leader.pinned.is_empty());
    drop(spawned.master);
  }
}

//! The processes of a terminal's session, as `killSession` finds and signals them.
//!
//! A session's id is its leader's pid: the terminal's program. The kernel does not give a pid
//! number out again while any process still has it as its pid, process group or session id,
//! so while some member is left (the leader included, until it is reaped) every process that
//! reports the id is a member. Once all are gone the number is free, and a stranger that gets
//! it and calls setsid leads a new session with the same id: from then on nothing may be
//! found by the id alone.
//!
//! So the id is trusted only while something proves it is still ours (an anchor): the leader
//! not yet reaped, or a member pinned (pidfd) earlier that is still in the session and not yet
//! reaped. The reactor pins the members at the leader's exit, before it reaps it, while the
//! zombie still holds the id ([`pin`]); a reaped leader's pid is never used again.
//!
//! Members are found without a scan of /proc: a member is a descendant of the leader or of a
//! pinned member, or an orphan adopted by a reaper (a subreaper among the host's ancestors, or
//! the namespace's init) and then a descendant of that orphan. Only those processes are read.

use crate::error::Result;
use nix::unistd::Pid;
use std::sync::{Mutex, MutexGuard};

/// The leader of a session (the terminal's program), as the reactor holds it.
pub trait Leader {
  /// The leader's pid: the session's id.
  fn sid(&self) -> Pid;
  /// The members pinned for this session.
  fn pinned(&self) -> &Pinned;
  /// Whether the leader has not been reaped, so that the id cannot have been given out again.
  fn holds(&self) -> bool;
  /// Signals the leader unless it has been reaped; whether it was signalled.
  fn send(&self, signal: i32) -> Result<bool>;
  /// Runs `f` while the leader cannot be reaped (under the reaper's lock); `None` once reaped.
  #[cfg(target_os = "macos")]
  fn holding(&self, f: &mut dyn FnMut() -> Result<usize>) -> Option<Result<usize>>;
}

/// Members of a session held by pidfd, so that their pids cannot pass to a stranger while
/// they are held. Closed when the terminal's pty closes (`killSession` does nothing after).
#[derive(Debug, Default)]
pub struct Pinned(Mutex<Vec<Member>>);

#[derive(Debug)]
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) struct Member {
  pub(crate) pid: i32,
  pub(crate) pidfd: std::os::fd::OwnedFd,
}

impl Pinned {
  pub(crate) fn lock(&self) -> MutexGuard<'_, Vec<Member>> {
    self.0.lock().unwrap_or_else(|e| e.into_inner())
  }

  /// Closes every pidfd: nothing of the session is signalled any more.
  pub fn clear(&self) {
    self.lock().clear();
  }

  /// How many members are pinned.
  pub fn len(&self) -> usize {
    self.lock().len()
  }

  pub fn is_empty(&self) -> bool {
    self.len() == 0
  }
}

/// Signals every member of `leader`'s session that can still be told from a stranger; how many
/// got the signal. Linux: the members found from the leader and the pinned ones, by pidfd;
/// macOS: by a scan of every pid, while the leader is not reaped (see `platform`).
pub use crate::platform::signal_session as signal;

//! The child of a terminal, as the reactor watches, reaps and signals it.
//!
//! Its state (the pidfd, and whether it has been reaped) sits behind one lock that both the
//! signalling thread and the reaping reactor take, so a signal is either sent before the reap,
//! to the child, or not at all: never to a pid freed by the reap and maybe reused. Through the
//! pidfd a signal cannot reach a recycled pid even without the lock.

use super::ExitStatus;
use crate::error::{Result, Syscall};
use crate::platform;
use crate::session;
use crate::spawn;
use crate::sys;
use nix::errno::Errno;
use nix::unistd::Pid;
use polling::Poller;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::{Mutex, MutexGuard};

pub(super) use crate::platform::Watch;

#[derive(Debug)]
pub(super) struct Child {
  pid: Pid,
  state: Mutex<State>,
  /// The other members of the child's session, pinned at its exit (see [`session`]).
  members: session::Pinned,
}

#[derive(Debug)]
struct State {
  /// Closed at the reap: by the time the exit is reported, nothing of the child is open.
  pidfd: Option<OwnedFd>,
  reaped: bool,
}

impl From<spawn::Child> for Child {
  fn from(c: spawn::Child) -> Self {
    Child {
      pid: c.pid,
      state: Mutex::new(State {
        pidfd: c.pidfd,
        reaped: false,
      }),
      members: session::Pinned::default(),
    }
  }
}

impl Child {
  pub(super) fn pid(&self) -> Pid {
    self.pid
  }

  /// The pid while the child has not been reaped (afterwards it may name a stranger).
  pub(super) fn unreaped_pid(&self) -> Option<Pid> {
    (!self.state().reaped).then_some(self.pid)
  }

  fn state(&self) -> MutexGuard<'_, State> {
    self.state.lock().unwrap_or_else(|e| e.into_inner())
  }

  pub(super) fn pidfd(&self) -> Option<RawFd> {
    self.state().pidfd.as_ref().map(|fd| fd.as_raw_fd())
  }

  /// Sends `signal` unless the child has been reaped (then there is nobody to signal);
  /// `true` when the child is not reaped yet: it got the signal, or it is already exiting.
  pub(super) fn signal(&self, signal: i32) -> Result<bool> {
    Ok(self.deliver(signal)?.is_some())
  }

  /// `signal`, telling whether the child got it (it had neither exited nor been reaped).
  fn send(&self, signal: i32) -> Result<bool> {
    Ok(self.deliver(signal)? == Some(true))
  }

  /// `None` once reaped; else whether the signal reached the child (`false`: it has exited
  /// and waits to be reaped).
  fn deliver(&self, signal: i32) -> Result<Option<bool>> {
    let state = self.state();
    if state.reaped {
      return Ok(None);
    }
    let sent = platform::pidfd_send_signal(state.pidfd.as_ref(), signal).unwrap_or_else(|| {
      nix::sys::signal::Signal::try_from(signal).and_then(|s| nix::sys::signal::kill(self.pid, s))
    });
    match sent {
      Err(Errno::ESRCH) => Ok(Some(false)), // exited, not yet reaped
      other => other.map(|()| Some(true)).syscall("kill"),
    }
  }

  /// Arms `poller` to report this child's exit under `key`, once: its pidfd on Linux, a
  /// kqueue process filter on macOS (`first` for the first registration, which differs from a
  /// re-arm in both `polling` back ends).
  pub(super) fn watch(&self, poller: &Poller, key: usize, first: bool) -> Watch {
    let state = self.state();
    if state.reaped {
      return Watch::Exiting;
    }
    platform::watch_exit(poller, self.pid, state.pidfd.as_ref(), key, first)
  }

  /// Collects the exit status if the child has exited; then stops watching it and closes the
  /// pidfd, under the same lock as `signal`.
  pub(super) fn try_reap(&self, poller: &Poller) -> Option<ExitStatus> {
    let mut state = self.state();
    if state.reaped {
      return None;
    }
    let status = match sys::wait_nohang(self.pid) {
      Ok(Some(sys::Ended::Code(code))) => ExitStatus { code, signal: 0 },
      Ok(Some(sys::Ended::Signal(signal))) => ExitStatus { code: 0, signal },
      Err(Errno::EINTR) | Ok(None) => return None,
      // Someone else in the process reaped it (SIGCHLD set to SIG_IGN, a waitpid(-1)):
      // it is gone and its status is lost.
      Err(_) => ExitStatus {
        code: -1,
        signal: 0,
      },
    };
    state.reaped = true;
    // The pidfd leaves the poller before it closes; on macOS the pid leaves kqueue and
    // `polling`'s set of pids, where it would otherwise stay and make the registration of the
    // next child given the same (recycled) pid fail.
    if let Some(pidfd) = state.pidfd.take() {
      let _ = poller.delete(std::os::fd::AsFd::as_fd(&pidfd));
    }
    platform::unwatch_exit(poller, self.pid);
    Some(status)
  }
}

/// What `killSession` needs of the session's leader. Only the reactor reaps, so a zombie seen
/// here stays one until its `try_reap`.
impl session::Leader for Child {
  fn sid(&self) -> Pid {
    self.pid
  }

  fn pinned(&self) -> &session::Pinned {
    &self.members
  }

  fn holds(&self) -> bool {
    let state = self.state();
    let probe = platform::pidfd_send_signal(state.pidfd.as_ref(), 0)
      .unwrap_or_else(|| nix::sys::signal::kill(self.pid, None));
    !state.reaped && matches!(probe, Ok(()) | Err(Errno::EPERM))
  }

  fn send(&self, signal: i32) -> Result<bool> {
    Child::send(self, signal)
  }

  #[cfg(target_os = "macos")] // only macOS's killSession, which has no pidfds, needs it
  fn holding(&self, f: &mut dyn FnMut() -> Result<usize>) -> Option<Result<usize>> {
    let state = self.state();
    (!state.reaped).then(f)
  }
}

impl Child {
  /// The session's members, pinned since the child's exit; closed with the pty.
  pub(super) fn members(&self) -> &session::Pinned {
    &self.members
  }

  /// Pins the other members of the child's session if it has exited and is still a zombie
  /// (waitid's WNOWAIT leaves it one): while it is, its pid, the session's id, cannot be given
  /// out again. Only the reactor reaps, and calls this just before `try_reap`. Nothing on
  /// macOS, which has no pidfds.
  pub(super) fn pin_session_if_exited(&self) {
    if !self.state().reaped {
      platform::pin_session_if_exited(self);
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::spawn::{spawn, SpawnOptions};
  use crate::test_support::serial;
  use std::time::{Duration, Instant};

  /// A signal sent while the reactor is busy reaping must still be delivered: the reaper
  /// polls waitpid in a tight loop (as a loaded reactor would) while the signal is sent.
  #[test]
  fn a_kill_racing_with_the_reaper_is_never_lost() {
    let _g = serial();
    let poller = std::sync::Arc::new(Poller::new().unwrap());
    for round in 0..50 {
      let spawned = spawn(&SpawnOptions::new("/bin/sleep", &["30"])).unwrap();
      let child = std::sync::Arc::new(Child::from(spawned.child));
      let reaper = {
        let child = child.clone();
        let poller = poller.clone();
        std::thread::spawn(move || {
          let deadline = Instant::now() + Duration::from_secs(5);
          while Instant::now() < deadline {
            if let Some(status) = child.try_reap(&poller) {
              return Some(status);
            }
          }
          None
        })
      };
      std::thread::sleep(Duration::from_micros(200 * (round % 5)));
      child.signal(libc::SIGKILL).unwrap();
      let status = reaper.join().unwrap();
      if status.is_none() {
        let _ = nix::sys::signal::kill(child.pid(), nix::sys::signal::Signal::SIGKILL);
        let _ = nix::sys::wait::waitpid(child.pid(), None);
      }
      assert_eq!(
        status,
        Some(ExitStatus {
          code: 0,
          signal: libc::SIGKILL
        }),
        "round {round}: the signal was lost"
      );
      // Reaped: nothing left to signal, and no error for trying.
      assert!(!child.signal(libc::SIGKILL).unwrap());
      drop(spawned.master);
    }
  }
}

//! Releasing a master without making anyone wait for the kernel's teardown of its pty.
//!
//! Dropping the last reference to a master hangs its terminal up, and the kernel does that in
//! the thread that drops it: it waits until every process inside a read or write on the slave
//! has left the line discipline. A child blocked in `read`, or busy writing and preempted on a
//! loaded machine, makes that wait a context switch at best and a scheduler slice or more at
//! worst (measured: `destroy()` p50 0.14 ms idle, p99 9 ms with 100 children flooding output).
//! `destroy()` may neither block the JS thread that long nor return with the master still
//! among the process's descriptors, and the reactor must not stop serving every other
//! terminal meanwhile. So the description is queued as an `SCM_RIGHTS` message on a socket
//! pair, where it is referenced by the message and by no descriptor table; releasing the
//! number then drops a reference that is not the last, which is cheap. A release thread of its
//! own (started by the first hand-off) drops the messages in order, waiting out each teardown,
//! and tells the reactor, which reports that terminal's exit only after it: the pty is gone
//! before the exit is reported.
//!
//! Each message is one byte with one descriptor, on a stream socket: a stream holds as many
//! messages as its send buffer takes (about 2,700 in the 1 MiB asked for; some 550 where
//! `net.core.wmem_max` keeps the default 208 KiB). A master the queue refuses is released in
//! the caller, as before. On Linux, reading one byte without room for control data takes
//! exactly one message and makes the kernel discard its descriptor, so the master is never
//! installed in a descriptor table again. XNU instead installs passed descriptors whether or
//! not the receiver asked for them, and this path has not run on macOS: there masters are
//! released in the caller.

use nix::sys::socket::{recvmsg, sendmsg, ControlMessage, MsgFlags};
use std::collections::VecDeque;
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};

/// Tests slow the release thread down with this (ms per master), to show what waits for it.
#[cfg(test)]
pub(super) static TEST_DELAY_MS: std::sync::atomic::AtomicU64 =
  std::sync::atomic::AtomicU64::new(0);

/// The terminals whose masters wait in the queue, oldest first.
pub(super) type Queued = VecDeque<usize>;

#[derive(Debug)]
pub(super) struct Handoff {
  send: OwnedFd,
  receive: OwnedFd,
  /// Held by `destroy()` from queueing a master until its `Closed` is on the reactor's inbox,
  /// so that the release thread's `Released` for a terminal always comes after its `Closed`.
  queued: Mutex<Queued>,
  wake: Condvar,
  /// Whether the release thread could be started.
  thread: OnceLock<bool>,
}

impl Handoff {
  /// `None` when no socket pair can be had, and on macOS: masters are then released in the
  /// caller.
  pub(super) fn new() -> Option<Handoff> {
    #[cfg(target_os = "linux")]
    {
      use nix::sys::socket::{setsockopt, socketpair, sockopt, AddressFamily, SockFlag, SockType};
      let flags = SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK;
      let (send, receive) = socketpair(AddressFamily::Unix, SockType::Stream, None, flags).ok()?;
      // Best effort: the default holds a few hundred messages already.
      let _ = setsockopt(&send, sockopt::SndBuf, &(1 << 20));
      Some(Handoff {
        send,
        receive,
        queued: Mutex::new(VecDeque::new()),
        wake: Condvar::new(),
        thread: OnceLock::new(),
      })
    }
    #[cfg(not(target_os = "linux"))]
    None
  }

  pub(super) fn lock(&self) -> MutexGuard<'_, Queued> {
    self.queued.lock().unwrap_or_else(|e| e.into_inner())
  }

  /// Queues a reference to terminal `id`'s master for the release thread, which `start`
  /// runs; `false` when it cannot run or the queue refused (full, or too many descriptors in
  /// flight for the user), and nothing was queued.
  pub(super) fn queue(
    &self,
    queued: &mut Queued,
    id: usize,
    master: BorrowedFd<'_>,
    start: impl FnOnce() -> bool,
  ) -> bool {
    if !*self.thread.get_or_init(start) || !self.send_one(master) {
      return false;
    }
    queued.push_back(id);
    self.wake.notify_one();
    true
  }

  fn send_one(&self, master: BorrowedFd<'_>) -> bool {
    let fds = [master.as_raw_fd()];
    // Never SIGPIPE the host, should the receiving end ever be gone (macOS has no such flag,
    // and does not get here).
    #[cfg(target_os = "linux")]
    let flags = MsgFlags::MSG_DONTWAIT | MsgFlags::MSG_NOSIGNAL;
    #[cfg(not(target_os = "linux"))]
    let flags = MsgFlags::MSG_DONTWAIT;
    sendmsg::<()>(
      self.send.as_raw_fd(),
      &[IoSlice::new(&[0])],
      &[ControlMessage::ScmRights(&fds)],
      flags,
      None,
    )
    .is_ok()
  }

  /// The release thread: drops each queued master in turn (its last reference: the kernel's
  /// teardown runs here), then reports the terminal to `released`.
  pub(super) fn run(&self, released: impl Fn(usize)) {
    loop {
      let id = {
        let mut queued = self.lock();
        loop {
          match queued.front() {
            Some(&id) => break id,
            None => queued = self.wake.wait(queued).unwrap_or_else(|e| e.into_inner()),
          }
        }
      };
      #[cfg(test)]
      std::thread::sleep(std::time::Duration::from_millis(
        TEST_DELAY_MS.load(std::sync::atomic::Ordering::SeqCst),
      ));
      self.drop_oldest();
      self.lock().pop_front();
      released(id);
    }
  }

  /// Drops the oldest queued reference. Its message is there: its id was queued after it.
  fn drop_oldest(&self) {
    let mut byte = [0u8];
    loop {
      let mut data = [IoSliceMut::new(&mut byte)];
      let received = recvmsg::<()>(self.receive.as_raw_fd(), &mut data, None, MsgFlags::empty());
      match received.map(|_| ()) {
        Err(nix::errno::Errno::EINTR) => continue,
        _ => return,
      }
    }
  }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
  use super::*;
  use crate::test_support::serial;
  use std::os::fd::AsFd;

  fn open_count() -> usize {
    std::fs::read_dir("/dev/fd").unwrap().count()
  }

  /// The queued reference keeps the description alive with no descriptor in the table, and
  /// dropping it releases the description without installing anything.
  #[test]
  fn a_queued_pipe_end_outlives_its_number_and_is_dropped_without_a_descriptor() {
    let _g = serial();
    let handoff = Handoff::new().unwrap();
    let (read, write) = nix::unistd::pipe().unwrap();
    let before = open_count();
    assert!(handoff.send_one(write.as_fd()));
    drop(write);
    assert_eq!(open_count(), before - 1);
    // The write end is still alive in the message: the read end sees no end of file yet.
    nix::fcntl::fcntl(
      &read,
      nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
    )
    .unwrap();
    let mut buf = [0u8; 1];
    assert_eq!(
      nix::unistd::read(&read, &mut buf),
      Err(nix::errno::Errno::EAGAIN)
    );
    handoff.drop_oldest();
    assert_eq!(open_count(), before - 1);
    // Its last reference gone: end of file.
    assert_eq!(nix::unistd::read(&read, &mut buf), Ok(0));
  }

  /// A burst of destroys queues hundreds (200: fewer than even the default send buffer
  /// takes), and each drop takes exactly one: the oldest.
  #[test]
  fn hundreds_queue_and_each_drop_releases_the_oldest() {
    let _g = serial();
    let handoff = Handoff::new().unwrap();
    let pipes: Vec<_> = (0..200).map(|_| nix::unistd::pipe().unwrap()).collect();
    let mut readers = Vec::new();
    for (read, write) in pipes {
      assert!(handoff.send_one(write.as_fd()));
      nix::fcntl::fcntl(
        &read,
        nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
      )
      .unwrap();
      readers.push(read);
    }
    let mut buf = [0u8; 1];
    for (i, read) in readers.iter().enumerate() {
      assert_eq!(
        nix::unistd::read(read, &mut buf),
        Err(nix::errno::Errno::EAGAIN)
      );
      handoff.drop_oldest();
      assert_eq!(nix::unistd::read(read, &mut buf), Ok(0), "pipe {i}");
      if let Some(next) = readers.get(i + 1) {
        assert_eq!(
          nix::unistd::read(next, &mut buf),
          Err(nix::errno::Errno::EAGAIN)
        );
      }
    }
  }
}

//! Releasing a master without making the caller wait for the kernel's teardown of its pty.
//!
//! Dropping the last reference to a master hangs its terminal up, and the kernel does that in
//! the thread that drops it: it waits until every process inside a read or write on the slave
//! has left the line discipline. A child blocked in `read`, or busy writing and preempted on a
//! loaded machine, makes that wait a context switch at best and a scheduler slice or more at
//! worst (measured: `destroy()` p50 0.14 ms idle, p99 9 ms with 100 children flooding output).
//! `destroy()` may neither block the JS thread that long nor return with the master still
//! among the process's descriptors. So the description is first queued as an `SCM_RIGHTS`
//! message on a socket pair of the reactor's, where it is referenced by the message and by no
//! descriptor table; releasing the number then drops a reference that is not the last, which
//! is cheap. The reactor drops the message when it handles the terminal's `Closed`, before any
//! later event of that terminal: the pty is gone before its exit is reported.
//!
//! Each message is one byte with one descriptor. A stream socket, not a datagram one: Linux
//! queues at most `net.unix.max_dgram_qlen` (10 by default) datagrams, a stream holds as many
//! messages as its send buffer takes (about 2,700 in the 1 MiB asked for; 280 in the default
//! 208 KiB, where `net.core.wmem_max` grants less). A master the queue refuses is released in the caller,
//! as before. Reading one byte without room for control data takes exactly one message
//! and makes the kernel discard its descriptor, so the master is never installed in the
//! reactor's table either.

use nix::sys::socket::{
  recvmsg, sendmsg, socketpair, AddressFamily, ControlMessage, MsgFlags, SockFlag, SockType,
};
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::sync::{Mutex, MutexGuard};

#[derive(Debug)]
pub(super) struct Handoff {
  send: OwnedFd,
  receive: OwnedFd,
  /// Held from queueing a master to queueing its `Closed`, so that the messages and the
  /// reactor's `Closed`s come in the same order whichever threads destroy terminals.
  order: Mutex<()>,
}

impl Handoff {
  /// `None` when no socket pair can be had: masters are then released in the caller.
  pub(super) fn new() -> Option<Handoff> {
    #[cfg(target_os = "linux")]
    let flags = SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK;
    // macOS has neither flag; its spawns all use POSIX_SPAWN_CLOEXEC_DEFAULT, so the moment
    // before close-on-exec is set leaks nothing into a child.
    #[cfg(target_os = "macos")]
    let flags = SockFlag::empty();
    let (send, receive) = socketpair(AddressFamily::Unix, SockType::Stream, None, flags).ok()?;
    #[cfg(target_os = "macos")]
    for fd in [&send, &receive] {
      use nix::fcntl::{fcntl, FcntlArg, FdFlag, OFlag};
      fcntl(fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC)).ok()?;
      fcntl(fd, FcntlArg::F_SETFL(OFlag::O_NONBLOCK)).ok()?;
    }
    // Best effort: the default holds a few hundred messages already.
    let _ = nix::sys::socket::setsockopt(&send, nix::sys::socket::sockopt::SndBuf, &(1 << 20));
    Some(Handoff {
      send,
      receive,
      order: Mutex::new(()),
    })
  }

  pub(super) fn order(&self) -> MutexGuard<'_, ()> {
    self.order.lock().unwrap_or_else(|e| e.into_inner())
  }

  /// Queues a reference to `master`'s description; `false` when the queue refused it (full,
  /// or too many descriptors in flight for the user), and nothing was queued.
  pub(super) fn queue(&self, master: BorrowedFd<'_>) -> bool {
    let fds = [master.as_raw_fd()];
    sendmsg::<()>(
      self.send.as_raw_fd(),
      &[IoSlice::new(&[0])],
      &[ControlMessage::ScmRights(&fds)],
      MsgFlags::MSG_DONTWAIT,
      None,
    )
    .is_ok()
  }

  /// Drops the oldest queued reference: for a master whose number is released, its last.
  pub(super) fn drop_oldest(&self) {
    let mut byte = [0u8];
    loop {
      let mut data = [IoSliceMut::new(&mut byte)];
      let received = recvmsg::<()>(self.receive.as_raw_fd(), &mut data, None, MsgFlags::empty());
      match received.map(|_| ()) {
        Err(nix::errno::Errno::EINTR) => continue,
        // Ok, or nothing queued (EAGAIN): not possible while `Closed` follows its message.
        _ => return,
      }
    }
  }
}

#[cfg(test)]
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
    assert!(handoff.queue(write.as_fd()));
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

  /// A burst of destroys queues far more than a datagram socket's ten (200: what even the
  /// smallest send buffer takes), and each drop takes exactly one: the oldest.
  #[test]
  fn hundreds_queue_and_each_drop_releases_the_oldest() {
    let _g = serial();
    let handoff = Handoff::new().unwrap();
    let pipes: Vec<_> = (0..200).map(|_| nix::unistd::pipe().unwrap()).collect();
    let mut readers = Vec::new();
    for (read, write) in pipes {
      assert!(handoff.queue(write.as_fd()));
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

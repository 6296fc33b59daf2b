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
//!
//! Should `recvmsg` ever fail, nobody knows whether the oldest message went, so the queue of
//! terminals and the socket can no longer be matched one to one. The release thread then
//! closes its end of the pair, which drops every message still in it (each master's last
//! reference) before the call returns, and only then reports every terminal that was queued;
//! a new pair takes over (none: masters are released in the caller from then on).
//!
//! The same thread frees the input that was queued for a destroyed terminal's program and
//! will never be sent: freeing 100 MB takes tens of milliseconds, which `destroy()` must not
//! cost the JS thread. That part runs on macOS too.

use super::outbox::Unsent;
use crate::platform;
use nix::sys::socket::{recvmsg, sendmsg, ControlMessage, MsgFlags};
use std::collections::VecDeque;
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};

/// Tests slow the release thread down with this (ms per master), to show what waits for it.
#[cfg(test)]
pub(super) static TEST_DELAY_MS: std::sync::atomic::AtomicU64 =
  std::sync::atomic::AtomicU64::new(0);

/// Test-only: the terminals whose masters were queued for the release thread, in order.
#[cfg(test)]
pub(super) static TEST_QUEUED: std::sync::Mutex<Vec<usize>> = std::sync::Mutex::new(Vec::new());
/// Test-only: the terminals whose masters the release thread has dropped, in order.
#[cfg(test)]
pub(super) static TEST_DROPPED: std::sync::Mutex<Vec<usize>> = std::sync::Mutex::new(Vec::new());

/// Tests make this many of the next `recvmsg` calls fail (ENOMEM) without receiving anything:
/// the case where the queue and the socket would fall out of step.
#[cfg(test)]
pub(super) static TEST_RECV_FAULTS: std::sync::atomic::AtomicUsize =
  std::sync::atomic::AtomicUsize::new(0);

/// What the release thread has to do for one destroyed terminal.
#[derive(Debug)]
struct Job {
  /// The terminal whose master is queued on the socket (one message each, in this order).
  master_of: Option<usize>,
  /// Input nobody will send, to be freed.
  unsent: Unsent,
}

/// The release thread's work, oldest first, and the socket pair the masters travel on.
#[derive(Debug)]
pub(super) struct Queue {
  jobs: VecDeque<Job>,
  /// `None` when no pair could be had, and on macOS: masters are released in the caller.
  send: Option<OwnedFd>,
  /// Taken by the release thread when it starts.
  receive: Option<OwnedFd>,
}

#[derive(Debug)]
pub(super) struct Handoff {
  /// Held by `destroy()` from queueing a master until its `Closed` is on the reactor's inbox,
  /// so that the release thread's `Released` for a terminal always comes after its `Closed`.
  queue: Mutex<Queue>,
  wake: Condvar,
  /// Whether the release thread could be started.
  thread: OnceLock<bool>,
}

impl Handoff {
  pub(super) fn new() -> Handoff {
    let (send, receive) = platform::handoff_pair().unzip();
    Handoff {
      queue: Mutex::new(Queue {
        jobs: VecDeque::new(),
        send,
        receive,
      }),
      wake: Condvar::new(),
      thread: OnceLock::new(),
    }
  }

  pub(super) fn lock(&self) -> MutexGuard<'_, Queue> {
    self.queue.lock().unwrap_or_else(|e| e.into_inner())
  }

  /// Gives the release thread, which `start` runs, terminal `id`'s master (when it still has
  /// one to release) and the input that will never be sent to it. `true` when the master was
  /// queued; `false` when it must be released in the caller: the thread cannot run, there is
  /// no socket pair, or the queue refused (full, or too many descriptors in flight for the
  /// user). The reactor wakes the release thread for it when it takes the terminal's `Closed`.
  pub(super) fn queue(
    &self,
    queue: &mut Queue,
    id: usize,
    master: Option<BorrowedFd<'_>>,
    unsent: Unsent,
    start: impl FnOnce() -> bool,
  ) -> bool {
    let master = master.zip(queue.send.as_ref());
    // Nothing for the thread, or no thread: any input is freed here after all, as before.
    if master.is_none() && unsent.is_empty() || !*self.thread.get_or_init(start) {
      return false;
    }
    let queued = master.is_some_and(|(master, send)| send_one(send.as_fd(), master));
    #[cfg(test)]
    if queued {
      TEST_QUEUED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(id);
    }
    if queued || !unsent.is_empty() {
      queue.jobs.push_back(Job {
        master_of: queued.then_some(id),
        unsent,
      });
    }
    queued
  }

  /// Tells the release thread there is work. The reactor calls it on each `Closed`, not
  /// `destroy()`: a thread woken can take the CPU of the thread that woke it (measured: the
  /// wake-up was most of destroy()'s p99 under load), and destroy() wakes the reactor anyway.
  pub(super) fn wake(&self) {
    self.wake.notify_one();
  }

  /// The release thread: drops each queued master in turn (its last reference: the kernel's
  /// teardown runs here) and reports the terminal to `released`, and frees unsent input.
  pub(super) fn run(&self, released: impl Fn(usize)) {
    let mut receive = self.lock().receive.take();
    loop {
      let job = {
        let mut queue = self.lock();
        loop {
          match queue.jobs.pop_front() {
            Some(job) => break job,
            None => queue = self.wake.wait(queue).unwrap_or_else(|e| e.into_inner()),
          }
        }
      };
      if let Some(id) = job.master_of {
        #[cfg(test)]
        std::thread::sleep(std::time::Duration::from_millis(
          TEST_DELAY_MS.load(std::sync::atomic::Ordering::SeqCst),
        ));
        // Its message is there: the job was queued after it, and each receive takes one.
        let dropped = receive.as_ref().map(|r| drop_oldest(r.as_fd()));
        if !matches!(dropped, Some(Ok(()))) {
          let (fresh, also) = self.start_over(receive.take());
          receive = fresh;
          #[cfg(test)]
          test_dropped(&also);
          also.into_iter().for_each(&released);
        }
        #[cfg(test)]
        test_dropped(&[id]);
        // Freed before the exit can be reported: a host that checks its memory then finds it
        // back.
        drop(job.unsent);
        released(id);
      }
    }
  }

  /// After a failed receive: closes `receive`, which drops every master still queued on it
  /// before it returns, and puts a new pair in place for later hand-offs (or none). Returns
  /// the new receiving end and the other terminals whose masters were queued, now gone.
  fn start_over(&self, receive: Option<OwnedFd>) -> (Option<OwnedFd>, Vec<usize>) {
    let (fresh_send, fresh_receive) = platform::handoff_pair().unzip();
    let (stale_send, queued) = {
      let mut queue = self.lock();
      let queued: Vec<usize> = queue
        .jobs
        .iter_mut()
        .filter_map(|job| job.master_of.take())
        .collect();
      (std::mem::replace(&mut queue.send, fresh_send), queued)
    };
    drop(stale_send);
    drop(receive);
    (fresh_receive, queued)
  }
}

/// Test-only: records that the masters of `ids` have been dropped.
#[cfg(test)]
fn test_dropped(ids: &[usize]) {
  let mut dropped = TEST_DROPPED.lock().unwrap_or_else(|e| e.into_inner());
  dropped.extend_from_slice(ids);
}

/// Queues a reference to `master` on the socket; `false` when the socket refused it.
fn send_one(send: BorrowedFd<'_>, master: BorrowedFd<'_>) -> bool {
  let fds = [master.as_raw_fd()];
  let flags = platform::HANDOFF_SEND_FLAGS;
  sendmsg::<()>(
    send.as_raw_fd(),
    &[IoSlice::new(&[0])],
    &[ControlMessage::ScmRights(&fds)],
    flags,
    None,
  )
  .is_ok()
}

/// Receives (and so drops) the oldest queued reference.
fn drop_oldest(receive: BorrowedFd<'_>) -> nix::Result<()> {
  #[cfg(test)]
  if TEST_RECV_FAULTS
    .fetch_update(
      std::sync::atomic::Ordering::SeqCst,
      std::sync::atomic::Ordering::SeqCst,
      |n| n.checked_sub(1),
    )
    .is_ok()
  {
    return Err(nix::errno::Errno::ENOMEM);
  }
  let mut byte = [0u8];
  loop {
    let mut data = [IoSliceMut::new(&mut byte)];
    match recvmsg::<()>(receive.as_raw_fd(), &mut data, None, MsgFlags::empty()) {
      Err(nix::errno::Errno::EINTR) => continue,
      Err(e) => return Err(e),
      // A stream's end of file: the sending end is gone, and with it nothing was received.
      Ok(r) if r.bytes == 0 => return Err(nix::errno::Errno::EPIPE),
      Ok(_) => return Ok(()),
    }
  }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
  use super::*;
  use crate::test_support::{fd_count, serial};
  use std::os::fd::AsFd;

  /// The queued reference keeps the description alive with no descriptor in the table, and
  /// dropping it releases the description without installing anything.
  #[test]
  fn a_queued_pipe_end_outlives_its_number_and_is_dropped_without_a_descriptor() {
    let _g = serial();
    let (send, receive) = platform::handoff_pair().unwrap();
    let (read, write) = nix::unistd::pipe().unwrap();
    let before = fd_count();
    assert!(send_one(send.as_fd(), write.as_fd()));
    drop(write);
    assert_eq!(fd_count(), before - 1);
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
    drop_oldest(receive.as_fd()).unwrap();
    assert_eq!(fd_count(), before - 1);
    // Its last reference gone: end of file.
    assert_eq!(nix::unistd::read(&read, &mut buf), Ok(0));
  }

  /// A burst of destroys queues hundreds (200: fewer than even the default send buffer
  /// takes), and each drop takes exactly one: the oldest.
  #[test]
  fn hundreds_queue_and_each_drop_releases_the_oldest() {
    let _g = serial();
    let (send, receive) = platform::handoff_pair().unwrap();
    let pipes: Vec<_> = (0..200).map(|_| nix::unistd::pipe().unwrap()).collect();
    let mut readers = Vec::new();
    for (read, write) in pipes {
      assert!(send_one(send.as_fd(), write.as_fd()));
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
      drop_oldest(receive.as_fd()).unwrap();
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

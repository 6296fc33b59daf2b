//! Input: the bytes on their way to a child, in order.
//!
//! A write that finds nothing queued goes straight to the (non-blocking) master from the
//! caller's thread, so a keystroke needs no hop to the reactor; what the master does not take
//! waits here for the reactor, which sends it when the master is writable. Nothing here ever
//! blocks, and nothing spins: the reactor waits for writability in epoll/kqueue.

use nix::errno::Errno;
use std::collections::VecDeque;
use std::os::fd::BorrowedFd;

/// Input dropped by `close`, to be freed where that costs nobody anything: freeing 100 MB
/// takes tens of milliseconds.
#[derive(Debug, Default)]
pub(super) struct Unsent(VecDeque<Vec<u8>>);

impl Unsent {
  pub(super) fn is_empty(&self) -> bool {
    self.0.is_empty()
  }
}

/// The threads that freed unsent input, for the tests to see where that happens.
#[cfg(test)]
pub(super) static TEST_FREED_ON: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

#[cfg(test)]
impl Drop for Unsent {
  fn drop(&mut self) {
    if !self.is_empty() {
      let thread = std::thread::current().name().unwrap_or("").to_string();
      TEST_FREED_ON.lock().unwrap().push(thread);
    }
  }
}

#[derive(Debug, Default)]
pub(super) struct Outbox {
  queue: VecDeque<Vec<u8>>,
  /// Bytes of `queue.front()` already written.
  written: usize,
  /// Bytes queued and not yet written: what `writableLength` reports.
  pending: usize,
  /// Nobody can read any more (the master reported EIO, or was closed): writes are dropped.
  closed: bool,
}

impl Outbox {
  /// Queues `data` behind what is already waiting; `false` when the outbox is closed.
  pub(super) fn push(&mut self, data: Vec<u8>) -> bool {
    if self.closed {
      return false;
    }
    self.pending += data.len();
    self.queue.push_back(data);
    true
  }

  pub(super) fn pending(&self) -> usize {
    self.pending
  }

  pub(super) fn is_closed(&self) -> bool {
    self.closed
  }

  pub(super) fn is_empty(&self) -> bool {
    self.queue.is_empty()
  }

  /// Writes from the front until the master would block; `true` when bytes are left.
  pub(super) fn flush(&mut self, master: BorrowedFd<'_>) -> bool {
    while let Some(front) = self.queue.front() {
      match nix::unistd::write(master, &front[self.written..]) {
        Ok(n) => {
          self.written += n;
          self.pending -= n;
          if self.written == front.len() {
            self.queue.pop_front();
            self.written = 0;
          }
        }
        Err(Errno::EAGAIN) => return true,
        Err(Errno::EINTR) => continue,
        // EIO: no process has the terminal open any more, so nobody can read this.
        Err(_) => {
          self.close();
          return false;
        }
      }
    }
    false
  }

  /// Refuses writes from now on; what was queued is returned unsent.
  pub(super) fn close(&mut self) -> Unsent {
    self.written = 0;
    self.pending = 0;
    self.closed = true;
    Unsent(std::mem::take(&mut self.queue))
  }
}

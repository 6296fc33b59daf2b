//! The handle the binding holds for one terminal: write, resize, signal, destroy.
//!
//! The master is released at a defined moment whoever else still holds the handle: by
//! `destroy`, on the caller's thread, without waiting for the reactor; or by the reactor at the
//! end of the terminal. `destroy` must not wait for a reactor that is busy (or preempted) in
//! the middle of a read, so it does not close the number: it swaps /dev/null in under it
//! (`sys::release_to_null`), and a read or write racing with it sees end of file or writes into
//! nothing; the pty itself is torn down by the release thread ([`super::handoff`]). The number
//! is closed later, under the write lock, when nobody can be using it: that is what keeps it
//! from being reused under a reader.

use super::child::Child;
use super::entry::Entry;
use super::in_flight::InFlight;
use super::outbox::Outbox;
use super::{Msg, Reactor, Sink};
use crate::error::{Result, SysError};
use crate::process;
use crate::pty::{self, Size};
use crate::spawn::{self, Spawned};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering::SeqCst};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// Tests pause `destroy` (ms) once it has marked the terminal destroyed, to let the reactor
/// see the child's end meanwhile.
#[cfg(test)]
pub(super) static TEST_DESTROY_PAUSE_MS: std::sync::atomic::AtomicU64 =
  std::sync::atomic::AtomicU64::new(0);

/// Why a terminal could not be started: the system refused, or the sink could not be built
/// (nothing was started then).
#[derive(Debug)]
pub enum StartError<E> {
  Sys(SysError),
  Sink(E),
}

impl<E> From<SysError> for StartError<E> {
  fn from(e: SysError) -> Self {
    StartError::Sys(e)
  }
}

/// One terminal: a master with its child, or one end of a pair opened without a process
/// (`open()`), whose "exit" is its end of file.
#[derive(Debug)]
pub struct Terminal {
  id: usize,
  /// The terminal's end of the pty: the master of a spawned terminal, either end of an
  /// `open()` pair. Its number; `None` once closed.
  end: RwLock<Option<OwnedFd>>,
  /// Whether the number still refers to the pty: false once released (and from then on
  /// not used for I/O), even while the number waits to be closed.
  live: AtomicBool,
  /// `destroy` has run: a second call must neither signal the child again nor tell the
  /// reactor a second time, when the master may still wait for the release thread.
  destroyed: AtomicBool,
  pts_name: String,
  /// The number of the parent's slave copy while the reactor keeps it (macOS), else -1: a
  /// descriptor the terminal holds, which the leak check must not report.
  kept_slave: AtomicI32,
  pub(super) child: Option<Child>,
  outbox: Mutex<Outbox>,
  in_flight: Arc<InFlight>,
  reactor: &'static Reactor,
}

impl Terminal {
  /// Opens a pty, starts `cmd` on it and hands it to the reactor. `sink` builds the receiver of
  /// the terminal's events from its output accounting, before anything is opened or started.
  pub fn spawn<E>(
    cmd: &spawn::SpawnOptions,
    sink: impl FnOnce(Arc<InFlight>) -> std::result::Result<Sink, E>,
  ) -> std::result::Result<Arc<Terminal>, StartError<E>> {
    let (in_flight, sink) = Reactor::prepare(sink)?;
    let Spawned {
      master,
      pts_name,
      child,
      slave,
    } = spawn::spawn(cmd)?;
    Ok(Self::attach(
      master,
      pts_name,
      Some(child.into()),
      slave,
      in_flight,
      sink,
    ))
  }

  /// Opens a pty pair without a process (`open()`): both ends are read and written through the
  /// reactor like a terminal's master, and each one's sink gets an exit with code 0 at its end
  /// of file.
  pub fn open_pair<E>(
    size: Size,
    utf8: bool,
    master_sink: impl FnOnce(Arc<InFlight>) -> std::result::Result<Sink, E>,
    slave_sink: impl FnOnce(Arc<InFlight>) -> std::result::Result<Sink, E>,
  ) -> std::result::Result<[Arc<Terminal>; 2], StartError<E>> {
    let (master_flight, master_sink) = Reactor::prepare(master_sink)?;
    let (slave_flight, slave_sink) = Reactor::prepare(slave_sink)?;
    let pair = pty::open(size, utf8)?;
    pty::set_nonblocking(pair.slave.as_fd())?;
    let name = pair.pts_name;
    let master = Self::attach(
      pair.master,
      name.clone(),
      None,
      None,
      master_flight,
      master_sink,
    );
    let slave = Self::attach(pair.slave, name, None, None, slave_flight, slave_sink);
    Ok([master, slave])
  }

  pub(super) fn attach(
    end: OwnedFd,
    pts_name: String,
    child: Option<Child>,
    slave: Option<OwnedFd>,
    in_flight: Arc<InFlight>,
    sink: Sink,
  ) -> Arc<Terminal> {
    let reactor = in_flight.reactor;
    let term = Arc::new(Terminal {
      id: in_flight.id,
      end: RwLock::new(Some(end)),
      live: AtomicBool::new(true),
      destroyed: AtomicBool::new(false),
      pts_name,
      kept_slave: AtomicI32::new(slave.as_ref().map_or(-1, |fd| fd.as_raw_fd())),
      child,
      outbox: Mutex::new(Outbox::default()),
      in_flight,
      reactor,
    });
    reactor.add(Entry::new(term.clone(), slave, sink));
    term
  }

  /// Unique for the life of the process.
  pub fn id(&self) -> usize {
    self.id
  }

  /// The child's pid; `None` for an end of a pair without a process.
  pub fn pid(&self) -> Option<i32> {
    self.child.as_ref().map(|c| c.pid().as_raw())
  }

  pub fn pts_name(&self) -> &str {
    &self.pts_name
  }

  /// The child's pidfd number until the child is reaped, for diagnostics.
  pub fn pidfd(&self) -> Option<RawFd> {
    self.child.as_ref().and_then(Child::pidfd)
  }

  /// The number of the terminal's end while it is open, for display and for callers that poll
  /// it themselves. It stays owned here: closing it would break the terminal.
  pub fn end_fd(&self) -> Option<RawFd> {
    self.with_end(|fd| fd.as_raw_fd())
  }

  /// The number of the parent's slave copy while it is kept open (macOS, until the child is
  /// reaped and its output read), for the leak check. It stays owned by the reactor.
  pub fn kept_slave_fd(&self) -> Option<RawFd> {
    Some(self.kept_slave.load(SeqCst)).filter(|&fd| fd >= 0)
  }

  /// The reactor closed the kept slave copy. (Told after the close: a leak check in between
  /// still counts the number as held, rather than as a stranger's.)
  pub(super) fn slave_closed(&self) {
    self.kept_slave.store(-1, SeqCst);
  }

  /// Whether the terminal's end is still open (not released by `destroy`, not closed at the end).
  pub(super) fn is_live(&self) -> bool {
    self.live.load(SeqCst)
  }

  /// Runs `f` on the terminal's end unless it has been released; its number cannot close meanwhile
  /// (though `destroy` may swap /dev/null in under it).
  pub(super) fn with_end<R>(&self, f: impl FnOnce(BorrowedFd<'_>) -> R) -> Option<R> {
    let end = self.end.read().unwrap_or_else(|e| e.into_inner());
    end
      .as_ref()
      .filter(|_| self.live.load(SeqCst))
      .map(|fd| f(fd.as_fd()))
  }

  pub fn in_flight(&self) -> &InFlight {
    &self.in_flight
  }

  /// Sends `data` to the child, in order with everything written before: at once as far as
  /// the master takes it, the rest by the reactor as the master accepts it. Never blocks.
  pub fn write(&self, data: Vec<u8>) {
    let mut out = self.outbox();
    let was_empty = out.is_empty();
    if data.is_empty() || !out.push(data) {
      return;
    }
    // With bytes already queued the reactor is waiting for the master to be writable and
    // will send these after them.
    if was_empty && self.with_end(|fd| out.flush(fd)) == Some(true) {
      drop(out);
      self.reactor.send(Msg::Wake(self.id));
    }
  }

  /// Bytes accepted by `write` that the pty has not taken yet.
  pub fn writable_length(&self) -> usize {
    self.outbox().pending()
  }

  pub(super) fn outbox(&self) -> MutexGuard<'_, Outbox> {
    self.outbox.lock().unwrap_or_else(|e| e.into_inner())
  }

  /// Stops (`true`) or restarts reading; while stopped the child blocks once the kernel's
  /// buffer is full.
  pub fn set_paused(&self, paused: bool) {
    self.reactor.send(Msg::Pause(self.id, paused));
  }

  /// A no-op once the master is closed.
  pub fn resize(&self, size: Size) -> Result<()> {
    self
      .with_end(|fd| pty::set_size(fd, size))
      .unwrap_or(Ok(()))
  }

  /// Signals the child until it has been reaped, also after `destroy`. The reactor hears of
  /// it: a paused terminal's child must be able to finish exiting (see `Entry::holding`).
  pub fn kill(&self, signal: i32) -> Result<()> {
    let Some(child) = &self.child else {
      return Ok(());
    };
    if child.signal(signal)? && signal != 0 {
      self.reactor.send(Msg::Signalled(self.id));
    }
    Ok(())
  }

  /// The leader of the terminal's foreground process group, while the master is open.
  pub fn foreground(&self) -> Option<process::Foreground> {
    let leader = self.child.as_ref().and_then(Child::unreaped_pid);
    self
      .with_end(|fd| process::foreground(fd, leader))
      .flatten()
  }

  /// Signals every process in the child's session (its process group and background jobs;
  /// not those that left with setsid); returns how many. After the child's reap only the
  /// members pinned at its exit, and those they started, are reached ([`crate::session`]);
  /// nothing once the master is closed.
  pub fn kill_session(&self, signal: i32) -> Result<usize> {
    let Some(child) = &self.child else {
      return Ok(0);
    };
    // Checked, then signalled without the master's lock, which the reactor may need meanwhile.
    match self.with_end(|_| ()) {
      Some(()) => crate::session::signal(child, signal),
      None => Ok(0),
    }
  }

  /// Releases the terminal's end before returning (writes queued for it are dropped, nothing more
  /// is read), and has the reactor send the child SIGHUP, as node-pty's `destroy()` does.
  /// Waits neither for the reactor nor for the kernel's teardown of the pty, which the release
  /// thread does ([`super::handoff`]), nor frees the dropped input itself; the child is still
  /// reaped, and its exit reported after the pty is gone. Only the first call does anything.
  pub fn destroy(&self) {
    if self.destroyed.swap(true, SeqCst) {
      return;
    }
    #[cfg(test)]
    std::thread::sleep(std::time::Duration::from_millis(
      TEST_DESTROY_PAUSE_MS.load(SeqCst),
    ));
    let unsent = self.outbox().close();
    let handoff = &self.reactor.handoff;
    // Held until `Closed` is on the inbox (see `Handoff::queue`).
    let mut queue = handoff.lock();
    let (handed_off, released) = {
      let end = self.end.read().unwrap_or_else(|e| e.into_inner());
      let live = end.as_ref().filter(|_| self.live.swap(false, SeqCst));
      if let Some(fd) = live {
        let _ = self.reactor.poller.delete(fd.as_fd());
      }
      let handed_off = handoff.queue(
        &mut queue,
        self.id,
        live.map(|fd| fd.as_fd()),
        unsent,
        || self.reactor.start_release(),
      );
      let released = live.is_none_or(|fd| crate::sys::release_to_null(fd.as_fd()).is_ok());
      (handed_off, released)
    };
    if !released {
      // No descriptor left for /dev/null: close the number itself, waiting for the reactor.
      self.close();
    } else if let Ok(mut end) = self.end.try_write() {
      // Nobody is using the number (now on /dev/null): close it now rather than on the
      // reactor's next turn, so a caller counting descriptors finds it gone too.
      end.take();
    }
    self.reactor.send(Msg::Closed {
      id: self.id,
      handed_off,
    });
    // The reactor wakes the release thread when it takes `Closed`.
    drop(queue);
  }

  /// Whether `destroy` has begun: its `Closed` is on the way to the reactor.
  pub(super) fn is_destroyed(&self) -> bool {
    self.destroyed.load(SeqCst)
  }

  /// Closes the end's number (out of the poller first, which must not watch a closed
  /// descriptor), waiting for anyone using it. Idempotent.
  pub(super) fn close(&self) {
    self.outbox().close();
    self.live.store(false, SeqCst);
    let mut end = self.end.write().unwrap_or_else(|e| e.into_inner());
    if let Some(fd) = end.take() {
      let _ = self.reactor.poller.delete(fd.as_fd());
    }
    // `kill_session` signals nothing from now on: the session's pins can go.
    if let Some(child) = &self.child {
      child.members().clear();
    }
  }
}

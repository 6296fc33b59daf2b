//! One background thread for every terminal in the process.
//!
//! It waits (epoll/kqueue through `polling`) on each terminal's master and on each child's
//! exit source (a pidfd on Linux), and it alone reads and reaps. That single owner is what
//! gives the guarantees the binding relies on:
//! - output is handed to the terminal's sink in order, and the exit after the last byte the
//!   child wrote (the master reported EIO), or after a short grace when a background
//!   grandchild keeps the terminal open;
//! - writes never block the caller: what the (non-blocking) master does not take at once
//!   queues, and goes out in order as the master accepts it;
//! - a terminal whose consumer falls behind or is paused is simply not read, so the kernel
//!   stops the child.
//!
//! Where each part lives: [`terminal`] is the handle the binding holds (input, resize,
//! signals, destroy); [`entry`] the reactor's per-terminal state (output, exit); [`outbox`]
//! the queued input; [`child`] reaping and signalling; [`in_flight`] output back-pressure.

mod child;
mod entry;
mod handoff;
mod in_flight;
mod outbox;
mod terminal;

pub use in_flight::{InFlight, IN_FLIGHT_LIMIT};
pub use terminal::{StartError, Terminal};

use crate::error::{Result, Syscall};
use entry::Entry;
use handoff::Handoff;
use polling::{Events, Poller};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Most bytes read from one master in its turn while several masters are ready: each takes
/// its turn.
pub const CHUNK: usize = 64 * 1024;
/// Most bytes read in a turn when one master alone is ready (a flood): it is read for as long
/// as the kernel has output for it (mostly 4 KiB per read(2) on Linux), up to this, before the
/// reactor goes back to wait (and re-arm) in the poller.
pub const DEEP_READ: usize = 4 * CHUNK;
/// How long after the child is reaped the exit waits for EIO when something else (a
/// background grandchild) still holds the terminal open.
pub const EXIT_GRACE: Duration = Duration::from_millis(100);
/// How long after a run of at least [`STRAND_MIN`] bytes (ended by a master with nothing more
/// to give, or by the reactor's own stop: a buffer's worth, the in-flight limit) the reactor
/// looks at the master again: it reads, and restarts the kernel's work on output it may have
/// stranded if that read finds nothing (`platform::restart_stranded_output`, Linux). The
/// longest a stranded tail waits while its program runs on without writing, or while a
/// background job keeps the pty open. Shorter than [`EXIT_GRACE`], so that it comes before an
/// exit reported without end of file.
pub const RECHECK_AFTER: Duration = Duration::from_millis(10);
/// Bytes read since the master last had nothing to give, below which none can be stranded:
/// the kernel's worker stops only at a full 4 KiB read buffer, which the reader then emptied
/// (half of it here, for a margin).
const STRAND_MIN: usize = 2048;
/// waitpid polling interval for a child whose exit the kernel cannot report (no pidfd:
/// kernels before 5.3).
const WAITPID_POLL: Duration = Duration::from_millis(50);
/// The first waitpid retry for a child already exiting when its exit was to be watched; the
/// retries double up to [`WAITPID_POLL`].
const REAP_RETRY: Duration = Duration::from_millis(1);

/// Terminals since load whose exit was watched by polling waitpid instead of a kernel
/// notification (pidfd, kqueue).
static EXIT_POLLED: AtomicUsize = AtomicUsize::new(0);
/// Times since load a master was looked at again after a run of output (see
/// [`RECHECK_AFTER`]).
static QUIET_RECHECKS: AtomicUsize = AtomicUsize::new(0);
/// Times since load that output the kernel had held back was read (see
/// [`ReactorStats::output_recovered`]).
static OUTPUT_RECOVERED: AtomicUsize = AtomicUsize::new(0);

/// How the child ended, in node-pty's shape: a signalled child has `code` 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitStatus {
  pub code: i32,
  pub signal: i32,
}

/// What a terminal's sink receives: data chunks in order, then one exit; and, in between,
/// `Drain` whenever queued input has all been taken by the pty. The data is borrowed from the
/// reactor's read buffer: a sink copies what it keeps.
#[derive(Debug, PartialEq, Eq)]
pub enum Event<'a> {
  Data(&'a [u8]),
  Drain,
  Exit(ExitStatus),
}

/// Receives a terminal's events on the reactor thread; it must not block.
pub type Sink = Box<dyn for<'a> FnMut(Event<'a>) + Send>;

/// What the other threads tell the reactor.
enum Msg {
  /// A new terminal to watch, its descriptors already registered (see [`Reactor::add`]).
  Add(Box<Entry>),
  Pause(usize, bool),
  /// Something changed that the reactor cannot see in epoll: input was queued, or the
  /// consumer caught up.
  Wake(usize),
  /// `kill` signalled the child (before its reap): while it is paused or throttled, its
  /// output is read ahead so that it can finish exiting (see `Entry::holding`).
  Signalled(usize),
  /// `destroy` released the master; `handed_off` when the release thread drops it (and
  /// reports `Released` after this).
  Closed {
    id: usize,
    handed_off: bool,
  },
  /// The release thread dropped the master of a destroyed terminal: the pty is gone.
  Released(usize),
}

/// The process-wide reactor. Its thread lives as long as the process; it keeps nothing
/// alive on the JS side (the binding decides what holds the event loop).
pub struct Reactor {
  poller: Poller,
  handoff: Handoff,
  inbox: Mutex<Vec<Msg>>,
  next_id: AtomicUsize,
  tracked: AtomicUsize,
}

impl std::fmt::Debug for Reactor {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.debug_struct("Reactor")
      .field("tracked", &self.tracked)
      .finish()
  }
}

/// Counters describing the reactor, for diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReactorStats {
  /// Whether the reactor thread has been started.
  pub started: bool,
  /// Terminals the reactor still tracks (including destroyed ones whose child has not exited).
  pub tracked: usize,
  /// Terminals since load whose exit was watched by polling waitpid every 50 ms because the
  /// kernel could not report it (no pidfd, or a kqueue registration refused). A child that
  /// was already exiting when its exit was to be watched is reaped by a few quick retries
  /// instead, and is not counted.
  pub exit_polled: usize,
  /// Times a master was looked at again after a run of output long enough for the kernel to
  /// have stranded some of it (Linux; see [`RECHECK_AFTER`]).
  pub quiet_rechecks: usize,
  /// Times output the kernel had held back was read (Linux): after an EIO reported ahead of it
  /// (see `platform::EIO_MAY_PRECEDE_OUTPUT`), where it would have been lost, or after a
  /// restart of the kernel's work on a master gone quiet (see [`RECHECK_AFTER`]), where it
  /// would have waited for the program's next write. (Output the program wrote just as a quiet
  /// master was looked at is counted too, rarely: the two cannot be told apart.)
  pub output_recovered: usize,
}

pub fn stats() -> ReactorStats {
  match REACTOR.get() {
    Some(r) => ReactorStats {
      started: true,
      tracked: r.tracked.load(SeqCst),
      exit_polled: EXIT_POLLED.load(SeqCst),
      quiet_rechecks: QUIET_RECHECKS.load(SeqCst),
      output_recovered: OUTPUT_RECOVERED.load(SeqCst),
    },
    None => ReactorStats {
      started: false,
      tracked: 0,
      exit_polled: EXIT_POLLED.load(SeqCst),
      quiet_rechecks: QUIET_RECHECKS.load(SeqCst),
      output_recovered: OUTPUT_RECOVERED.load(SeqCst),
    },
  }
}

static REACTOR: OnceLock<&'static Reactor> = OnceLock::new();

impl Reactor {
  fn get() -> Result<&'static Reactor> {
    static INIT: Mutex<()> = Mutex::new(());
    if let Some(r) = REACTOR.get() {
      return Ok(r);
    }
    let _guard = INIT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(r) = REACTOR.get() {
      return Ok(r);
    }
    let reactor: &'static Reactor = Box::leak(Box::new(Reactor {
      poller: Poller::new().syscall("epoll_create1")?,
      handoff: Handoff::new(),
      inbox: Mutex::new(Vec::new()),
      next_id: AtomicUsize::new(1),
      tracked: AtomicUsize::new(0),
    }));
    std::thread::Builder::new()
      .name("node-pty-rs reactor".into())
      .spawn(move || reactor.run())
      .syscall("pthread_create")?;
    let _ = REACTOR.set(reactor);
    Ok(reactor)
  }

  /// Starts the reactor if needed, reserves a terminal id and builds the sink for it.
  pub(super) fn prepare<E>(
    sink: impl FnOnce(Arc<InFlight>) -> std::result::Result<Sink, E>,
  ) -> std::result::Result<(Arc<InFlight>, Sink), StartError<E>> {
    let reactor = Reactor::get()?;
    let in_flight = Arc::new(InFlight::new(reactor.next_id(), reactor));
    let sink = sink(in_flight.clone()).map_err(StartError::Sink)?;
    Ok((in_flight, sink))
  }

  /// Starts the thread that drops handed-off masters and frees unsent input; `false` when
  /// it cannot be started.
  fn start_release(&'static self) -> bool {
    let handoff = &self.handoff;
    std::thread::Builder::new()
      .name("node-pty-rs release".into())
      .spawn(move || handoff.run(|id| self.send(Msg::Released(id))))
      .is_ok()
  }

  fn next_id(&self) -> usize {
    self.next_id.fetch_add(1, SeqCst)
  }

  /// Hands a new terminal to the reactor without waking it. Its descriptors are registered
  /// here, on the caller's thread, while the inbox is locked: the reactor takes its inbox
  /// before it looks at the events its wait returned, so an event of this terminal always
  /// finds it there. Waking the reactor for nothing to do would cost the spawning thread a
  /// context switch while the child is still being started (one of three threads wanting two
  /// CPUs in the profile of spawn-to-exit, bench/PROFILE.md). Only a registration that did not
  /// arm everything wakes it, for `settle` to take over at once.
  fn add(&self, mut entry: Entry) {
    let mut inbox = self.inbox.lock().unwrap_or_else(|e| e.into_inner());
    let armed = entry.register(&self.poller);
    self.tracked.fetch_add(1, SeqCst);
    inbox.push(Msg::Add(Box::new(entry)));
    drop(inbox);
    if !armed {
      let _ = self.poller.notify();
    }
  }

  fn send(&self, msg: Msg) {
    self
      .inbox
      .lock()
      .unwrap_or_else(|e| e.into_inner())
      .push(msg);
    // Fails only if the eventfd/pipe is gone, which cannot happen while the poller lives.
    let _ = self.poller.notify();
  }

  fn run(&'static self) {
    let mut entries: HashMap<usize, Entry> = HashMap::new();
    // Terminals with a deadline: an exit grace period, or a child polled with waitpid.
    let mut timed: HashSet<usize> = HashSet::new();
    let mut events = Events::new();
    let mut buf = vec![0u8; DEEP_READ];
    let mut touched = Vec::new();
    loop {
      let timeout = timed
        .iter()
        .filter_map(|id| entries.get(id).and_then(Entry::deadline))
        .min()
        .map(|d| d.saturating_duration_since(Instant::now()));
      events.clear();
      if let Err(e) = self.poller.wait(&mut events, timeout) {
        if e.kind() != std::io::ErrorKind::Interrupted {
          std::thread::sleep(Duration::from_millis(10));
        }
        continue;
      }

      let inbox = std::mem::take(&mut *self.inbox.lock().unwrap_or_else(|e| e.into_inner()));
      for msg in inbox {
        match msg {
          Msg::Add(entry) => {
            let id = entry.id();
            entries.insert(id, *entry);
            touched.push(id);
          }
          Msg::Pause(id, paused) => {
            if let Some(e) = entries.get_mut(&id) {
              e.set_paused(paused);
              touched.push(id);
            }
          }
          Msg::Wake(id) => touched.push(id),
          Msg::Signalled(id) => {
            if let Some(e) = entries.get_mut(&id) {
              e.signalled();
              touched.push(id);
            }
          }
          Msg::Closed { id, handed_off } => {
            // destroy() leaves waking the release thread to this thread: a wake-up can cost
            // its caller the CPU, and destroy() already wakes this one.
            self.handoff.wake();
            if let Some(e) = entries.get_mut(&id) {
              e.closed(handed_off);
              touched.push(id);
            }
          }
          Msg::Released(id) => {
            if let Some(e) = entries.get_mut(&id) {
              e.released();
              touched.push(id);
            }
          }
        }
      }

      let ready = events
        .iter()
        .filter(|ev| ev.key & 1 == 0 && ev.readable)
        .count();
      let budget = if ready > 1 { CHUNK } else { DEEP_READ };
      for ev in events.iter() {
        let id = ev.key >> 1;
        let Some(e) = entries.get_mut(&id) else {
          continue;
        };
        if ev.key & 1 == 0 {
          e.master_fired();
          if ev.readable {
            e.read(&mut buf[..budget]);
          }
          if ev.writable {
            e.flush();
          }
        } else {
          e.child_fired();
        }
        touched.push(id);
      }

      let now = Instant::now();
      touched.extend(timed.iter().filter(|id| {
        entries
          .get(id)
          .and_then(Entry::deadline)
          .is_some_and(|d| d <= now)
      }));

      touched.sort_unstable();
      touched.dedup();
      for id in touched.drain(..) {
        let Some(e) = entries.get_mut(&id) else {
          continue;
        };
        if e.settle(&self.poller, now, &mut buf) {
          entries.remove(&id);
          timed.remove(&id);
          self.tracked.fetch_sub(1, SeqCst);
        } else if e.deadline().is_some() {
          timed.insert(id);
        } else {
          timed.remove(&id);
        }
      }
    }
  }
}

#[cfg(test)]
mod tests;

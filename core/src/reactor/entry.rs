//! The reactor thread's state for one terminal: reading its output, sending its queued input,
//! reaping its child, and deciding when its exit can be reported.

use super::child::Watch;
use super::in_flight::{InFlight, IN_FLIGHT_LIMIT};
use super::terminal::Terminal;
use super::{
  Event, ExitStatus, Sink, CHUNK, EXIT_GRACE, EXIT_POLLED, OUTPUT_RECOVERED, QUIET_RECHECKS,
  REAP_RETRY, RECHECK_AFTER, STRAND_MIN, WAITPID_POLL,
};
use crate::platform;
use nix::errno::Errno;
use polling::{Event as Interest, Poller};
use std::os::fd::{BorrowedFd, OwnedFd};
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Most bytes read ahead for a signalled child while its terminal is paused or throttled.
const HOLD_LIMIT: usize = IN_FLIGHT_LIMIT;

pub(super) struct Entry {
  term: Arc<Terminal>,
  /// The parent's slave copy, when kept (macOS): closed once the child is reaped and the
  /// master drained, so that closing it cannot discard output the child wrote.
  slave: Option<OwnedFd>,
  sink: Sink,
  paused: bool,
  /// Nothing more will be read: the master reported EIO, or was closed by `destroy`.
  eof: bool,
  /// `destroy` handed the master to the release thread, which has not dropped it yet: the
  /// exit waits, so that the pty is gone when it is reported.
  releasing: bool,
  /// `destroy`'s `Closed` has been taken. Until then a destroyed terminal's exit waits: its
  /// master may be on its way to the release thread.
  closed: bool,
  status: Option<ExitStatus>,
  exit_sent: bool,
  grace: Option<Instant>,
  /// When to call waitpid again for a child whose exit the poller is not watching.
  next_poll: Option<Instant>,
  /// Bytes read from the master, in all.
  bytes_read: u64,
  /// Bytes read since the master last had nothing to give.
  since_empty: usize,
  /// When to look at the master again, for output the kernel may have stranded (see
  /// [`RECHECK_AFTER`]).
  recheck_at: Option<Instant>,
  /// That look is reading: an EIO it meets may hide stranded output.
  looking: bool,
  /// Times output the kernel had held back was read on this master (see [`confirm_eio`]).
  recovered: u64,
  /// The next quick waitpid retry's delay, for a child already exiting when watched.
  reap_retry: Duration,
  /// Counted once in `EXIT_POLLED`: this child's exit is watched by polling waitpid.
  polled: bool,
  /// `kill` signalled the child, which has not been reaped yet.
  signalled: bool,
  /// Output read while the terminal was paused or throttled, so that a signalled child
  /// could finish exiting; delivered, before anything else, once the terminal is read again.
  held: Vec<u8>,
  /// What the one-shot registration of the master waits for; `None` once it fired.
  master_armed: Option<(bool, bool)>,
  child_armed: bool,
}

impl Entry {
  pub(super) fn new(term: Arc<Terminal>, slave: Option<OwnedFd>, sink: Sink) -> Entry {
    Entry {
      term,
      slave,
      sink,
      paused: false,
      eof: false,
      releasing: false,
      closed: false,
      status: None,
      exit_sent: false,
      grace: None,
      next_poll: None,
      bytes_read: 0,
      since_empty: 0,
      recheck_at: None,
      looking: false,
      recovered: 0,
      reap_retry: REAP_RETRY,
      polled: false,
      signalled: false,
      held: Vec::new(),
      master_armed: None,
      child_armed: false,
    }
  }

  pub(super) fn id(&self) -> usize {
    self.term.id()
  }

  fn in_flight(&self) -> &InFlight {
    self.term.in_flight()
  }

  /// Registers the master and the child's exit source; `true` when both are armed (nothing
  /// for `settle` to do until one fires). Called before the terminal is handed to anyone
  /// (`Terminal::attach`), so nothing can have released its master yet.
  pub(super) fn register(&mut self, poller: &Poller) -> bool {
    let key = self.id() << 1;
    let added = self
      .term
      .with_end(|fd| crate::sys::poller_add(poller, fd, Interest::readable(key)).is_ok());
    if added == Some(true) {
      self.master_armed = Some((true, false));
    } else {
      // Never readable (ENOMEM, for a fresh descriptor): nothing can be read.
      self.eof = true;
    }
    if let Some(child) = &self.term.child {
      // Anything but armed is handled by `settle`, which the caller then asks for at once.
      self.child_armed = child.watch(poller, key | 1, true) == Watch::Armed;
    }
    self.master_armed.is_some() && (self.child_armed || self.term.child.is_none())
  }

  pub(super) fn set_paused(&mut self, paused: bool) {
    self.paused = paused;
  }

  /// The master's event fired: it is no longer armed.
  pub(super) fn master_fired(&mut self) {
    self.master_armed = None;
  }

  /// `kill` signalled the child: see [`Entry::holding`].
  pub(super) fn signalled(&mut self) {
    if self.status.is_none() {
      self.signalled = true;
    }
  }

  /// The child's exit source fired: it is no longer armed.
  pub(super) fn child_fired(&mut self) {
    self.child_armed = false;
  }

  /// `destroy` released the master: nothing more to read, nor to keep the slave for; its
  /// number, now on /dev/null, can close. The child gets its SIGHUP here, off the caller's
  /// thread: a child woken by a signal can take the CPU from the thread that sent it.
  pub(super) fn closed(&mut self, handed_off: bool) {
    let _ = self.term.kill(nix::sys::signal::Signal::SIGHUP as i32);
    self.term.close();
    self.master_armed = None;
    self.close_slave();
    self.eof = true;
    self.recheck_at = None;
    // destroy() discards the output nobody read, this too.
    self.held = Vec::new();
    // Only `released` ends the wait for the release thread.
    self.releasing |= handed_off;
    self.closed = true;
  }

  fn close_slave(&mut self) {
    if self.slave.take().is_some() {
      self.term.slave_closed();
    }
  }

  /// The release thread dropped the master: the pty is gone.
  pub(super) fn released(&mut self) {
    self.releasing = false;
  }

  /// When this entry next needs attention without an event.
  pub(super) fn deadline(&self) -> Option<Instant> {
    [self.grace, self.next_poll, self.recheck_at]
      .into_iter()
      .flatten()
      .min()
  }

  /// The master had nothing more to give: after a run of output long enough for the kernel
  /// to have stranded some of it, it is looked at again once quiet (see [`RECHECK_AFTER`]).
  ///
  /// Only such a run can strand output: the kernel's worker stops on a full read buffer,
  /// which the reads must then have emptied; and the read that finds the master empty waits
  /// for a worker still running, so a worker that stopped in an earlier run did so before
  /// that run ended. A shorter run that read anything shows the worker running again (what it
  /// had stranded came first); one that read nothing shows nothing, and changes nothing.
  fn went_quiet(&mut self) {
    let run = std::mem::take(&mut self.since_empty);
    if run >= STRAND_MIN {
      self.recheck_at = platform::STRANDS_OUTPUT.then(|| Instant::now() + RECHECK_AFTER);
    } else if run > 0 {
      self.recheck_at = None;
    }
  }

  /// The reads stopped before the master was found empty (a buffer's worth, the in-flight
  /// limit): should the last of them have left output stranded, no readiness would report it,
  /// so after a long enough run a look is due.
  fn stopped_mid_run(&mut self) {
    if platform::STRANDS_OUTPUT && self.since_empty >= STRAND_MIN && self.recheck_at.is_none() {
      self.recheck_at = Some(Instant::now() + RECHECK_AFTER);
    }
  }

  /// Looks again at a master after a run of output (see [`RECHECK_AFTER`]): a read first,
  /// which also waits for the kernel's worker should it merely be late; if that finds
  /// nothing, a restart of the worker (`platform::restart_stranded_output`), and a read of
  /// what that brings. While paused or throttled the reads do nothing, and the restarted
  /// worker's output is reported by the master's readiness once reading resumes.
  fn recheck(&mut self, buf: &mut [u8]) {
    self.recheck_at = None;
    if self.eof {
      return;
    }
    QUIET_RECHECKS.fetch_add(1, SeqCst);
    self.looking = true;
    let before = self.bytes_read;
    self.read(buf);
    if self.bytes_read == before
      && !self.eof
      && self.term.with_end(platform::restart_stranded_output) == Some(true)
    {
      // (Output that came after an EIO in this read is counted there.)
      let recovered = self.recovered;
      self.read(buf);
      if self.bytes_read > before && self.recovered == recovered {
        self.note_recovered();
      }
    }
    self.looking = false;
  }

  fn note_recovered(&mut self) {
    self.recovered += 1;
    OUTPUT_RECOVERED.fetch_add(1, SeqCst);
  }

  fn reading(&self) -> bool {
    !self.eof && self.consuming()
  }

  /// Whether output handed to the sink is wanted now: not paused, not throttled.
  fn consuming(&self) -> bool {
    !self.paused && !self.in_flight().throttled()
  }

  /// Whether the master is read although nobody consumes: the child was signalled and has not
  /// been reaped while its terminal is paused or throttled. macOS's `proc_exit` keeps an
  /// exiting session leader in `ttywait` until the master has read what it wrote (XNU
  /// bsd/kern/kern_exit.c, tty.c): unread, a killed program could not finish exiting, nor be
  /// reaped, until `resume()`. What is read is held for the consumer, in order, up to
  /// [`HOLD_LIMIT`] bytes (a program that signals do not end cannot use this to escape the
  /// pause without bound). Linux does not wait so; the rule is the same there.
  fn holding(&self) -> bool {
    self.signalled
      && self.status.is_none()
      && !self.eof
      && !self.reading()
      && self.held.len() < HOLD_LIMIT
  }

  /// Hands the held output to the sink once the terminal is read again; `true` when none is
  /// left held.
  fn deliver_held(&mut self) -> bool {
    if self.held.is_empty() {
      return true;
    }
    if !self.consuming() {
      return false;
    }
    let held = std::mem::take(&mut self.held);
    for chunk in held.chunks(CHUNK) {
      self.in_flight().charge(chunk.len());
      (self.sink)(Event::Data(chunk));
    }
    true
  }

  /// Reads up to one buffer's worth, handing each read's bytes to the sink as it comes (or,
  /// see [`Entry::holding`], holding them). `true` when the master had no more to give (would
  /// block, or end of file); `false` when it is not read now (paused, throttled), or the
  /// buffer's worth was read, the in-flight limit was reached, or `destroy` released the master.
  ///
  /// Each read is handed over at once rather than after the whole buffer, as the Node floor
  /// does: 16-19% more MB/s in a flood on this project's 2-CPU VM, most of it from waking the
  /// consumer's thread per read (bench/PROFILE.md). A sink that is still busy merges what it
  /// is handed, so a loaded consumer still gets fewer, larger chunks.
  pub(super) fn read(&mut self, buf: &mut [u8]) -> bool {
    let holding = self.holding();
    // Held output goes first: nothing read later may overtake it.
    if !holding && (!self.deliver_held() || !self.reading()) {
      return false;
    }
    // Whatever the buffer, the reads of one call pass the in-flight limit by less than one CHUNK.
    let room = IN_FLIGHT_LIMIT
      .saturating_sub(self.in_flight().bytes())
      .max(CHUNK)
      .min(buf.len());
    let mut filled = 0;
    while filled < room {
      let part = &mut buf[filled..room];
      // Only after a long enough run can the kernel have stranded output (see `went_quiet`);
      // restarting its work at a second EIO costs the wait for a kernel thread, which a
      // program that wrote little (an exit-only spawn) does not pay.
      let suspect = self.looking || self.recheck_at.is_some() || self.since_empty >= STRAND_MIN;
      let n = match self
        .term
        .with_end(|master| read_master(master, part, suspect))
      {
        Some((Ok(n), recovered)) if n > 0 => {
          if recovered {
            self.note_recovered();
          }
          n
        }
        Some((Err(Errno::EAGAIN), _)) => {
          self.went_quiet();
          return true;
        }
        // 0 or EIO: every slave descriptor is closed and everything buffered has been read.
        Some(_) => {
          // (A number `destroy` has just released reads /dev/null's end of file; its end
          // comes with its `Closed`, which waits for the pty to be gone.)
          if self.term.is_live() {
            self.eof = true;
            self.recheck_at = None;
          }
          return true;
        }
        // A master released by `destroy` gives nothing.
        None => return false,
      };
      let bytes = &buf[filled..filled + n];
      filled += n;
      self.bytes_read += n as u64;
      self.since_empty += n;
      if holding {
        self.held.extend_from_slice(bytes);
      } else {
        self.in_flight().charge(n);
        (self.sink)(Event::Data(bytes));
        // Past the limit: the rest waits for the consumer.
        if self.in_flight().throttled() {
          self.stopped_mid_run();
          return false;
        }
      }
    }
    self.stopped_mid_run();
    false
  }

  /// Sends what is queued as far as the master takes it; the sink hears when the queue, which
  /// was not empty, has been emptied.
  pub(super) fn flush(&mut self) {
    let mut out = self.term.outbox();
    if out.is_empty() {
      return;
    }
    self.term.with_end(|fd| out.flush(fd));
    // A queue emptied because nobody can read any more is not drained: writes are dropped.
    let drained = out.is_empty() && !out.is_closed();
    drop(out);
    if drained {
      (self.sink)(Event::Drain);
    }
  }

  /// Brings the entry up to date after anything happened to it; `true` when it is done.
  pub(super) fn settle(&mut self, poller: &Poller, now: Instant, buf: &mut [u8]) -> bool {
    if self.recheck_at.is_some_and(|at| at <= now) {
      self.recheck(buf);
    }
    let key = self.id() << 1 | 1;
    match &self.term.child {
      Some(child) if self.status.is_none() && !self.child_armed => {
        // A pty past its end of file closes with the exit, and `killSession` with it: only a
        // pty that may outlive the program needs its session pinned.
        if !self.eof {
          child.pin_session_if_exited();
        }
        self.status = child.try_reap(poller);
        self.next_poll = None;
        if self.status.is_none() {
          match child.watch(poller, key, false) {
            Watch::Armed => self.child_armed = true,
            Watch::Exiting => {
              self.next_poll = Some(now + self.reap_retry);
              self.reap_retry = (self.reap_retry * 2).min(WAITPID_POLL);
            }
            Watch::Unavailable => {
              if !std::mem::replace(&mut self.polled, true) {
                EXIT_POLLED.fetch_add(1, SeqCst);
              }
              self.next_poll = Some(now + WAITPID_POLL);
            }
          }
        } else {
          self.signalled = false;
        }
      }
      // An end without a process is over at end of file.
      None if self.eof => self.status = Some(ExitStatus { code: 0, signal: 0 }),
      _ => {}
    }
    // The child is gone, so everything it wrote is queued on the master: once that has been
    // read, the kept slave copy can close without discarding anything, and the master then
    // reports end of file as on Linux.
    if self.status.is_some() && self.slave.is_some() && self.read(buf) {
      self.close_slave();
    }

    // A signalled child not reaped yet, on a terminal nobody reads: read ahead for it.
    if self.holding() {
      self.read(buf);
    }

    let held = self.deliver_held();
    let settled = !self.releasing && (self.closed || !self.term.is_destroyed());
    if let Some(status) = self.status.filter(|_| held && !self.exit_sent && settled) {
      let deliver = if self.eof {
        true
      } else if self.reading() && !self.term.with_end(crate::pty::peer_closed).unwrap_or(false) {
        // The clock only runs while the master is being read, so a paused or throttled
        // terminal never reports exit ahead of output the child wrote; and only while another
        // process (a background job) still holds the slave: with none, end of file follows
        // the output however long the kernel takes to flush it (a starved flush worker once
        // took longer than the grace, and the exit overtook the last 6 KiB).
        *self.grace.get_or_insert(now + EXIT_GRACE) <= now
      } else {
        self.grace = None;
        false
      };
      if deliver {
        self.exit_sent = true;
        self.grace = None;
        if self.eof {
          // Nothing more can be read or written: the master closes before the exit is
          // reported, so a consumer that checks its descriptors on exit finds none.
          self.term.close();
        }
        (self.sink)(Event::Exit(status));
      }
    }
    if self.exit_sent && self.eof {
      self.term.close();
      return true;
    }

    let want = (
      self.reading() || self.holding(),
      !self.term.outbox().is_empty(),
    );
    if want != (false, false) && self.master_armed != Some(want) {
      let interest = Interest::new(self.id() << 1, want.0, want.1);
      if self.term.with_end(|fd| poller.modify(fd, interest).is_ok()) == Some(true) {
        self.master_armed = Some(want);
      }
    }
    false
  }
}

/// read(2) of a master, retried on EINTR, with an EIO made sure of (see [`confirm_eio`]).
fn read_master(
  master: BorrowedFd<'_>,
  buf: &mut [u8],
  suspect: bool,
) -> (nix::Result<usize>, bool) {
  let read = || loop {
    match nix::unistd::read(master, buf) {
      Err(Errno::EINTR) => continue,
      result => break result,
    }
  };
  confirm_eio(read, || platform::restart_stranded_output(master), suspect)
}

/// What `read` gave, except that an EIO is not taken for the end at once where the kernel can
/// report it ahead of output (`platform::EIO_MAY_PRECEDE_OUTPUT`): the master is read once more,
/// which returns that output or EIO again. When output may also have been stranded
/// (`suspect`), an EIO that stands is followed by a restart of the kernel's work on the master
/// (`restart`, see `platform::restart_stranded_output`) and a last read. With the result,
/// whether it is output that came after an EIO.
pub(super) fn confirm_eio(
  mut read: impl FnMut() -> nix::Result<usize>,
  restart: impl FnOnce() -> bool,
  suspect: bool,
) -> (nix::Result<usize>, bool) {
  let first = read();
  if first != Err(Errno::EIO) {
    return (first, false);
  }
  let mut again = if platform::EIO_MAY_PRECEDE_OUTPUT {
    read()
  } else {
    first
  };
  if again == Err(Errno::EIO) && suspect && restart() {
    again = read();
  }
  let recovered = matches!(again, Ok(n) if n > 0);
  (again, recovered)
}

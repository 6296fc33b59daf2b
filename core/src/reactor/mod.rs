//! One background thread for every terminal in the process.
//!
//! It waits (epoll/kqueue through `polling`) on each terminal's master and on each child's
//! exit source (a pidfd on Linux), and it alone reads, writes and reaps. That single owner is
//! what gives the guarantees the binding relies on:
//! - output is handed to the terminal's sink in order, and the exit after the last byte the
//!   child wrote (the master reported EIO), or after a short grace when a background
//!   grandchild keeps the terminal open;
//! - writes never block the caller: what the (non-blocking) master does not take at once
//!   queues, and goes out in order as the master accepts it;
//! - a terminal whose consumer falls behind (`IN_FLIGHT_LIMIT` bytes handed over but not yet
//!   consumed) or is paused is simply not read, so the kernel stops the child.

use crate::error::{Result, Syscall};
use crate::pty::{self, Size};
use crate::spawn::{Child, Spawned};
use crate::sys;
use nix::errno::Errno;
use nix::sys::signal::Signal;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use polling::{Event as Interest, Events, Poller};
use std::collections::{HashMap, HashSet, VecDeque};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Most bytes read from one master per wake-up, delivered as one chunk.
pub const CHUNK: usize = 64 * 1024;
/// Bytes handed to a sink and not yet reported consumed at which reading that master stops.
pub const IN_FLIGHT_LIMIT: usize = 1024 * 1024;
/// Reading resumes once the consumer is back under this.
const IN_FLIGHT_RESUME: usize = IN_FLIGHT_LIMIT / 2;
/// How long after the child is reaped the exit waits for EIO when something else (a
/// background grandchild) still holds the terminal open.
pub const EXIT_GRACE: Duration = Duration::from_millis(100);
/// waitpid polling interval for a child without a pidfd (kernels before 5.3).
const WAITPID_POLL: Duration = Duration::from_millis(50);

/// How the child ended, in node-pty's shape: a signalled child has `code` 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitStatus {
  pub code: i32,
  pub signal: i32,
}

/// What a terminal's sink receives, in order: data chunks, then one exit. The data is
/// borrowed from the reactor's read buffer: a sink copies what it keeps.
#[derive(Debug, PartialEq, Eq)]
pub enum Event<'a> {
  Data(&'a [u8]),
  Exit(ExitStatus),
}

/// Receives a terminal's events on the reactor thread; it must not block.
pub type Sink = Box<dyn for<'a> FnMut(Event<'a>) + Send>;

/// The accounting of bytes handed to a sink but not yet consumed. The binding reports
/// consumption from the thread that consumes (the JS thread).
#[derive(Debug)]
pub struct Flow {
  id: usize,
  in_flight: AtomicUsize,
  throttled: AtomicBool,
  reactor: &'static Reactor,
}

impl Flow {
  /// Reports `n` bytes of delivered data as consumed; reading resumes once enough are.
  pub fn consumed(&self, n: usize) {
    let left = self.in_flight.fetch_sub(n, SeqCst) - n;
    if left <= IN_FLIGHT_RESUME && self.throttled.swap(false, SeqCst) {
      self.reactor.send(Command::Wake(self.id));
    }
  }

  pub fn in_flight(&self) -> usize {
    self.in_flight.load(SeqCst)
  }

  fn charge(&self, n: usize) {
    if self.in_flight.fetch_add(n, SeqCst) + n >= IN_FLIGHT_LIMIT {
      self.throttled.store(true, SeqCst);
      // The consumer may have caught up between the add and the store without seeing the
      // flag; whoever clears it first owns the wake-up.
      if self.in_flight.load(SeqCst) <= IN_FLIGHT_RESUME {
        self.throttled.store(false, SeqCst);
      }
    }
  }

  fn throttled(&self) -> bool {
    self.throttled.load(SeqCst)
  }
}

/// The child of a terminal: signalled through its pidfd where there is one, so a signal can
/// never reach a recycled pid; never signalled once reaped.
#[derive(Debug)]
struct ChildProc {
  pid: Pid,
  /// Closed as soon as the child is reaped: by the time its exit is reported, nothing of it
  /// is left open.
  pidfd: Mutex<Option<OwnedFd>>,
  reaped: AtomicBool,
}

impl ChildProc {
  fn signal(&self, signal: i32) -> Result<()> {
    if self.reaped.load(SeqCst) {
      return Ok(());
    }
    let pidfd = self.pidfd.lock().unwrap_or_else(|e| e.into_inner());
    let sent = match &*pidfd {
      #[cfg(target_os = "linux")]
      Some(fd) => sys::pidfd_send_signal(fd.as_fd(), signal),
      _ => Signal::try_from(signal).and_then(|s| nix::sys::signal::kill(self.pid, s)),
    };
    match sent {
      Err(Errno::ESRCH) => Ok(()), // exited, not yet reaped
      other => other.syscall("kill"),
    }
  }

  /// Arms `poller` to report this child's exit under `key`, once: its pidfd on Linux, a
  /// kqueue process filter on macOS. `false` when that is not possible (no pidfd, or the
  /// child already gone from kqueue's view): the reactor then polls waitpid.
  fn watch(&self, poller: &Poller, key: usize, first: bool) -> bool {
    #[cfg(target_os = "linux")]
    {
      let pidfd = self.pidfd.lock().unwrap_or_else(|e| e.into_inner());
      let Some(pidfd) = &*pidfd else {
        return false;
      };
      let interest = Interest::readable(key);
      if first {
        sys::poller_add(poller, pidfd.as_fd(), interest).is_ok()
      } else {
        poller.modify(pidfd.as_fd(), interest).is_ok()
      }
    }
    #[cfg(target_os = "macos")]
    {
      let _ = first; // kqueue's add and modify are the same call
      sys::watch_process_exit(poller, self.pid, key).is_ok()
    }
  }

  /// Stops watching for the exit and closes the pidfd: called once the child is reaped.
  fn unwatch(&self, poller: &Poller) {
    #[cfg(target_os = "linux")]
    if let Some(pidfd) = self.pidfd.lock().unwrap_or_else(|e| e.into_inner()).take() {
      let _ = poller.delete(pidfd.as_fd());
    }
    #[cfg(target_os = "macos")]
    sys::unwatch_process_exit(poller, self.pid);
  }

  /// Collects the exit status if the child has exited.
  fn try_reap(&self) -> Option<ExitStatus> {
    // Set first: a signal racing with the reap must not go to a pid that is about to be freed.
    self.reaped.store(true, SeqCst);
    match waitpid(self.pid, Some(WaitPidFlag::WNOHANG)) {
      Ok(WaitStatus::Exited(_, code)) => Some(ExitStatus { code, signal: 0 }),
      Ok(WaitStatus::Signaled(_, sig, _)) => Some(ExitStatus {
        code: 0,
        signal: sig as i32,
      }),
      Err(Errno::EINTR) | Ok(_) => {
        self.reaped.store(false, SeqCst);
        None
      }
      // Someone else in the process reaped it (SIGCHLD set to SIG_IGN, a waitpid(-1)):
      // it is gone and its status is lost.
      Err(_) => Some(ExitStatus {
        code: -1,
        signal: 0,
      }),
    }
  }
}

/// Bytes on their way to the child, shared by the writing thread and the reactor. A write
/// that finds nothing queued goes straight to the master, which is non-blocking, so a
/// keystroke needs no hop to the reactor; what the master does not take waits here, in order,
/// for the reactor to send when the master is writable.
#[derive(Debug, Default)]
struct Outbox {
  queue: VecDeque<Vec<u8>>,
  /// Bytes of `queue.front()` already written.
  written: usize,
  /// Nobody can read any more (the master reported EIO, or was closed): writes are dropped.
  closed: bool,
}

impl Outbox {
  /// Writes from the front until the master would block; `true` when bytes are left.
  fn flush(&mut self, master: std::os::fd::BorrowedFd<'_>) -> bool {
    while let Some(front) = self.queue.front() {
      match nix::unistd::write(master, &front[self.written..]) {
        Ok(n) => {
          self.written += n;
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

  fn close(&mut self) {
    self.queue.clear();
    self.written = 0;
    self.closed = true;
  }
}

/// What the binding holds for one terminal: a master with its child, or one end of a pair
/// opened without a process (`open()`), whose "exit" is its end of file.
#[derive(Debug)]
pub struct Terminal {
  id: usize,
  master: OwnedFd,
  pts_name: String,
  child: Option<Arc<ChildProc>>,
  outbox: Mutex<Outbox>,
  flow: Arc<Flow>,
  reactor: &'static Reactor,
}

impl Terminal {
  /// Hands a spawned terminal to the reactor. `sink` gets its events; `flow` must be the one
  /// from [`new_flow`], whose `consumed` the sink's consumer calls.
  pub fn start(spawned: Spawned, flow: Arc<Flow>, sink: Sink) -> Arc<Terminal> {
    let Spawned {
      master,
      pts_name,
      child: Child { pid, pidfd },
      slave,
    } = spawned;
    let child = ChildProc {
      pid,
      pidfd: Mutex::new(pidfd),
      reaped: AtomicBool::new(false),
    };
    Self::attach(master, pts_name, Some(Arc::new(child)), slave, flow, sink)
  }

  /// Hands one end of a pty opened without a process (`open()`'s master or slave) to the
  /// reactor: it is read and written like a terminal's master, and its sink gets an exit with
  /// code 0 at end of file.
  pub fn start_endpoint(
    fd: OwnedFd,
    pts_name: String,
    flow: Arc<Flow>,
    sink: Sink,
  ) -> Result<Arc<Terminal>> {
    use nix::fcntl::{fcntl, FcntlArg, OFlag};
    let flags = OFlag::from_bits_truncate(fcntl(&fd, FcntlArg::F_GETFL).syscall("fcntl")?);
    fcntl(&fd, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK)).syscall("fcntl")?;
    Ok(Self::attach(fd, pts_name, None, None, flow, sink))
  }

  fn attach(
    master: OwnedFd,
    pts_name: String,
    child: Option<Arc<ChildProc>>,
    slave: Option<OwnedFd>,
    flow: Arc<Flow>,
    sink: Sink,
  ) -> Arc<Terminal> {
    let term = Arc::new(Terminal {
      id: flow.id,
      master,
      pts_name,
      child,
      outbox: Mutex::new(Outbox::default()),
      flow: flow.clone(),
      reactor: flow.reactor,
    });
    let entry = Entry::new(term.clone(), slave, sink);
    term.reactor.send(Command::Add(Box::new(entry)));
    term
  }

  /// Unique for the life of the process.
  pub fn id(&self) -> usize {
    self.id
  }

  /// The child's pid; `None` for an end of a pair without a process.
  pub fn pid(&self) -> Option<i32> {
    self.child.as_ref().map(|c| c.pid.as_raw())
  }

  pub fn pts_name(&self) -> &str {
    &self.pts_name
  }

  /// The child's pidfd number, for diagnostics.
  pub fn pidfd(&self) -> Option<RawFd> {
    let child = self.child.as_ref()?;
    let pidfd = child.pidfd.lock().unwrap_or_else(|e| e.into_inner());
    pidfd.as_ref().map(|fd| fd.as_raw_fd())
  }

  /// The master's descriptor number, for display and for callers that poll it themselves.
  /// It stays owned here: closing it would break the terminal.
  pub fn master_fd(&self) -> RawFd {
    self.master.as_raw_fd()
  }

  pub fn flow(&self) -> &Flow {
    &self.flow
  }

  /// Sends `data` to the child, in order with everything written before: at once as far as
  /// the master takes it, the rest by the reactor as the master accepts it. Never blocks.
  pub fn write(&self, data: Vec<u8>) {
    let mut out = self.outbox();
    if data.is_empty() || out.closed {
      return;
    }
    let was_empty = out.queue.is_empty();
    out.queue.push_back(data);
    // With bytes already queued the reactor is waiting for the master to be writable and
    // will send these after them.
    if was_empty && out.flush(self.master.as_fd()) {
      drop(out);
      self.reactor.send(Command::Wake(self.id));
    }
  }

  fn outbox(&self) -> std::sync::MutexGuard<'_, Outbox> {
    self.outbox.lock().unwrap_or_else(|e| e.into_inner())
  }

  /// Stops (`true`) or restarts reading; while stopped the child blocks once the kernel's
  /// buffer is full.
  pub fn set_paused(&self, paused: bool) {
    self.reactor.send(Command::Pause(self.id, paused));
  }

  pub fn resize(&self, size: Size) -> Result<()> {
    pty::set_size(self.master.as_fd(), size)
  }

  pub fn kill(&self, signal: i32) -> Result<()> {
    self.child.as_ref().map_or(Ok(()), |c| c.signal(signal))
  }

  pub fn foreground_process(&self) -> Option<String> {
    pty::foreground_process(self.master.as_fd())
  }

  /// Stops reading and writing, closes the master before returning (when the caller holds
  /// the last other reference, as the binding does) and sends the child SIGHUP, as
  /// node-pty's `destroy()` does. The child is still reaped and its exit still reported.
  pub fn destroy(self: Arc<Self>) {
    let (done, wait) = sync_channel(1);
    self.reactor.send(Command::Destroy(self.id, done));
    // The reactor answers within one loop turn; it never blocks on anything but epoll.
    let _ = wait.recv();
    let child = self.child.clone();
    drop(self);
    if let Some(child) = child {
      let _ = child.signal(Signal::SIGHUP as i32);
    }
  }
}

/// Starts the accounting for a terminal about to be spawned, so that its sink can report
/// consumption from the first byte on. Starts the reactor thread on first use.
pub fn new_flow() -> Result<Arc<Flow>> {
  let reactor = Reactor::get()?;
  Ok(Arc::new(Flow {
    id: reactor.next_id.fetch_add(1, SeqCst),
    in_flight: AtomicUsize::new(0),
    throttled: AtomicBool::new(false),
    reactor,
  }))
}

enum Command {
  Add(Box<Entry>),
  Pause(usize, bool),
  Wake(usize),
  Destroy(usize, SyncSender<()>),
}

/// The process-wide reactor. Its thread lives as long as the process; it keeps nothing
/// alive on the JS side (the binding decides what holds the event loop).
pub struct Reactor {
  poller: Poller,
  commands: Mutex<Vec<Command>>,
  next_id: AtomicUsize,
  live: AtomicUsize,
}

impl std::fmt::Debug for Reactor {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.debug_struct("Reactor").field("live", &self.live).finish()
  }
}

/// Counters describing the reactor, for diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReactorStats {
  /// Whether the reactor thread has been started.
  pub started: bool,
  /// Terminals the reactor still tracks (including destroyed ones whose child has not exited).
  pub live: usize,
}

pub fn stats() -> ReactorStats {
  match REACTOR.get() {
    Some(r) => ReactorStats {
      started: true,
      live: r.live.load(SeqCst),
    },
    None => ReactorStats {
      started: false,
      live: 0,
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
      commands: Mutex::new(Vec::new()),
      next_id: AtomicUsize::new(1),
      live: AtomicUsize::new(0),
    }));
    std::thread::Builder::new()
      .name("node-pty-rs reactor".into())
      .spawn(move || reactor.run())
      .syscall("pthread_create")?;
    let _ = REACTOR.set(reactor);
    Ok(reactor)
  }

  fn send(&self, command: Command) {
    self
      .commands
      .lock()
      .unwrap_or_else(|e| e.into_inner())
      .push(command);
    // Fails only if the eventfd/pipe is gone, which cannot happen while the poller lives.
    let _ = self.poller.notify();
  }

  fn run(&'static self) {
    let mut entries: HashMap<usize, Entry> = HashMap::new();
    // Terminals with a deadline: an exit grace period, or a child polled with waitpid.
    let mut timed: HashSet<usize> = HashSet::new();
    let mut events = Events::new();
    let mut buf = vec![0u8; CHUNK];
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

      let commands = std::mem::take(&mut *self.commands.lock().unwrap_or_else(|e| e.into_inner()));
      for command in commands {
        match command {
          Command::Add(entry) => {
            let mut entry = *entry;
            let id = entry.id();
            entry.register(&self.poller);
            entries.insert(id, entry);
            self.live.fetch_add(1, SeqCst);
            touched.push(id);
          }
          Command::Pause(id, paused) => {
            if let Some(e) = entries.get_mut(&id) {
              e.paused = paused;
              touched.push(id);
            }
          }
          Command::Wake(id) => touched.push(id),
          Command::Destroy(id, done) => {
            if let Some(e) = entries.get_mut(&id) {
              e.close_master(&self.poller);
              touched.push(id);
            }
            let _ = done.send(());
          }
        }
      }

      for ev in events.iter() {
        let id = ev.key >> 1;
        let Some(e) = entries.get_mut(&id) else {
          continue;
        };
        if ev.key & 1 == 0 {
          e.master_armed = None;
          if ev.readable {
            e.read(&mut buf);
          }
          if ev.writable {
            e.flush();
          }
        } else {
          e.child_armed = false;
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
          if let Some(e) = entries.remove(&id) {
            e.finish(&self.poller);
          }
          timed.remove(&id);
          self.live.fetch_sub(1, SeqCst);
        } else if e.deadline().is_some() {
          timed.insert(id);
        } else {
          timed.remove(&id);
        }
      }
    }
  }
}

/// The reactor thread's state for one terminal.
struct Entry {
  /// `None` once destroyed: the master is closed, only the child's exit remains to report.
  term: Option<Arc<Terminal>>,
  /// The parent's slave copy, when kept (macOS): closed once the child is reaped and the
  /// master drained, so that closing it cannot discard output the child wrote.
  slave: Option<OwnedFd>,
  child: Option<Arc<ChildProc>>,
  flow: Arc<Flow>,
  sink: Sink,
  paused: bool,
  /// The master reported EIO (or was closed by `destroy`): nothing more will be read.
  eof: bool,
  status: Option<ExitStatus>,
  exit_sent: bool,
  grace: Option<Instant>,
  /// When to call waitpid again for a child without a pidfd.
  next_poll: Option<Instant>,
  /// What the one-shot registration of the master waits for; `None` once it fired.
  master_armed: Option<(bool, bool)>,
  child_armed: bool,
}

impl Entry {
  fn new(term: Arc<Terminal>, slave: Option<OwnedFd>, sink: Sink) -> Entry {
    Entry {
      slave,
      child: term.child.clone(),
      flow: term.flow.clone(),
      term: Some(term),
      sink,
      paused: false,
      eof: false,
      status: None,
      exit_sent: false,
      grace: None,
      next_poll: None,
      master_armed: None,
      child_armed: false,
    }
  }

  fn id(&self) -> usize {
    self.flow.id
  }

  fn register(&mut self, poller: &Poller) {
    let id = self.id();
    if let Some(term) = &self.term {
      if sys::poller_add(poller, term.master.as_fd(), Interest::readable(id << 1)).is_ok() {
        self.master_armed = Some((true, false));
      } else {
        // Cannot happen for a fresh descriptor short of ENOMEM; without it the terminal
        // could never be read, so treat it as hung up rather than wait forever.
        self.eof = true;
      }
    }
    if let Some(child) = &self.child {
      self.child_armed = child.watch(poller, id << 1 | 1, true);
    }
  }

  /// When this entry next needs attention without an event.
  fn deadline(&self) -> Option<Instant> {
    match (self.grace, self.next_poll) {
      (Some(a), Some(b)) => Some(a.min(b)),
      (a, b) => a.or(b),
    }
  }

  fn reading(&self) -> bool {
    self.term.is_some() && !self.eof && !self.paused && !self.flow.throttled()
  }

  /// Reads up to one buffer's worth and hands it to the sink. `true` when the master had no
  /// more to give (would block, or end of file).
  fn read(&mut self, buf: &mut [u8]) -> bool {
    if !self.reading() {
      return false;
    }
    let Some(term) = &self.term else {
      return false;
    };
    let mut drained = false;
    let mut filled = 0;
    while filled < buf.len() {
      match nix::unistd::read(&term.master, &mut buf[filled..]) {
        Ok(0) => {
          self.eof = true;
          drained = true;
          break;
        }
        Ok(n) => filled += n,
        Err(Errno::EAGAIN) => {
          drained = true;
          break;
        }
        Err(Errno::EINTR) => continue,
        // EIO: every slave descriptor is closed and everything buffered has been read.
        Err(_) => {
          self.eof = true;
          drained = true;
          break;
        }
      }
    }
    if filled > 0 {
      self.flow.charge(filled);
      (self.sink)(Event::Data(&buf[..filled]));
    }
    drained
  }

  fn flush(&mut self) {
    if let Some(term) = &self.term {
      term.outbox().flush(term.master.as_fd());
    }
  }

  fn close_master(&mut self, poller: &Poller) {
    if let Some(term) = self.term.take() {
      term.outbox().close();
      let _ = poller.delete(term.master.as_fd());
    }
    self.master_armed = None;
    self.slave = None;
    self.eof = true;
  }

  /// Brings the entry up to date after anything happened to it; `true` when it is done.
  fn settle(&mut self, poller: &Poller, now: Instant, buf: &mut [u8]) -> bool {
    let id = self.id();
    match &self.child {
      Some(child) if self.status.is_none() && !self.child_armed => {
        self.status = child.try_reap();
        self.next_poll = None;
        if self.status.is_some() {
          child.unwatch(poller);
        } else {
          self.child_armed = child.watch(poller, id << 1 | 1, false);
          if !self.child_armed {
            self.next_poll = Some(now + WAITPID_POLL);
          }
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
      self.slave = None;
    }

    if let Some(status) = self.status.filter(|_| !self.exit_sent) {
      let deliver = if self.eof {
        true
      } else if self.reading() {
        // The clock only runs while the master is being read, so a paused or throttled
        // terminal never reports exit ahead of output the child wrote.
        *self.grace.get_or_insert(now + EXIT_GRACE) <= now
      } else {
        self.grace = None;
        false
      };
      if deliver {
        self.exit_sent = true;
        self.grace = None;
        if self.eof {
          // Nothing more can be read or written: let go of the master first, so that once the
          // consumer drops its own handle on seeing the exit, the descriptor is closed.
          self.close_master(poller);
        }
        (self.sink)(Event::Exit(status));
      }
    }
    if self.exit_sent && self.eof {
      return true;
    }

    if let Some(term) = &self.term {
      let want = (self.reading(), !term.outbox().queue.is_empty());
      if want != (false, false) && self.master_armed != Some(want) {
        let interest = Interest::new(id << 1, want.0, want.1);
        if poller.modify(term.master.as_fd(), interest).is_ok() {
          self.master_armed = Some(want);
        }
      }
    }
    false
  }

  fn finish(self, poller: &Poller) {
    if let Some(term) = &self.term {
      let _ = poller.delete(term.master.as_fd());
    }
    if let Some(child) = &self.child {
      child.unwatch(poller);
    }
  }
}

#[cfg(test)]
mod tests;

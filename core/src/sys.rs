//! The only module allowed `unsafe`: thin wrappers over the calls `nix` does not cover
//! (posix_spawn, the winsize ioctls, pidfd, registering a descriptor with the poller).
//! Each returns owned or borrowed descriptors, never a bare integer the caller must close.
#![allow(unsafe_code)]

use nix::errno::Errno;
use nix::pty::Winsize;
use nix::unistd::Pid;
use std::ffi::{c_char, c_int, CStr, CString};
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, BorrowedFd};
#[cfg(target_os = "linux")]
use std::os::fd::{FromRawFd, OwnedFd};
use std::ptr;
#[cfg(target_os = "linux")]
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::OnceLock;

nix::ioctl_write_ptr_bad!(ioctl_set_winsize, libc::TIOCSWINSZ, Winsize);
nix::ioctl_read_bad!(ioctl_get_winsize, libc::TIOCGWINSZ, Winsize);

/// `ioctl(TIOCSWINSZ)`: the kernel also sends SIGWINCH to the foreground process group.
pub fn set_winsize(fd: BorrowedFd<'_>, size: &Winsize) -> nix::Result<()> {
  // SAFETY: `fd` is a live descriptor for the borrow's duration and `size` points to a
  // valid `winsize` that the kernel only reads.
  unsafe { ioctl_set_winsize(fd.as_raw_fd(), size) }.map(drop)
}

/// `ioctl(TIOCGWINSZ)`.
pub fn get_winsize(fd: BorrowedFd<'_>) -> nix::Result<Winsize> {
  let mut size = MaybeUninit::<Winsize>::zeroed();
  // SAFETY: `fd` is live for the borrow; the kernel writes a whole `winsize` into `size`,
  // which is zero-initialised anyway, so reading it afterwards is sound.
  unsafe {
    ioctl_get_winsize(fd.as_raw_fd(), size.as_mut_ptr())?;
    Ok(size.assume_init())
  }
}

/// `pidfd_open(2)`: a descriptor that becomes readable when `pid` exits and that keeps
/// signals from reaching a recycled pid. Close-on-exec by definition.
#[cfg(target_os = "linux")]
pub fn pidfd_open(pid: Pid) -> nix::Result<OwnedFd> {
  // SAFETY: the syscall takes two integers and returns a new descriptor or -1.
  let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
  let fd = Errno::result(fd)? as c_int;
  // SAFETY: the kernel just returned `fd` as a new descriptor nobody else owns.
  Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `pidfd_send_signal(2)`.
#[cfg(target_os = "linux")]
pub fn pidfd_send_signal(pidfd: BorrowedFd<'_>, signal: c_int) -> nix::Result<()> {
  // SAFETY: a live descriptor, a signal number, a null siginfo (the kernel fills in the
  // sender) and no flags.
  let res = unsafe {
    libc::syscall(
      libc::SYS_pidfd_send_signal,
      pidfd.as_raw_fd(),
      signal,
      ptr::null::<libc::siginfo_t>(),
      0,
    )
  };
  Errno::result(res).map(drop)
}

/// Registers `fd` with `poller` in one-shot mode under `key`.
pub fn poller_add(
  poller: &polling::Poller,
  fd: BorrowedFd<'_>,
  interest: polling::Event,
) -> std::io::Result<()> {
  // SAFETY: `Poller::add` asks that the source be deleted before it is closed. The reactor
  // deletes every registration before dropping the descriptor; and on epoll and kqueue
  // (the only backends compiled here) a closed descriptor merely drops out of the set, so
  // even a missed delete cannot touch freed memory.
  unsafe { poller.add_with_mode(fd.as_raw_fd(), interest, polling::PollMode::Oneshot) }
}

/// What the child of a terminal is given by `spawn_on_tty`.
pub struct SpawnRequest<'a> {
  /// Absolute or cwd-relative path of the program (already looked up in PATH).
  pub program: &'a CStr,
  pub argv: &'a [CString],
  pub envp: &'a [CString],
  /// The terminal's slave path: opened as fds 0, 1 and 2 after `setsid`, which makes it
  /// the child's controlling terminal.
  pub tty: &'a CStr,
  pub cwd: &'a CStr,
}

/// The NULL-terminated array of pointers that exec-family calls take, pointing into
/// `strings` (which must outlive it). Built before any fork: the child must not allocate.
fn null_terminated(strings: &[CString]) -> Vec<*mut c_char> {
  strings
    .iter()
    .map(|s| s.as_ptr().cast_mut())
    .chain(std::iter::once(ptr::null_mut()))
    .collect()
}

type AddChdir = unsafe extern "C" fn(*mut libc::posix_spawn_file_actions_t, *const c_char) -> c_int;
#[cfg(target_os = "linux")]
type AddClosefrom = unsafe extern "C" fn(*mut libc::posix_spawn_file_actions_t, c_int) -> c_int;

/// Looks up an optional libc function at run time, once, so the addon still loads on a libc
/// that predates it (addchdir_np: glibc 2.29, macOS 10.15; addclosefrom_np: glibc 2.34).
fn optional_libc_fn(cache: &'static OnceLock<Option<usize>>, name: &CStr) -> Option<usize> {
  *cache.get_or_init(|| {
    // SAFETY: `name` is NUL-terminated; RTLD_DEFAULT searches the already-loaded objects and
    // dlsym has no other side effect.
    let sym = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    (!sym.is_null()).then_some(sym as usize)
  })
}

fn add_chdir_fn() -> Option<AddChdir> {
  static CACHE: OnceLock<Option<usize>> = OnceLock::new();
  let addr = optional_libc_fn(&CACHE, c"posix_spawn_file_actions_addchdir_np")?;
  // SAFETY: the symbol is libc's posix_spawn_file_actions_addchdir_np, whose C signature
  // is exactly `AddChdir`.
  Some(unsafe { std::mem::transmute::<usize, AddChdir>(addr) })
}

#[cfg(target_os = "linux")]
fn add_closefrom_fn() -> Option<AddClosefrom> {
  static CACHE: OnceLock<Option<usize>> = OnceLock::new();
  let addr = optional_libc_fn(&CACHE, c"posix_spawn_file_actions_addclosefrom_np")?;
  // SAFETY: the symbol is glibc's posix_spawn_file_actions_addclosefrom_np, whose C
  // signature is exactly `AddClosefrom`.
  Some(unsafe { std::mem::transmute::<usize, AddClosefrom>(addr) })
}

/// Whether `spawn_on_tty` can honour everything it promises with this libc: the cwd
/// (addchdir_np) and, on Linux, closing the host's descriptors that are not close-on-exec
/// (addclosefrom_np; macOS has POSIX_SPAWN_CLOEXEC_DEFAULT). Where it cannot (glibc < 2.34:
/// RHEL 8, Debian 11, Ubuntu 20.04), the caller takes `fork_on_tty`. (macOS has addchdir_np
/// from 10.15, the oldest macOS any supported Node runs on.)
pub fn posix_spawn_is_complete() -> bool {
  #[cfg(target_os = "linux")]
  let closefrom = add_closefrom_fn().is_some();
  #[cfg(not(target_os = "linux"))]
  let closefrom = true;
  add_chdir_fn().is_some() && closefrom
}

/// Spawn attributes and file actions, destroyed on every path.
struct SpawnState {
  attr: libc::posix_spawnattr_t,
  actions: libc::posix_spawn_file_actions_t,
}

impl Drop for SpawnState {
  fn drop(&mut self) {
    // SAFETY: both were initialised by `SpawnState::new` and are destroyed exactly once.
    unsafe {
      libc::posix_spawnattr_destroy(&mut self.attr);
      libc::posix_spawn_file_actions_destroy(&mut self.actions);
    }
  }
}

fn check(rc: c_int) -> nix::Result<()> {
  // posix_spawn* return the error number instead of setting errno.
  if rc == 0 {
    Ok(())
  } else {
    Err(Errno::from_raw(rc))
  }
}

impl SpawnState {
  fn new() -> nix::Result<Box<Self>> {
    let mut attr = MaybeUninit::<libc::posix_spawnattr_t>::uninit();
    // SAFETY: init writes a whole attribute object into `attr`.
    check(unsafe { libc::posix_spawnattr_init(attr.as_mut_ptr()) })?;
    let mut actions = MaybeUninit::<libc::posix_spawn_file_actions_t>::uninit();
    // SAFETY: init writes a whole file-actions object into `actions`.
    if let Err(e) = check(unsafe { libc::posix_spawn_file_actions_init(actions.as_mut_ptr()) }) {
      // SAFETY: `attr` was initialised just above and is not used again.
      unsafe { libc::posix_spawnattr_destroy(attr.as_mut_ptr()) };
      return Err(e);
    }
    // SAFETY: both objects were initialised by their init calls above. They are boxed so
    // their addresses stay put, as glibc's file actions may point into themselves.
    Ok(Box::new(unsafe {
      SpawnState {
        attr: attr.assume_init(),
        actions: actions.assume_init(),
      }
    }))
  }
}

/// XNU's `POSIX_SPAWN_SETSID` (bsd/sys/spawn.h), which the libc crate does not declare.
#[cfg(target_os = "macos")]
const POSIX_SPAWN_SETSID: c_int = 0x0400;

/// `posix_spawn(3)` of a terminal's child: new session, the tty as fds 0-2 (and so its
/// controlling terminal: a session leader without one acquires the first tty it opens without
/// O_NOCTTY, and both glibc and XNU create the session before running the file actions),
/// every signal's disposition reset and none blocked, `cwd`, and no other inherited
/// descriptor. The host is not forked: glibc uses `clone(CLONE_VM|CLONE_VFORK)` and XNU
/// builds the child in the kernel, so the cost does not grow with the host's heap, and errors
/// of the child's setup (a missing program, a bad cwd) come back here as an errno.
pub fn spawn_on_tty(req: &SpawnRequest<'_>) -> nix::Result<Pid> {
  let add_chdir = add_chdir_fn().ok_or(Errno::ENOSYS)?;
  let mut st = SpawnState::new()?;
  #[cfg(target_os = "linux")]
  let flags = c_int::from(libc::POSIX_SPAWN_SETSID)
    | libc::POSIX_SPAWN_SETSIGMASK
    | libc::POSIX_SPAWN_SETSIGDEF;
  // CLOEXEC_DEFAULT: every descriptor not named by a file action is closed at exec.
  #[cfg(target_os = "macos")]
  let flags = POSIX_SPAWN_SETSID
    | libc::POSIX_SPAWN_SETSIGMASK
    | libc::POSIX_SPAWN_SETSIGDEF
    | libc::POSIX_SPAWN_CLOEXEC_DEFAULT;

  let argv = null_terminated(req.argv);
  let envp = null_terminated(req.envp);

  // SAFETY: `st` holds initialised objects; the signal sets are initialised by
  // sigemptyset/sigfillset before they are read; every string is NUL-terminated and
  // outlives the posix_spawn call; `argv` and `envp` are NULL-terminated arrays of
  // pointers into `req`, which the caller keeps alive; `pid` is written by posix_spawn.
  unsafe {
    let mut empty = MaybeUninit::<libc::sigset_t>::uninit();
    libc::sigemptyset(empty.as_mut_ptr());
    let mut all = MaybeUninit::<libc::sigset_t>::uninit();
    libc::sigfillset(all.as_mut_ptr());

    check(libc::posix_spawnattr_setflags(
      &mut st.attr,
      flags as libc::c_short,
    ))?;
    check(libc::posix_spawnattr_setsigmask(
      &mut st.attr,
      empty.as_ptr(),
    ))?;
    check(libc::posix_spawnattr_setsigdefault(
      &mut st.attr,
      all.as_ptr(),
    ))?;

    check(add_chdir(&mut st.actions, req.cwd.as_ptr()))?;
    check(libc::posix_spawn_file_actions_addopen(
      &mut st.actions,
      0,
      req.tty.as_ptr(),
      libc::O_RDWR,
      0,
    ))?;
    check(libc::posix_spawn_file_actions_adddup2(
      &mut st.actions,
      0,
      1,
    ))?;
    check(libc::posix_spawn_file_actions_adddup2(
      &mut st.actions,
      0,
      2,
    ))?;
    #[cfg(target_os = "linux")]
    if let Some(add_closefrom) = add_closefrom_fn() {
      check(add_closefrom(&mut st.actions, 3))?;
    }

    let mut pid: libc::pid_t = 0;
    check(libc::posix_spawn(
      &mut pid,
      req.program.as_ptr(),
      &st.actions,
      &st.attr,
      argv.as_ptr(),
      envp.as_ptr(),
    ))?;
    Ok(Pid::from_raw(pid))
  }
}

/// The slave's path of a master (`ptsname`). Linux: `nix::pty::ptsname_r`. macOS has no
/// ptsname_r; its reentrant form is the `TIOCPTYGNAME` ioctl.
#[cfg(target_os = "macos")]
pub fn pts_name(master: BorrowedFd<'_>) -> nix::Result<String> {
  // XNU's `_IOC(IOC_OUT, 't', 83, 128)` (bsd/sys/ttycom.h), absent from the libc crate.
  const TIOCPTYGNAME: libc::c_ulong = 0x4080_7453;
  let mut buf = [0u8; 128];
  // SAFETY: the ioctl writes at most 128 bytes (its encoded size) into `buf`.
  let rc = unsafe { libc::ioctl(master.as_raw_fd(), TIOCPTYGNAME, buf.as_mut_ptr()) };
  Errno::result(rc)?;
  let name = CStr::from_bytes_until_nul(&buf).map_err(|_| Errno::EINVAL)?;
  Ok(name.to_string_lossy().into_owned())
}

/// A numeric sysctl by name (`sysctlbyname(3)`).
#[cfg(target_os = "macos")]
pub fn sysctl_u32(name: &CStr) -> Option<u32> {
  let mut value: c_int = 0;
  let mut len = std::mem::size_of::<c_int>();
  // SAFETY: `name` is NUL-terminated; `value`/`len` describe a writable int; no new value.
  let rc = unsafe {
    libc::sysctlbyname(
      name.as_ptr(),
      (&mut value as *mut c_int).cast(),
      &mut len,
      ptr::null_mut(),
      0,
    )
  };
  (rc == 0).then_some(value as u32)
}

/// The name of a process (`proc_name(3)`, libproc), as `ps -c` shows it.
#[cfg(target_os = "macos")]
pub fn process_name(pid: Pid) -> Option<String> {
  let mut buf = [0u8; 256];
  // SAFETY: proc_name writes at most `buffersize` bytes into `buf` and returns the length.
  let n = unsafe { libc::proc_name(pid.as_raw(), buf.as_mut_ptr().cast(), buf.len() as u32) };
  (n > 0).then(|| String::from_utf8_lossy(&buf[..n as usize]).into_owned())
}

/// Arms `poller` (kqueue) to report the exit of our child `pid` under `key`, once.
#[cfg(target_os = "macos")]
pub fn watch_process_exit(poller: &polling::Poller, pid: Pid, key: usize) -> std::io::Result<()> {
  use polling::os::kqueue::{PollerKqueueExt, Process, ProcessOps};
  let pid = std::num::NonZeroI32::new(pid.as_raw()).ok_or(std::io::ErrorKind::InvalidInput)?;
  // SAFETY: `pid` is a child of this process that has not been reaped, so it cannot name
  // another process while the filter exists; the reactor deletes the filter when it reaps.
  let filter = unsafe { Process::from_pid(pid, ProcessOps::Exit) };
  poller.add_filter(filter, key, polling::PollMode::Oneshot)
}

/// Removes the exit filter of `pid` (after its exit fired, this is a no-op error).
#[cfg(target_os = "macos")]
pub fn unwatch_process_exit(poller: &polling::Poller, pid: Pid) {
  use polling::os::kqueue::{PollerKqueueExt, Process, ProcessOps};
  if let Some(pid) = std::num::NonZeroI32::new(pid.as_raw()) {
    // SAFETY: as in `watch_process_exit`: our unreaped child.
    let filter = unsafe { Process::from_pid(pid, ProcessOps::Exit) };
    let _ = poller.delete_filter(filter);
  }
}

/// The step of the fork path's child that failed, reported to the parent with its errno.
#[cfg(target_os = "linux")]
const FORK_STEPS: [&str; 6] = ["setsid", "open", "setgid", "setuid", "chdir", "execve"];

/// One past the highest descriptor the fork path's child may inherit: where close_range(2)
/// is missing (Linux < 5.9, e.g. RHEL 8's 4.18) it closes 3..this one by one. Stored before
/// each fork, because the child may only read memory (getrlimit is not async-signal-safe).
#[cfg(target_os = "linux")]
static CLOSE_LIMIT: AtomicI32 = AtomicI32::new(0);

/// Test-only: the child closes descriptors one by one as on a kernel without close_range.
#[cfg(target_os = "linux")]
static CLOSE_ONE_BY_ONE: AtomicBool = AtomicBool::new(false);

/// Test-only (see `spawn::TEST_OLD_SYSTEM_ENV`): makes the fork path's child close the
/// host's descriptors as it must on a kernel without close_range(2).
#[cfg(target_os = "linux")]
pub fn emulate_missing_close_range(on: bool) {
  CLOSE_ONE_BY_ONE.store(on, Ordering::Relaxed);
}

/// What `fork_on_tty` could not do: the child's failing step (a syscall name) and errno.
#[cfg(target_os = "linux")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForkError {
  pub syscall: &'static str,
  pub errno: Errno,
}

/// The same child as `spawn_on_tty`, but with `setgid`/`setuid` before the exec, which
/// posix_spawn cannot express. It pays for a `fork()` of the host (page tables copied), so
/// it is used only when a different user or group is asked for. Everything the child touches
/// is prepared before the fork; the child makes only async-signal-safe calls.
#[cfg(target_os = "linux")]
pub fn fork_on_tty(
  req: &SpawnRequest<'_>,
  uid: Option<libc::uid_t>,
  gid: Option<libc::gid_t>,
) -> std::result::Result<Pid, ForkError> {
  let fail = |syscall, errno| ForkError { syscall, errno };
  let argv = null_terminated(req.argv);
  let envp = null_terminated(req.envp);
  let (report_rd, report_wr) =
    nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| fail("pipe2", e))?;
  let report_fd = report_wr.as_raw_fd();
  // Asked here so that the child does not have to.
  let last_signal = libc::SIGRTMAX();
  let limit = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
    .map_or(1024, |(soft, _)| soft.min(i32::MAX as u64) as i32);
  CLOSE_LIMIT.store(limit, Ordering::Relaxed);

  // SAFETY: fork has no memory-safety preconditions; what follows in the child is below.
  let pid = unsafe { libc::fork() };
  if pid == 0 {
    // SAFETY: we are the child of a multi-threaded process: `fork_child` makes only
    // async-signal-safe calls, reads only memory prepared before the fork (which the
    // child's copy of the address space still holds), and never returns.
    unsafe { fork_child(req, &argv, &envp, uid, gid, report_fd, last_signal) }
  }
  drop(report_wr);
  if pid < 0 {
    return Err(fail("fork", Errno::last()));
  }
  let pid = Pid::from_raw(pid);
  // The pipe closes on a successful exec (end of file); a failed step writes its index and
  // errno first.
  let mut report = [0u8; 8];
  let mut got = 0;
  while got < report.len() {
    match nix::unistd::read(&report_rd, &mut report[got..]) {
      Ok(0) => break,
      Ok(n) => got += n,
      Err(Errno::EINTR) => continue,
      Err(_) => break,
    }
  }
  if got < report.len() {
    return Ok(pid);
  }
  let _ = nix::sys::wait::waitpid(pid, None); // the child has _exit'ed: reap it now
  let step = u32::from_ne_bytes([report[0], report[1], report[2], report[3]]) as usize;
  let errno = i32::from_ne_bytes([report[4], report[5], report[6], report[7]]);
  Err(fail(
    FORK_STEPS.get(step).copied().unwrap_or("fork"),
    Errno::from_raw(errno),
  ))
}

/// The child side of `fork_on_tty`.
///
/// # Safety
/// Must be called only in the child right after `fork()`, with `argv`/`envp` NULL-terminated
/// arrays of pointers into `req`, and `report_fd` the write end of a close-on-exec pipe.
#[allow(clippy::too_many_arguments)]
#[cfg(target_os = "linux")]
unsafe fn fork_child(
  req: &SpawnRequest<'_>,
  argv: &[*mut c_char],
  envp: &[*mut c_char],
  uid: Option<libc::uid_t>,
  gid: Option<libc::gid_t>,
  report_fd: c_int,
  last_signal: c_int,
) -> ! {
  let die = |step: u32| -> ! {
    let errno = Errno::last_raw();
    let mut report = [0u8; 8];
    report[..4].copy_from_slice(&step.to_ne_bytes());
    report[4..].copy_from_slice(&errno.to_ne_bytes());
    // SAFETY: write and _exit are async-signal-safe; `report` is on this stack.
    unsafe {
      libc::write(report_fd, report.as_ptr().cast(), report.len());
      libc::_exit(127)
    }
  };
  // SAFETY: each call below is async-signal-safe and gets pointers to live, NUL-terminated
  // strings or to stack values or atomics stored before the fork; the closing of descriptors
  // leaves 0-2 and the report pipe (closed by exec).
  unsafe {
    let mut set = MaybeUninit::<libc::sigset_t>::uninit();
    libc::sigemptyset(set.as_mut_ptr());
    libc::sigprocmask(libc::SIG_SETMASK, set.as_ptr(), ptr::null_mut());
    for sig in 1..=last_signal {
      libc::signal(sig, libc::SIG_DFL);
    }
    if libc::setsid() < 0 {
      die(0);
    }
    // A session leader without a terminal acquires the first tty it opens.
    let tty = libc::open(req.tty.as_ptr(), libc::O_RDWR);
    if tty < 0 {
      die(1);
    }
    for target in 0..3 {
      if tty != target {
        libc::dup2(tty, target);
      }
    }
    if tty > 2 {
      libc::close(tty);
    }
    if let Some(gid) = gid {
      if libc::geteuid() == 0 {
        libc::setgroups(1, &gid);
      }
      if libc::setgid(gid) < 0 {
        die(2);
      }
    }
    if let Some(uid) = uid {
      if libc::setuid(uid) < 0 {
        die(3);
      }
    }
    if libc::chdir(req.cwd.as_ptr()) < 0 {
      die(4);
    }
    let closed = !CLOSE_ONE_BY_ONE.load(Ordering::Relaxed)
      && (report_fd <= 3
        || libc::syscall(libc::SYS_close_range, 3u32, (report_fd - 1) as u32, 0u32) == 0)
      && libc::syscall(
        libc::SYS_close_range,
        (report_fd + 1) as u32,
        u32::MAX,
        0u32,
      ) == 0;
    if !closed {
      for fd in 3..CLOSE_LIMIT.load(Ordering::Relaxed) {
        if fd != report_fd {
          libc::close(fd);
        }
      }
    }
    libc::execve(
      req.program.as_ptr(),
      argv.as_ptr().cast(),
      envp.as_ptr().cast(),
    );
    die(5)
  }
}

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
  // SAFETY: `Poller::add` asks that the source be deleted before it is closed. Every
  // descriptor registered here is deleted before its number is closed or released: a master
  // in `Terminal::close` and `Terminal::destroy` (before /dev/null is swapped in), a pidfd in
  // `Child::try_reap`. (Without that delete, epoll would keep reporting a closed number while
  // a fork child still shared its open file description.) The poller itself lives as long as
  // the process.
  unsafe { poller.add_with_mode(fd.as_raw_fd(), interest, polling::PollMode::Oneshot) }
}

/// Makes the descriptor number `fd` refer to /dev/null (close-on-exec), releasing what it
/// referred to, in one atomic step: the number itself never closes, so another thread still
/// using it meanwhile reads end of file or writes into nothing, and can never reach a
/// descriptor that someone else opened under a reused number. The caller must still close
/// the number once nobody uses it.
pub fn release_to_null(fd: BorrowedFd<'_>) -> nix::Result<()> {
  let null = nix::fcntl::open(
    "/dev/null",
    nix::fcntl::OFlag::O_RDWR | nix::fcntl::OFlag::O_CLOEXEC,
    nix::sys::stat::Mode::empty(),
  )?;
  // SAFETY: both descriptors are live for the call. dup3/dup2 leave `fd` open (now on
  // /dev/null) and close nothing the caller does not own: the description released is the
  // one `fd` held, which the caller owns, and the OwnedFd behind `fd` stays the number's
  // one owner.
  #[cfg(target_os = "linux")]
  let rc = unsafe { libc::dup3(null.as_raw_fd(), fd.as_raw_fd(), libc::O_CLOEXEC) };
  // macOS has no dup3; dup2 clears close-on-exec, set again at once (every spawn there uses
  // POSIX_SPAWN_CLOEXEC_DEFAULT anyway, and the number now holds only /dev/null).
  #[cfg(target_os = "macos")]
  let rc = unsafe { libc::dup2(null.as_raw_fd(), fd.as_raw_fd()) };
  Errno::result(rc)?;
  #[cfg(target_os = "macos")]
  nix::fcntl::fcntl(
    fd,
    nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
  )?;
  Ok(())
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
    let mut st = Box::<Self>::new_uninit();
    let p = st.as_mut_ptr();
    // SAFETY: `p` points to the Box's uninitialised memory; each init call writes a whole
    // object at its field's address (`&raw mut` takes the address without reading). The
    // objects are initialised where they will stay: the Box moves, its contents never do.
    unsafe {
      check(libc::posix_spawnattr_init(&raw mut (*p).attr))?;
      if let Err(e) = check(libc::posix_spawn_file_actions_init(&raw mut (*p).actions)) {
        libc::posix_spawnattr_destroy(&raw mut (*p).attr);
        return Err(e);
      }
      Ok(st.assume_init())
    }
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

/// A process's working directory (`proc_pidinfo(PROC_PIDVNODEPATHINFO)`, libproc).
#[cfg(target_os = "macos")]
pub fn process_cwd(pid: Pid) -> Option<String> {
  let mut info = MaybeUninit::<libc::proc_vnodepathinfo>::zeroed();
  let size = std::mem::size_of::<libc::proc_vnodepathinfo>() as c_int;
  // SAFETY: proc_pidinfo writes at most `size` bytes into `info`, which is zero-initialised
  // (so reading it is sound whatever was written) and returns how many it wrote.
  let n = unsafe {
    libc::proc_pidinfo(
      pid.as_raw(),
      libc::PROC_PIDVNODEPATHINFO,
      0,
      info.as_mut_ptr().cast(),
      size,
    )
  };
  if n != size {
    return None;
  }
  // SAFETY: zero-initialised above and fully written by the call.
  let info = unsafe { info.assume_init() };
  let path: Vec<u8> = info
    .pvi_cdir
    .vip_path
    .iter()
    .flatten()
    .map(|&c| c as u8)
    .take_while(|&b| b != 0)
    .collect();
  (!path.is_empty()).then(|| String::from_utf8_lossy(&path).into_owned())
}

/// Every pid on the system (`proc_listallpids`, libproc).
#[cfg(target_os = "macos")]
pub fn all_pids() -> nix::Result<Vec<Pid>> {
  // SAFETY: with a null buffer the call only returns the number of pids.
  let count = unsafe { libc::proc_listallpids(ptr::null_mut(), 0) };
  let count = Errno::result(count)? as usize;
  // Room for processes started meanwhile.
  let mut pids = vec![0 as libc::pid_t; count + 64];
  let bytes = (pids.len() * std::mem::size_of::<libc::pid_t>()) as c_int;
  // SAFETY: `pids` has room for `bytes` bytes; the call writes at most that many.
  let n = unsafe { libc::proc_listallpids(pids.as_mut_ptr().cast(), bytes) };
  pids.truncate(Errno::result(n)? as usize);
  Ok(
    pids
      .into_iter()
      .filter(|&p| p > 0)
      .map(Pid::from_raw)
      .collect(),
  )
}

/// Arms `poller` (kqueue) to report the exit of our child `pid` under `key`, once.
#[cfg(target_os = "macos")]
pub fn watch_process_exit(poller: &polling::Poller, pid: Pid, key: usize) -> std::io::Result<()> {
  use polling::os::kqueue::{PollerKqueueExt, Process, ProcessOps};
  let pid = std::num::NonZeroI32::new(pid.as_raw()).ok_or(std::io::ErrorKind::InvalidInput)?;
  // SAFETY: `pid` is a child of this process that has not been reaped (the caller,
  // `Child::watch`, checks under the lock that the reap takes), so it cannot name another
  // process while the filter exists: the filter is one-shot and goes with the exit event it
  // reports, and the reap only ever follows that event (or a watch that failed).
  let filter = unsafe { Process::from_pid(pid, ProcessOps::Exit) };
  poller.add_filter(filter, key, polling::PollMode::Oneshot)
}

/// The step of the fork path's child that failed, reported to the parent with its errno.
#[cfg(target_os = "linux")]
const FORK_STEPS: [&str; 7] = [
  "setsid",
  "open",
  "setgid",
  "setuid",
  "chdir",
  "execve",
  "setgroups",
];

/// Who the fork path's child becomes: `setgroups(groups)`, `setgid(gid)`, `setuid(uid)`, in
/// that order, each only when given. The groups are looked up before the fork (the child
/// cannot call into NSS).
#[cfg(target_os = "linux")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
  pub uid: Option<libc::uid_t>,
  pub gid: Option<libc::gid_t>,
  pub groups: Option<Vec<libc::gid_t>>,
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
  ids: &Credentials,
) -> std::result::Result<Pid, ForkError> {
  let fail = |syscall, errno| ForkError { syscall, errno };
  let argv = null_terminated(req.argv);
  let envp = null_terminated(req.envp);
  let (report_rd, report_wr) =
    nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| fail("pipe2", e))?;
  let report_fd = report_wr.as_raw_fd();
  // Asked here so that the child does not have to.
  let last_signal = libc::SIGRTMAX();

  // Every signal stays blocked from before the fork until the child has reset its handlers:
  // a signal arriving in between (one sent to the host's process group, say) must not run
  // one of the host's handlers in the child. The parent's own mask comes back right after.
  let mut all = MaybeUninit::<libc::sigset_t>::uninit();
  let mut saved = MaybeUninit::<libc::sigset_t>::uninit();
  // SAFETY: sigfillset initialises `all`; pthread_sigmask reads `all` and writes the
  // thread's previous mask into `saved`.
  unsafe {
    libc::sigfillset(all.as_mut_ptr());
    libc::pthread_sigmask(libc::SIG_SETMASK, all.as_ptr(), saved.as_mut_ptr());
  }
  // SAFETY: fork has no memory-safety preconditions; what follows in the child is below.
  let pid = unsafe { libc::fork() };
  if pid == 0 {
    // SAFETY: we are the child of a multi-threaded process: `fork_child` makes only
    // async-signal-safe calls, reads only memory prepared before the fork (which the
    // child's copy of the address space still holds), and never returns.
    unsafe { fork_child(req, &argv, &envp, ids, report_fd, last_signal) }
  }
  let fork_errno = Errno::last();
  // SAFETY: `saved` was written by the pthread_sigmask call above.
  unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, saved.as_ptr(), ptr::null_mut()) };
  drop(report_wr);
  if pid < 0 {
    return Err(fail("fork", fork_errno));
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
/// arrays of pointers into `req`, `report_fd` the write end of a close-on-exec pipe, and
/// every signal blocked.
#[cfg(target_os = "linux")]
unsafe fn fork_child(
  req: &SpawnRequest<'_>,
  argv: &[*mut c_char],
  envp: &[*mut c_char],
  ids: &Credentials,
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
  // strings or to stack values; close_range leaves 0-2 and the report pipe (closed by exec).
  unsafe {
    // Handlers first, then the mask: nothing of the host's runs here. The raw syscall,
    // because glibc's signal() refuses its internal signals (32, 33), which an ignored
    // disposition inherited by the host would otherwise pass on. A zeroed kernel sigaction
    // is SIG_DFL with no flags and an empty mask on every architecture.
    let default_action = [0u64; 4];
    for sig in 1..=last_signal {
      libc::syscall(
        libc::SYS_rt_sigaction,
        sig,
        default_action.as_ptr(),
        ptr::null_mut::<libc::c_void>(),
        8usize, // the kernel's sigset_t: 64 signals
      );
    }
    let mut set = MaybeUninit::<libc::sigset_t>::uninit();
    libc::sigemptyset(set.as_mut_ptr());
    libc::sigprocmask(libc::SIG_SETMASK, set.as_ptr(), ptr::null_mut());
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
    if let Some(groups) = &ids.groups {
      if libc::setgroups(groups.len(), groups.as_ptr()) < 0 {
        die(6);
      }
    }
    if let Some(gid) = ids.gid {
      if libc::setgid(gid) < 0 {
        die(2);
      }
    }
    if let Some(uid) = ids.uid {
      if libc::setuid(uid) < 0 {
        die(3);
      }
    }
    if libc::chdir(req.cwd.as_ptr()) < 0 {
      die(4);
    }
    if report_fd > 3 {
      libc::syscall(libc::SYS_close_range, 3u32, (report_fd - 1) as u32, 0u32);
    }
    libc::syscall(
      libc::SYS_close_range,
      (report_fd + 1) as u32,
      u32::MAX,
      0u32,
    );
    libc::execve(
      req.program.as_ptr(),
      argv.as_ptr().cast(),
      envp.as_ptr().cast(),
    );
    die(5)
  }
}

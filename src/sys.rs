//! The only module allowed `unsafe`: thin wrappers over the calls `nix` does not cover
//! (posix_spawn, the winsize ioctls, pidfd, registering a descriptor with the poller).
//! Each returns owned or borrowed descriptors, never a bare integer the caller must close.
#![allow(unsafe_code)]

use nix::errno::Errno;
use nix::pty::Winsize;
use nix::unistd::Pid;
use std::ffi::{c_char, c_int, CStr, CString};
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::ptr;

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

type AddChdir = unsafe extern "C" fn(*mut libc::posix_spawn_file_actions_t, *const c_char) -> c_int;
#[cfg(target_os = "linux")]
type AddClosefrom = unsafe extern "C" fn(*mut libc::posix_spawn_file_actions_t, c_int) -> c_int;

/// Looks up an optional libc function at run time, so the addon still loads on a libc that
/// predates it (addchdir_np: glibc 2.29, addclosefrom_np: glibc 2.34).
fn optional_libc_fn(name: &CStr) -> Option<*mut libc::c_void> {
  // SAFETY: `name` is NUL-terminated; RTLD_DEFAULT searches the already-loaded objects and
  // dlsym has no other side effect.
  let sym = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
  (!sym.is_null()).then_some(sym)
}

fn add_chdir_fn() -> Option<AddChdir> {
  static FN: std::sync::OnceLock<Option<usize>> = std::sync::OnceLock::new();
  let addr = (*FN.get_or_init(|| {
    optional_libc_fn(c"posix_spawn_file_actions_addchdir_np").map(|p| p as usize)
  }))?;
  // SAFETY: the symbol is libc's posix_spawn_file_actions_addchdir_np, whose C signature
  // is exactly `AddChdir`.
  Some(unsafe { std::mem::transmute::<usize, AddChdir>(addr) })
}

#[cfg(target_os = "linux")]
fn add_closefrom_fn() -> Option<AddClosefrom> {
  static FN: std::sync::OnceLock<Option<usize>> = std::sync::OnceLock::new();
  let addr = (*FN.get_or_init(|| {
    optional_libc_fn(c"posix_spawn_file_actions_addclosefrom_np").map(|p| p as usize)
  }))?;
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

/// `posix_spawn(3)` of a terminal's child: new session, the tty as fds 0-2 (and so its
/// controlling terminal), every signal's disposition reset and none blocked, `cwd`, and no
/// other inherited descriptor. The host is not forked: glibc uses `clone(CLONE_VM|CLONE_VFORK)`,
/// so the cost does not grow with the host's heap, and errors of the child's setup (a
/// missing program, a bad cwd) come back here as an errno.
#[cfg(target_os = "linux")]
pub fn spawn_on_tty(req: &SpawnRequest<'_>) -> nix::Result<Pid> {
  let add_chdir = add_chdir_fn().ok_or(Errno::ENOSYS)?;
  let mut st = SpawnState::new()?;
  let flags = i32::from(libc::POSIX_SPAWN_SETSID)
    | libc::POSIX_SPAWN_SETSIGMASK
    | libc::POSIX_SPAWN_SETSIGDEF;

  let argv: Vec<*mut c_char> = req
    .argv
    .iter()
    .map(|a| a.as_ptr().cast_mut())
    .chain(std::iter::once(ptr::null_mut()))
    .collect();
  let envp: Vec<*mut c_char> = req
    .envp
    .iter()
    .map(|e| e.as_ptr().cast_mut())
    .chain(std::iter::once(ptr::null_mut()))
    .collect();

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

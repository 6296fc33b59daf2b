//! Linux's own unsafe calls: pidfds, the atomic descriptor swap, and the line discipline ioctls.
#![allow(unsafe_code)]

use nix::errno::Errno;
use nix::unistd::Pid;
use std::ffi::c_int;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::ptr;
use std::sync::OnceLock;

/// `pidfd_open(2)`: a descriptor that becomes readable when `pid` exits and that keeps
/// signals from reaching a recycled pid. Close-on-exec by definition.
pub fn pidfd_open(pid: Pid) -> nix::Result<OwnedFd> {
  // SAFETY: the syscall takes two integers and returns a new descriptor or -1.
  let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
  let fd = Errno::result(fd)? as c_int;
  // SAFETY: the kernel just returned `fd` as a new descriptor nobody else owns.
  Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `pidfd_send_signal(2)`.
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

nix::ioctl_read_bad!(ioctl_get_ldisc, libc::TIOCGETD, c_int);
nix::ioctl_write_ptr_bad!(ioctl_set_ldisc, libc::TIOCSETD, c_int);

/// `ioctl(TIOCGETD)` then `ioctl(TIOCSETD)` with the discipline it returned: setting the
/// discipline a tty already has changes nothing, but the kernel then requeues the work that
/// moves the tty's input from its flip buffer into the discipline (drivers/tty/tty_ldisc.c,
/// `tty_set_ldisc`: "Restart the work queue in case no characters kick it off"; from Linux
/// 4.6, before which the no-op case returned early and this requeues nothing). TIOCSETD
/// fails with EINTR whenever a signal is pending for the calling thread: retried.
pub fn requeue_input_work(tty: BorrowedFd<'_>) -> nix::Result<()> {
  let mut disc: c_int = 0;
  // SAFETY: `tty` is live for the borrow; the kernel writes one int into `disc`.
  unsafe { ioctl_get_ldisc(tty.as_raw_fd(), &mut disc) }?;
  loop {
    // SAFETY: `tty` is live for the borrow; the kernel reads one int from `disc`.
    match unsafe { ioctl_set_ldisc(tty.as_raw_fd(), &disc) } {
      Err(Errno::EINTR) => continue,
      result => return result.map(drop),
    }
  }
}

/// `dup3(from, onto, O_CLOEXEC)`: `onto` now refers to what `from` does, close-on-exec, and
/// what it referred to before is released, in one atomic step.
pub(super) fn dup_onto_cloexec(from: BorrowedFd<'_>, onto: BorrowedFd<'_>) -> nix::Result<()> {
  // SAFETY: both descriptors are live for the call. dup3 leaves `onto` open (now on `from`'s
  // file) and closes nothing the caller does not own: the description released is the one
  // `onto` held, which the caller owns, and the OwnedFd behind `onto` stays the number's one
  // owner.
  let rc = unsafe { libc::dup3(from.as_raw_fd(), onto.as_raw_fd(), libc::O_CLOEXEC) };
  Errno::result(rc).map(drop)
}

/// posix_spawn's flags: a new session (glibc's child calls setsid before the file actions, so
/// opening the tty makes it the controlling terminal), every signal's disposition reset and
/// none blocked.
pub(super) const SPAWN_FLAGS: c_int =
  libc::POSIX_SPAWN_SETSID as c_int | libc::POSIX_SPAWN_SETSIGMASK | libc::POSIX_SPAWN_SETSIGDEF;

type AddClosefrom = unsafe extern "C" fn(*mut libc::posix_spawn_file_actions_t, c_int) -> c_int;

fn add_closefrom_fn() -> Option<AddClosefrom> {
  static CACHE: OnceLock<Option<usize>> = OnceLock::new();
  let addr =
    super::posix_spawn::optional_libc_fn(&CACHE, c"posix_spawn_file_actions_addclosefrom_np")?;
  // SAFETY: the symbol is glibc's posix_spawn_file_actions_addclosefrom_np, whose C
  // signature is exactly `AddClosefrom`.
  Some(unsafe { std::mem::transmute::<usize, AddClosefrom>(addr) })
}

/// Whether a posix_spawn can close the host's descriptors that are not close-on-exec:
/// addclosefrom_np, from glibc 2.34 (not on RHEL 8, Debian 11, Ubuntu 20.04).
pub(super) fn spawn_closes_inherited() -> bool {
  add_closefrom_fn().is_some()
}

/// Adds the file action that closes every descriptor from 3 up, where the libc has it;
/// returns the action's result (0 when there is none to add).
pub(super) fn add_close_inherited(actions: &mut libc::posix_spawn_file_actions_t) -> c_int {
  match add_closefrom_fn() {
    // SAFETY: `actions` is an initialised file-actions object, borrowed mutably for the call.
    Some(add_closefrom) => unsafe { add_closefrom(actions, 3) },
    None => 0,
  }
}

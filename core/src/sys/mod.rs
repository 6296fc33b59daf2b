//! The only module allowed `unsafe`: thin wrappers over the calls `nix` does not cover. This
//! file holds the single syscalls both systems share (the winsize ioctls, waitpid, the poller,
//! descriptor swaps); `linux.rs` and `macos.rs` each system's own (pidfds; the tty name, libproc
//! and kqueue queries), selected here once; `posix_spawn.rs` and `fork.rs` (Linux) the two ways
//! of starting a child on a tty. Each returns owned or borrowed descriptors, never a bare integer the caller must close.
#![allow(unsafe_code)]

#[cfg(target_os = "linux")]
mod fork;
#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "macos")]
mod macos;
mod posix_spawn;

#[cfg(target_os = "linux")]
pub use fork::{emulate_missing_close_range, fork_on_tty, Credentials, Step};
#[cfg(target_os = "linux")]
pub use linux::*;
#[cfg(target_os = "macos")]
pub use macos::*;
pub use posix_spawn::{posix_spawn_is_complete, spawn_on_tty, SpawnRequest};

use nix::errno::Errno;
use nix::pty::Winsize;
use nix::unistd::Pid;
use std::ffi::c_int;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

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

/// How a reaped child ended: its exit code, or the signal that ended it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
  Code(i32),
  Signal(i32),
}

/// `waitpid(pid, WNOHANG)`: `None` while the child runs. Unlike nix's, it reports every
/// signal by number, real-time ones (34-64) included, which nix's `Signal` cannot name.
pub fn wait_nohang(pid: Pid) -> nix::Result<Option<Ended>> {
  let mut status: c_int = 0;
  // SAFETY: `status` is a live int the call writes; WNOHANG makes it return at once.
  let rc = unsafe { libc::waitpid(pid.as_raw(), &mut status, libc::WNOHANG) };
  if Errno::result(rc)? == 0 {
    return Ok(None);
  }
  Ok(if libc::WIFEXITED(status) {
    Some(Ended::Code(libc::WEXITSTATUS(status)))
  } else if libc::WIFSIGNALED(status) {
    Some(Ended::Signal(libc::WTERMSIG(status)))
  } else {
    None // stopped or continued: still there
  })
}

/// Registers `fd` with `poller` in one-shot mode under `key`.
pub fn poller_add(
  poller: &polling::Poller,
  fd: BorrowedFd<'_>,
  interest: polling::Event,
) -> std::io::Result<()> {
  // SAFETY: `Poller::add` asks that the source be deleted before it is closed. Every
  // descriptor registered here is deleted before its number is closed: a pidfd in
  // `Child::try_reap`; a master in `Terminal::destroy`, before /dev/null replaces it, or else
  // in `Terminal::close`, under the write lock that closes it. A master is registered once, by
  // `Entry::register` before the terminal is handed to anyone, so never after `destroy`
  // deleted it. The poller itself lives as long as the process.
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
  dup_onto_cloexec(null.as_fd(), fd)
}

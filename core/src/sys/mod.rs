//! The only module allowed `unsafe`: thin wrappers over the calls `nix` does not cover. This
//! file holds the single syscalls (the winsize ioctls, pidfd, the poller, descriptor swaps, the
//! macOS process queries); `posix_spawn.rs` and `fork.rs` the two ways of starting a child on a
//! tty. Each returns owned or borrowed descriptors, never a bare integer the caller must close.
#![allow(unsafe_code)]

#[cfg(target_os = "linux")]
mod fork;
mod posix_spawn;

#[cfg(target_os = "linux")]
pub use fork::{emulate_missing_close_range, fork_on_tty, Credentials, Step};
pub use posix_spawn::{posix_spawn_is_complete, spawn_on_tty, SpawnRequest};

use nix::errno::Errno;
use nix::pty::Winsize;
use nix::unistd::Pid;
use std::ffi::c_int;
#[cfg(target_os = "macos")]
use std::ffi::CStr;
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, BorrowedFd};
#[cfg(target_os = "linux")]
use std::os::fd::{FromRawFd, OwnedFd};
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
  // `Child::try_reap`; a master in `Terminal::close`, under the write lock that closes it. A
  // master's registration can also be added after `Terminal::destroy` deleted it (the reactor's
  // `Entry::register` and `destroy` both hold only the shared lock, so destroy's delete may find
  // nothing yet, and its /dev/null may already be on the number): `register` then sees the
  // terminal no longer live and deletes the registration again, still under its shared lock, so
  // before the number can close. (Without that delete, epoll would keep reporting a closed
  // number while a fork child still shared its open file description.) The poller itself lives
  // as long as the process.
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

/// A process's working directory (`proc_pidinfo(PROC_PIDVNODEPATHINFO)`, libproc) and whether
/// it has been deleted (its link count is 0: the kernel may still name its old path).
#[cfg(target_os = "macos")]
pub fn process_cwd(pid: Pid) -> Option<(String, bool)> {
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
  let deleted = info.pvi_cdir.vip_vi.vi_stat.vst_nlink == 0;
  let path: Vec<u8> = info
    .pvi_cdir
    .vip_path
    .iter()
    .flatten()
    .map(|&c| c as u8)
    .take_while(|&b| b != 0)
    .collect();
  (deleted || !path.is_empty()).then(|| (String::from_utf8_lossy(&path).into_owned(), deleted))
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

/// Arms `poller` (kqueue) to report the exit of our child `pid` under `key`, once. `first`
/// for the first registration: `polling` keeps each pid in a set from `add_filter` to
/// `delete_filter`, so a re-arm must be `modify_filter` (an add would fail as a duplicate),
/// and every pid must leave through [`unwatch_process_exit`] when it is reaped (or a later
/// child given the same recycled pid could never be registered). ESRCH means the process has
/// already started exiting (XNU's `filt_procattach` cannot find a process whose references
/// `proc_exit` has drained): its exit is under way and only the reap is left.
#[cfg(target_os = "macos")]
pub fn watch_process_exit(
  poller: &polling::Poller,
  pid: Pid,
  key: usize,
  first: bool,
) -> std::io::Result<()> {
  use polling::os::kqueue::PollerKqueueExt;
  let filter = exit_filter(pid)?;
  if first {
    poller.add_filter(filter, key, polling::PollMode::Oneshot)
  } else {
    poller.modify_filter(filter, key, polling::PollMode::Oneshot)
  }
}

/// Takes our reaped child `pid` out of `poller` (kqueue, and `polling`'s set of pids): called
/// by the reap, on the reactor thread that alone registers pids, before any later terminal
/// can register the same number. A filter that already fired (it is one-shot) or never
/// attached is simply forgotten.
#[cfg(target_os = "macos")]
pub fn unwatch_process_exit(poller: &polling::Poller, pid: Pid) {
  use polling::os::kqueue::PollerKqueueExt;
  if let Ok(filter) = exit_filter(pid) {
    let _ = poller.delete_filter(filter);
  }
}

#[cfg(target_os = "macos")]
fn exit_filter(pid: Pid) -> std::io::Result<polling::os::kqueue::Process<'static>> {
  use polling::os::kqueue::{Process, ProcessOps};
  let pid = std::num::NonZeroI32::new(pid.as_raw()).ok_or(std::io::ErrorKind::InvalidInput)?;
  // SAFETY: `pid` is a child of this process: registered while it is not reaped (the caller,
  // `Child::watch`, checks under the lock that the reap takes), so it names no other process
  // then; deleted by the reap on the reactor thread, which is the only thread that registers
  // pids, so no later child with the recycled number can be registered in between.
  Ok(unsafe { Process::from_pid(pid, ProcessOps::Exit) })
}

/// Every descriptor of this process with the path of what it refers to, where it is a file
/// or device (sockets, pipes and kqueues are left out): `proc_pidinfo(PROC_PIDLISTFDS)` for
/// the numbers, `fcntl(F_GETPATH)` for each vnode's path. No descriptor is opened to list them.
#[cfg(target_os = "macos")]
pub fn open_descriptors() -> Vec<(std::os::fd::RawFd, String)> {
  let entry = std::mem::size_of::<libc::proc_fdinfo>();
  let pid = std::process::id() as c_int;
  // SAFETY: with a null buffer the call only returns the bytes a listing needs (an estimate
  // with room to spare).
  let needed = unsafe { libc::proc_pidinfo(pid, libc::PROC_PIDLISTFDS, 0, ptr::null_mut(), 0) };
  let mut room = (needed.max(0) as usize / entry) + 32;
  let fds = loop {
    let mut list: Vec<libc::proc_fdinfo> = Vec::with_capacity(room);
    let bytes = (room * entry) as c_int;
    // SAFETY: `list` has capacity for `bytes` bytes; the call writes at most that many, whole
    // `proc_fdinfo` records, and returns how many bytes it wrote.
    let n = unsafe {
      libc::proc_pidinfo(
        pid,
        libc::PROC_PIDLISTFDS,
        0,
        list.as_mut_ptr().cast(),
        bytes,
      )
    };
    if n <= 0 {
      return Vec::new();
    }
    let count = n as usize / entry;
    if count == room {
      room *= 2; // full: there may be more
      continue;
    }
    // SAFETY: the kernel initialised the first `count` records.
    unsafe { list.set_len(count) };
    break list;
  };
  fds
    .into_iter()
    .filter(|f| f.proc_fdtype == libc::PROX_FDTYPE_VNODE as u32)
    .filter_map(|f| {
      let mut path = [0u8; libc::PATH_MAX as usize];
      // SAFETY: F_GETPATH writes a NUL-terminated path of at most MAXPATHLEN (PATH_MAX)
      // bytes into `path`; a number closed meanwhile just fails with EBADF.
      let rc = unsafe { libc::fcntl(f.proc_fd, libc::F_GETPATH, path.as_mut_ptr()) };
      if rc == -1 {
        return None;
      }
      let path = CStr::from_bytes_until_nul(&path).ok()?;
      Some((f.proc_fd, path.to_string_lossy().into_owned()))
    })
    .collect()
}

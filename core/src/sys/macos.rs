//! macOS's own unsafe calls: the tty's name (no ptsname_r there), sysctl, libproc's process
//! and descriptor queries, kqueue's process-exit filter, and the descriptor swap without dup3.
#![allow(unsafe_code)]

use nix::errno::Errno;
use nix::unistd::Pid;
use std::ffi::{c_int, CStr};
use std::mem::MaybeUninit;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr;

/// The slave's path of a master (`ptsname`). Linux: `nix::pty::ptsname_r`. macOS has no
/// ptsname_r; its reentrant form is the `TIOCPTYGNAME` ioctl.
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
pub fn process_name(pid: Pid) -> Option<String> {
  let mut buf = [0u8; 256];
  // SAFETY: proc_name writes at most `buffersize` bytes into `buf` and returns the length.
  let n = unsafe { libc::proc_name(pid.as_raw(), buf.as_mut_ptr().cast(), buf.len() as u32) };
  (n > 0).then(|| String::from_utf8_lossy(&buf[..n as usize]).into_owned())
}

/// A process's working directory (`proc_pidinfo(PROC_PIDVNODEPATHINFO)`, libproc) and whether
/// it has been deleted (its link count is 0: the kernel may still name its old path).
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
pub fn unwatch_process_exit(poller: &polling::Poller, pid: Pid) {
  use polling::os::kqueue::PollerKqueueExt;
  if let Ok(filter) = exit_filter(pid) {
    let _ = poller.delete_filter(filter);
  }
}

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

/// macOS has no dup3: `dup2(from, onto)`, which clears close-on-exec, set again at once (every
/// spawn there uses POSIX_SPAWN_CLOEXEC_DEFAULT anyway, and the number then holds only what
/// `from` does). What `onto` referred to before is released in the dup2's one atomic step.
pub(super) fn dup_onto_cloexec(from: BorrowedFd<'_>, onto: BorrowedFd<'_>) -> nix::Result<()> {
  // SAFETY: both descriptors are live for the call. dup2 leaves `onto` open (now on `from`'s
  // file) and closes nothing the caller does not own: the description released is the one
  // `onto` held, which the caller owns, and the OwnedFd behind `onto` stays the number's one
  // owner.
  let rc = unsafe { libc::dup2(from.as_raw_fd(), onto.as_raw_fd()) };
  Errno::result(rc)?;
  nix::fcntl::fcntl(
    onto,
    nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
  )
  .map(drop)
}

/// XNU's `POSIX_SPAWN_SETSID` (bsd/sys/spawn.h), which the libc crate does not declare.
const POSIX_SPAWN_SETSID: c_int = 0x0400;

/// posix_spawn's flags: a new session (XNU creates it after the file actions: the spawn helper
/// takes the tty), every signal's disposition reset and none blocked, and CLOEXEC_DEFAULT:
/// every descriptor not named by a file action is closed at exec.
pub(super) const SPAWN_FLAGS: c_int = POSIX_SPAWN_SETSID
  | libc::POSIX_SPAWN_SETSIGMASK
  | libc::POSIX_SPAWN_SETSIGDEF
  | libc::POSIX_SPAWN_CLOEXEC_DEFAULT;

/// A posix_spawn always closes the host's other descriptors here (CLOEXEC_DEFAULT).
pub(super) fn spawn_closes_inherited() -> bool {
  true
}

/// Nothing to add: CLOEXEC_DEFAULT (in [`SPAWN_FLAGS`]) closes them.
pub(super) fn add_close_inherited(_actions: &mut libc::posix_spawn_file_actions_t) -> c_int {
  0
}

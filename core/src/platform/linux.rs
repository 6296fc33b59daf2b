//! Linux: procfs for what other processes are, pidfds to hold, watch and signal them, devpts
//! for ptys, and a fork path for what posix_spawn cannot do (another user, an old glibc).

mod pool;
mod session;

pub use pool::pool;
pub use session::signal as signal_session;

use super::Watch;
use crate::descriptors::Descriptor;
use crate::error::{Result, SysError, Syscall};
use crate::process::Cwd;
use crate::session::Leader;
use crate::sys;
use nix::errno::Errno;
use nix::pty::PtyMaster;
use nix::sys::socket::MsgFlags;
use nix::unistd::Pid;
use polling::Poller;
use std::ffi::CString;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

/// The slave's path of a master (`ptsname_r`).
pub fn pts_name(master: &PtyMaster) -> Result<String> {
  nix::pty::ptsname_r(master).syscall("ptsname_r")
}

/// Control characters of this system beyond node-pty's common set: none on Linux.
pub fn set_own_control_chars(_cc: &mut [libc::cc_t]) {}

/// Linux closes the parent's slave copy at once (see `spawn::SpawnOptions::keep_slave`): the
/// master still reads the buffered output after the last slave closes, then EIO.
pub const KEEP_SLAVE: bool = false;

/// Linux's EIO on a master can come before the last output of its program. n_tty_read, finding
/// nothing to read, waits for the port's pending flush work (`tty_buffer_flush_work`), looks
/// again, and only then tests whether the last slave has closed (`TTY_OTHER_CLOSED`). A program
/// that writes and exits between that look and that test (the reader preempted, as on a loaded
/// machine) leaves its last output queued for a worker that has not run yet, and the read
/// reports EIO. The output is not lost: the next read waits for that worker and returns it.
/// Everything the program wrote was queued before its last close, which the first EIO saw, so
/// a second EIO is the end of everything it wrote. (Linux 6.18 on this project's 2-CPU VM,
/// with one read at EIO: `pwd; ls; echo` started on the fork path lost its last writes in 2 of
/// 20,000 runs under load, about 1 in 1,000 with the reactor running under qemu (the arm64
/// check); a plain Python read loop over 20 `cat`s at once lost the tail of 14 of 300,000,
/// none with the second read.)
pub const EIO_MAY_PRECEDE_OUTPUT: bool = true;

/// Linux kernels without a 2022 fix to n_tty can leave a pty's output stranded while its
/// program runs; see [`restart_stranded_output`].
pub const STRANDS_OUTPUT: bool = true;

/// Gets output moving again that the kernel may have stranded on the master's side of a pty;
/// `false` when it could not be asked to. A read of the master afterwards returns that output
/// (n_tty_read waits for the restarted work), or EIO/EAGAIN again when there was none.
///
/// What the child writes waits in the master's flip buffer until a kernel worker
/// (`flush_to_ldisc`) moves it into n_tty's 4 KiB read buffer. A worker that finds that buffer
/// full stops and sets `no_room`; a read that empties the buffer restarts it, if it sees
/// `no_room` set (`n_tty_check_unthrottle`). Before "tty: fix a possible hang on tty device"
/// (2022), nothing ordered the two: the worker could compute "full" from a read position the
/// reader had just moved past, and set `no_room` only after the reader had looked. Then nothing
/// restarts it but the child's next write: output written last waits while the program runs,
/// and after the last slave closes the master reports EIO with it still unread. Kernels with the fix recheck the buffer after setting `no_room`
/// (on this machine's 6.18, none of 72,000 programs that wrote 32 KiB and went quiet left
/// output to restart); older kernels, which the fork path serves, may strand it. Setting the
/// discipline the master already has requeues the worker.
pub fn restart_stranded_output(master: BorrowedFd<'_>) -> bool {
  sys::requeue_input_work(master).is_ok()
}

/// argv[0], as node-pty reports `process`; the kernel's name for the process (comm) when
/// argv[0] is empty (a program started with an empty argv[0]) or unreadable: a zombie's, and
/// one's in the middle of an exec, read as empty.
pub fn process_name(pid: Pid) -> Option<String> {
  let argv0 = std::fs::read(format!("/proc/{pid}/cmdline"))
    .ok()
    .and_then(|cmdline| {
      let argv0 = cmdline.split(|&b| b == 0).next()?;
      (!argv0.is_empty()).then(|| String::from_utf8_lossy(argv0).into_owned())
    });
  argv0.or_else(|| {
    let comm = std::fs::read(format!("/proc/{pid}/comm")).ok()?;
    let comm = comm.strip_suffix(b"\n").unwrap_or(&comm);
    (!comm.is_empty()).then(|| String::from_utf8_lossy(comm).into_owned())
  })
}

/// Linux marks a deleted directory's link with " (deleted)", which a real name could also end
/// with: the directory's link count (0 once removed) is what tells.
pub(crate) fn process_cwd(pid: Pid) -> Option<Cwd> {
  use std::os::unix::fs::MetadataExt;
  let link = format!("/proc/{pid}/cwd");
  let path = std::fs::read_link(&link).ok()?;
  if std::fs::metadata(&link).ok()?.nlink() == 0 {
    return Some(Cwd::Deleted);
  }
  Some(Cwd::Path(path.to_string_lossy().into_owned()))
}

/// Every descriptor of this process that refers to a file or device, with its path: the
/// links of /proc/self/fd.
pub fn open_descriptors() -> Vec<Descriptor> {
  let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
    return Vec::new(); // no procfs mounted: nothing can be listed
  };
  dir
    .flatten()
    .filter_map(|entry| {
      let fd = entry.file_name().to_str()?.parse().ok()?;
      // Fails for the listing's own descriptor once it is closed, and for any closed meanwhile.
      let path = std::fs::read_link(entry.path()).ok()?;
      Some(Descriptor {
        fd,
        path: path.to_string_lossy().into_owned(),
      })
    })
    .collect()
}

/// A pidfd for our unreaped child `pid` (so it names our child); `None` without one (kernels
/// before 5.3, no descriptor left): the child is then watched by polling waitpid.
pub fn pidfd(pid: Pid) -> Option<OwnedFd> {
  sys::pidfd_open(pid).ok()
}

/// Sends `signal` through the child's pidfd, which cannot reach a recycled pid; `None` without
/// one (the caller then uses kill(2)).
pub fn pidfd_send_signal(pidfd: Option<&OwnedFd>, signal: i32) -> Option<nix::Result<()>> {
  pidfd.map(|fd| sys::pidfd_send_signal(fd.as_fd(), signal))
}

/// Arms `poller` to report the child's exit under `key`, once, through its pidfd (`first`:
/// added, else re-armed).
pub fn watch_exit(
  poller: &Poller,
  _pid: Pid,
  pidfd: Option<&OwnedFd>,
  key: usize,
  first: bool,
) -> Watch {
  let Some(pidfd) = pidfd else {
    return Watch::Unavailable;
  };
  let fd = pidfd.as_fd();
  let interest = polling::Event::readable(key);
  let armed = if first {
    sys::poller_add(poller, fd, interest)
  } else {
    poller.modify(fd, interest)
  };
  if armed.is_ok() {
    Watch::Armed
  } else {
    Watch::Unavailable
  }
}

/// Nothing to forget at the reap beyond the pidfd, which the reap takes out of the poller.
pub fn unwatch_exit(_poller: &Poller, _pid: Pid) {}

/// Pins the other members of `leader`'s session if the leader has exited and is still a zombie
/// (waitid's WNOWAIT leaves it one): while it is, its pid, the session's id, cannot be given out
/// again.
pub fn pin_session_if_exited(leader: &impl Leader) {
  use nix::sys::wait::{waitid, Id, WaitPidFlag, WaitStatus};
  let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
  // An error other than ECHILD is an exit nix could not describe (a real-time signal).
  if !matches!(
    waitid(Id::Pid(leader.sid()), flags),
    Ok(WaitStatus::StillAlive) | Err(Errno::ECHILD)
  ) {
    session::pin(leader);
  }
}

/// A socket pair for the release thread's masters (see `reactor::handoff`): `(send, receive)`.
/// `None` when the system refuses one.
pub fn handoff_pair() -> Option<(OwnedFd, OwnedFd)> {
  use nix::sys::socket::{setsockopt, socketpair, sockopt, AddressFamily, SockFlag, SockType};
  let flags = SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK;
  let (send, receive) = socketpair(AddressFamily::Unix, SockType::Stream, None, flags).ok()?;
  // Best effort: the default holds a few hundred messages already.
  let _ = setsockopt(&send, sockopt::SndBuf, &(1 << 20));
  Some((send, receive))
}

/// Never SIGPIPE the host, should the handoff's receiving end ever be gone.
pub const HANDOFF_SEND_FLAGS: MsgFlags = MsgFlags::MSG_DONTWAIT.union(MsgFlags::MSG_NOSIGNAL);

/// See `spawn::emulate_old_system_for_tests`.
static OLD_SYSTEM: AtomicBool = AtomicBool::new(false);

/// Test-only: spawn as on glibc < 2.34 with a kernel < 5.9 (see
/// `spawn::emulate_old_system_for_tests`).
#[doc(hidden)]
pub fn emulate_old_system_for_tests(on: bool) {
  OLD_SYSTEM.store(on, Relaxed);
  sys::emulate_missing_close_range(on);
}

/// Whether [`emulate_old_system_for_tests`] is on: every spawn takes the fork path.
pub fn old_system_emulated() -> bool {
  OLD_SYSTEM.load(Relaxed)
}

/// Who the child becomes. As root, the supplementary groups are replaced too, or the child
/// would keep the host's (root's 0, adm, disk…): by the user's own groups when `uid` names a
/// known user (as `login` and `su` do), else by `gid` alone, else by none.
fn credentials(uid: Option<u32>, gid: Option<u32>) -> sys::Credentials {
  use nix::unistd::{Gid, Uid, User};
  let mut ids = sys::Credentials {
    uid,
    gid,
    groups: None,
  };
  // Not asked to change user (the fork path serves an old libc too), or not root (setgroups
  // would fail; the host's groups are then the host user's own anyway): groups unchanged.
  if (uid.is_none() && gid.is_none()) || !Uid::effective().is_root() {
    return ids;
  }
  let own = uid.and_then(|uid| {
    let user = User::from_uid(Uid::from_raw(uid)).ok()??;
    let name = CString::new(user.name).ok()?;
    let primary = gid.map_or(user.gid, Gid::from_raw);
    nix::unistd::getgrouplist(&name, primary).ok()
  });
  ids.groups = Some(match own {
    Some(groups) => groups.into_iter().map(Gid::as_raw).collect(),
    None => gid.into_iter().collect(),
  });
  ids
}

/// The fork path: for a different user or group, or a libc without addchdir_np/addclosefrom_np.
pub fn fork_on_tty(
  req: &sys::SpawnRequest<'_>,
  uid: Option<u32>,
  gid: Option<u32>,
  cwd: &str,
) -> Result<Pid> {
  sys::fork_on_tty(req, &credentials(uid, gid)).map_err(|e| {
    let err = SysError::new(e.errno, e.step.syscall());
    match e.step {
      sys::Step::Chdir => err.with_path(cwd),
      sys::Step::Execve => err.with_path(req.program.to_string_lossy()),
      _ => err,
    }
  })
}

#[cfg(test)]
mod tests {
  use super::*;
  use nix::errno::Errno;

  /// Restarting a master's input work neither loses nor repeats output, leaves the master
  /// reading as before, and works after the last slave closed: the read after it then gets
  /// what was still buffered, and EIO only after that.
  #[test]
  fn restarting_stranded_output_keeps_every_byte_once() {
    let _g = crate::test_support::serial();
    let pty = nix::pty::openpty(None, None).unwrap();
    let mut buf = [0u8; 64];
    nix::unistd::write(&pty.slave, b"first").unwrap();
    assert!(restart_stranded_output(pty.master.as_fd()));
    assert_eq!(nix::unistd::read(&pty.master, &mut buf), Ok(5));
    assert_eq!(&buf[..5], b"first");

    nix::unistd::write(&pty.slave, b"last").unwrap();
    drop(pty.slave);
    assert!(restart_stranded_output(pty.master.as_fd()));
    assert_eq!(nix::unistd::read(&pty.master, &mut buf), Ok(4));
    assert_eq!(&buf[..4], b"last");
    assert!(restart_stranded_output(pty.master.as_fd()));
    assert_eq!(nix::unistd::read(&pty.master, &mut buf), Err(Errno::EIO));
  }
}

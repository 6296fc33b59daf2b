//! macOS: libproc for what other processes are, kqueue to watch them (no pidfds), devfs's
//! `/dev/ttysN` for ptys, the parent's slave copy kept, and no fork path.

use super::Watch;
use crate::descriptors::Descriptor;
use crate::error::{PtyPool, Result, SysError, Syscall};
use crate::process::Cwd;
use crate::session::Leader;
use crate::sys;
use nix::errno::Errno;
use nix::pty::PtyMaster;
use nix::sys::socket::MsgFlags;
use nix::sys::termios::SpecialCharacterIndices as Cc;
use nix::unistd::Pid;
use polling::Poller;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// The slave's path of a master: macOS has no ptsname_r; its reentrant form is the
/// `TIOCPTYGNAME` ioctl.
pub fn pts_name(master: &PtyMaster) -> Result<String> {
  sys::pts_name(master.as_fd()).syscall("ioctl(TIOCPTYGNAME)")
}

/// Control characters of this system beyond node-pty's common set: delayed suspend (^Y) and
/// status (^T), as node-pty sets them.
pub fn set_own_control_chars(cc: &mut [libc::cc_t]) {
  cc[Cc::VDSUSP as usize] = 25;
  cc[Cc::VSTATUS as usize] = 20;
}

/// macOS keeps the parent's slave copy (see `spawn::SpawnOptions::keep_slave`): closing the
/// last slave discards the output not yet read.
pub const KEEP_SLAVE: bool = true;

/// XNU never reports EIO at a master's end: `ptcread` (bsd/kern/tty_dev.c, the read of
/// /dev/ptmx's masters) returns 0 once the slave is closed, and unlike on Linux nothing can
/// still be on its way then: the slave's writes are in the queue the master reads before they
/// return (`ttwrite` into `t_outq`), and the slave's last close flushes that queue
/// (`ttyclose`), which is why the parent's slave copy is kept until the output is read.
pub const EIO_MAY_PRECEDE_OUTPUT: bool = false;

/// XNU cannot strand a pty's output: the slave's writes go straight into the queue the
/// master reads (`ttwrite` into `t_outq`, which `ptcread` empties under the tty lock,
/// bsd/kern/tty_dev.c); there is no deferred worker in between as on Linux.
pub const STRANDS_OUTPUT: bool = false;

/// Nothing to restart (see [`STRANDS_OUTPUT`]).
pub fn restart_stranded_output(_master: BorrowedFd<'_>) -> bool {
  false
}

/// The system's pty pool (macOS: `kern.tty.ptmx_max`; the ptys in use are the `/dev/ttysN`
/// nodes, which devfs creates and removes with each pty).
pub fn pool() -> Option<PtyPool> {
  let max = sys::sysctl_u32(c"kern.tty.ptmx_max")?;
  let in_use = std::fs::read_dir("/dev")
    .ok()?
    .filter_map(|e| e.ok())
    .filter(|e| {
      let name = e.file_name();
      let name = name.to_string_lossy();
      name.len() > 4 && name.starts_with("ttys") && name[4..].bytes().all(|b| b.is_ascii_digit())
    })
    .count() as u32;
  Some(PtyPool { in_use, max })
}

/// The kernel's name for the process (`proc_name`), which macOS reports whatever argv[0] is.
pub fn process_name(pid: Pid) -> Option<String> {
  crate::sys::process_name(pid)
}

/// A process's working directory, from libproc, and whether it has been deleted.
pub(crate) fn process_cwd(pid: Pid) -> Option<Cwd> {
  let (path, deleted) = crate::sys::process_cwd(pid)?;
  Some(if deleted {
    Cwd::Deleted
  } else {
    Cwd::Path(path)
  })
}

/// Every descriptor of this process that refers to a file or device, with its path.
pub fn open_descriptors() -> Vec<Descriptor> {
  crate::sys::open_descriptors()
    .into_iter()
    .map(|(fd, path)| Descriptor { fd, path })
    .collect()
}

/// No pidfds on macOS: the child is watched through kqueue and signalled by pid.
pub fn pidfd(_pid: Pid) -> Option<OwnedFd> {
  None
}

/// No pidfds on macOS: the caller uses kill(2), under the lock the reap takes.
pub fn pidfd_send_signal(_pidfd: Option<&OwnedFd>, _signal: i32) -> Option<nix::Result<()>> {
  None
}

/// Arms `poller` (kqueue) to report the exit of our child `pid` under `key`, once (`first`:
/// the first registration, which differs from a re-arm in `polling`).
pub fn watch_exit(
  poller: &Poller,
  pid: Pid,
  _pidfd: Option<&OwnedFd>,
  key: usize,
  first: bool,
) -> Watch {
  match sys::watch_process_exit(poller, pid, key, first) {
    Ok(()) => Watch::Armed,
    // Already past the point where kqueue can attach (or past the exit event it reported,
    // which XNU posts a moment before the zombie can be waited for): only the reap is left.
    Err(e) if e.raw_os_error() == Some(libc::ESRCH) => Watch::Exiting,
    Err(_) => Watch::Unavailable,
  }
}

/// At the reap the pid leaves kqueue and `polling`'s set of pids, where it would otherwise
/// stay and make the registration of the next child given the same (recycled) pid fail.
pub fn unwatch_exit(poller: &Poller, pid: Pid) {
  sys::unwatch_process_exit(poller, pid);
}

/// Nothing to pin: macOS has no pidfds (see [`signal_session`]).
pub fn pin_session_if_exited(_leader: &impl Leader) {}

/// macOS: the pids from `proc_listallpids`, each checked with getsid(2) and signalled with
/// kill(2), only while the leader is not reaped: the reaper waits meanwhile, so the session's
/// id stays the leader's throughout. There are no pidfds: a member that exits between its
/// check and its kill could pass its pid on to a stranger (the pid space's size makes that
/// unlikely), and once the leader is reaped nothing is signalled, background jobs left
/// behind included, since nothing can tell them from a stranger's session that got the id.
pub fn signal_session(leader: &impl Leader, signal: i32) -> Result<usize> {
  use crate::error::Syscall;
  let signal = nix::sys::signal::Signal::try_from(signal).syscall("kill")?;
  let sid = leader.sid();
  let mut scan = || {
    let mut signalled = 0;
    for pid in crate::sys::all_pids().syscall("proc_listallpids")? {
      if nix::unistd::getsid(Some(pid)) == Ok(sid) {
        match nix::sys::signal::kill(pid, signal) {
          Ok(()) => signalled += 1,
          Err(nix::errno::Errno::ESRCH | nix::errno::Errno::EPERM) => {}
          Err(e) => return Err(e).syscall("kill"),
        }
      }
    }
    Ok(signalled)
  };
  leader.holding(&mut scan).unwrap_or(Ok(0))
}

/// No handoff socket on macOS: a destroyed master is released by the reactor itself.
pub fn handoff_pair() -> Option<(OwnedFd, OwnedFd)> {
  None
}

/// macOS has no MSG_NOSIGNAL (and never sends on the handoff, which it does not have).
pub const HANDOFF_SEND_FLAGS: MsgFlags = MsgFlags::MSG_DONTWAIT;

/// Test-only (see `spawn::emulate_old_system_for_tests`): a no-op on macOS.
#[doc(hidden)]
pub fn emulate_old_system_for_tests(_on: bool) {}

/// Never: there is no fork path to emulate an old system with.
pub fn old_system_emulated() -> bool {
  false
}

/// Changing user needs a fork path; it is written for Linux only. (node-pty ignores uid/gid
/// on macOS; here the caller learns it instead.)
pub fn fork_on_tty(
  _req: &sys::SpawnRequest<'_>,
  _uid: Option<u32>,
  _gid: Option<u32>,
  _cwd: &str,
) -> Result<Pid> {
  Err(SysError::new(Errno::ENOTSUP, "fork"))
}

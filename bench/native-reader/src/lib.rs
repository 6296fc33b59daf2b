//! How the native baselines start a program on a new terminal and wait for its end:
//! bench/native-reader's native-spawn, and bench/node-floor, the same calls made from a Node
//! addon. One set of functions, so that the floor makes exactly the native program's calls.

use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, FdFlag, OFlag};
use nix::pty::openpty;
use nix::spawn::{posix_spawn, PosixSpawnAttr, PosixSpawnFileActions, PosixSpawnFlags};
use nix::sys::stat::Mode;
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::Pid;
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

/// openpty (both ends close-on-exec), posix_spawn of `argv` with POSIX_SPAWN_SETSID and the
/// terminal on fds 0-2 (opened by path, so the session leader gets it as its controlling
/// terminal, as a terminal's program must), then the parent's slave closed. Returns the master
/// and the child.
pub fn start_on_new_pty(argv: &[CString], envp: &[CString]) -> nix::Result<(OwnedFd, Pid)> {
  let pty = openpty(None, None)?;
  for fd in [pty.master.as_fd(), pty.slave.as_fd()] {
    fcntl(fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))?;
  }
  let tty = std::fs::read_link(format!("/proc/self/fd/{}", pty.slave.as_raw_fd()))
    .map_err(|e| nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))?;
  let mut attr = PosixSpawnAttr::init()?;
  attr.set_flags(PosixSpawnFlags::from_bits_retain(
    libc::POSIX_SPAWN_SETSID.into(),
  ))?;
  let mut actions = PosixSpawnFileActions::init()?;
  actions.add_open(0, tty.as_path(), OFlag::O_RDWR, Mode::empty())?;
  actions.add_dup2(0, 1)?;
  actions.add_dup2(0, 2)?;
  let pid = posix_spawn(argv[0].as_c_str(), &actions, &attr, argv, envp)?;
  drop(pty.slave);
  Ok((pty.master, pid))
}

/// What both spawn-to-exit baselines run, `sh -c 'exit 0'`, and its environment (as
/// bench/measure.js gives the libraries): argv and envp.
pub fn exit_program() -> (Vec<CString>, Vec<CString>) {
  let c = |s: &&str| CString::new(*s).expect("no NUL in a literal");
  (
    ["/bin/sh", "-c", "exit 0"].iter().map(c).collect(),
    ["PATH=/usr/bin:/bin", "TERM=xterm"].iter().map(c).collect(),
  )
}

/// Reads `master` into `buf` until end of file or EIO (the child's end closed and everything it
/// wrote read), handing each read to `each`, then waits for `pid`. The master stays open: each
/// caller closes it where it always did.
pub fn drain_and_reap(
  master: BorrowedFd<'_>,
  pid: Pid,
  buf: &mut [u8],
  mut each: impl FnMut(&[u8]),
) -> nix::Result<WaitStatus> {
  loop {
    match nix::unistd::read(master, buf) {
      Ok(0) => break,
      Ok(n) => each(&buf[..n]),
      Err(Errno::EINTR) => {}
      Err(_) => break,
    }
  }
  waitpid(pid, None)
}

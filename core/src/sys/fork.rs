//! Starting a terminal's child with `fork()` and `execve()`: for what posix_spawn cannot do
//! (another user or group), or cannot do on an old libc (cwd, closing the host's descriptors).
//! Part of `sys`, the one module allowed `unsafe`.

use super::posix_spawn::{null_terminated, SpawnRequest};
use nix::errno::Errno;
use nix::unistd::Pid;
use std::ffi::{c_char, c_int};
use std::mem::MaybeUninit;
use std::os::fd::AsRawFd;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// The steps of the fork path, in the order the child takes them after the parent's two; the
/// one that fails is reported to the parent (by number, through the pipe) with its errno.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
  Pipe,
  Fork,
  Setsid,
  OpenTty,
  Setgroups,
  Setgid,
  Setuid,
  Chdir,
  Execve,
}

impl Step {
  const CHILD: [Step; 7] = [
    Step::Setsid,
    Step::OpenTty,
    Step::Setgroups,
    Step::Setgid,
    Step::Setuid,
    Step::Chdir,
    Step::Execve,
  ];

  /// The call that failed, for the error's `syscall`.
  pub fn syscall(self) -> &'static str {
    match self {
      Step::Pipe => "pipe2",
      Step::Fork => "fork",
      Step::Setsid => "setsid",
      Step::OpenTty => "open",
      Step::Setgroups => "setgroups",
      Step::Setgid => "setgid",
      Step::Setuid => "setuid",
      Step::Chdir => "chdir",
      Step::Execve => "execve",
    }
  }

  /// The number the child writes to the pipe.
  fn code(self) -> u32 {
    Step::CHILD.iter().position(|&s| s == self).unwrap_or(0) as u32
  }
}

/// Who the fork path's child becomes: `setgroups(groups)`, `setgid(gid)`, `setuid(uid)`, in
/// that order, each only when given. The groups are looked up before the fork (the child
/// cannot call into NSS).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
  pub uid: Option<libc::uid_t>,
  pub gid: Option<libc::gid_t>,
  pub groups: Option<Vec<libc::gid_t>>,
}

/// One past the highest descriptor the fork path's child may inherit: where close_range(2)
/// is missing (Linux < 5.9, e.g. RHEL 8's 4.18) it closes 3..this one by one. Stored before
/// each fork, because the child may only read memory (getrlimit is not async-signal-safe).
static CLOSE_LIMIT: AtomicI32 = AtomicI32::new(0);

/// Test-only: the child closes descriptors one by one as on a kernel without close_range.
static CLOSE_ONE_BY_ONE: AtomicBool = AtomicBool::new(false);

/// Test-only (see `spawn::emulate_old_system_for_tests`): makes the fork path's child close the
/// host's descriptors as it must on a kernel without close_range(2).
pub fn emulate_missing_close_range(on: bool) {
  CLOSE_ONE_BY_ONE.store(on, Ordering::Relaxed);
}

/// What `fork_on_tty` could not do: the failing step and its errno.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForkError {
  pub step: Step,
  pub errno: Errno,
}

/// The same child as `spawn_on_tty`, but by `fork()` and exec: with `setgid`/`setuid` before
/// the exec, which posix_spawn cannot express, and the way every child starts where the libc's
/// posix_spawn cannot honour the request (glibc before 2.34 lacks addchdir_np/addclosefrom_np:
/// see `spawn::needs_fork`). It pays for a `fork()` of the host (page tables copied), so
/// posix_spawn is used wherever it can be. Everything the child touches is prepared before
/// the fork; the child makes only async-signal-safe calls.
pub fn fork_on_tty(
  req: &SpawnRequest<'_>,
  ids: &Credentials,
) -> std::result::Result<Pid, ForkError> {
  let fail = |step, errno| ForkError { step, errno };
  let argv = null_terminated(req.argv);
  let envp = null_terminated(req.envp);
  let (report_rd, report_wr) =
    nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| fail(Step::Pipe, e))?;
  let report_fd = report_wr.as_raw_fd();
  // Asked here so that the child does not have to.
  let last_signal = libc::SIGRTMAX();
  let limit = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
    .map_or(1024, |(soft, _)| soft.min(i32::MAX as u64) as i32);
  CLOSE_LIMIT.store(limit, Ordering::Relaxed);

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
    return Err(fail(Step::Fork, fork_errno));
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
  let code = u32::from_ne_bytes([report[0], report[1], report[2], report[3]]) as usize;
  let errno = i32::from_ne_bytes([report[4], report[5], report[6], report[7]]);
  Err(fail(
    Step::CHILD.get(code).copied().unwrap_or(Step::Fork),
    Errno::from_raw(errno),
  ))
}

/// The child side of `fork_on_tty`.
///
/// # Safety
/// Must be called only in the child right after `fork()`, with `argv`/`envp` NULL-terminated
/// arrays of pointers into `req`, `report_fd` the write end of a close-on-exec pipe, and
/// every signal blocked.
unsafe fn fork_child(
  req: &SpawnRequest<'_>,
  argv: &[*mut c_char],
  envp: &[*mut c_char],
  ids: &Credentials,
  report_fd: c_int,
  last_signal: c_int,
) -> ! {
  let die = |step: Step| -> ! {
    let step = step.code();
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
      die(Step::Setsid);
    }
    // A session leader without a terminal acquires the first tty it opens.
    let tty = libc::open(req.tty.as_ptr(), libc::O_RDWR);
    if tty < 0 {
      die(Step::OpenTty);
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
        die(Step::Setgroups);
      }
    }
    if let Some(gid) = ids.gid {
      if libc::setgid(gid) < 0 {
        die(Step::Setgid);
      }
    }
    if let Some(uid) = ids.uid {
      if libc::setuid(uid) < 0 {
        die(Step::Setuid);
      }
    }
    if libc::chdir(req.cwd.as_ptr()) < 0 {
      die(Step::Chdir);
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
    die(Step::Execve)
  }
}

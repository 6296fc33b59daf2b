//! Starting a terminal's child with `posix_spawn(3)`: no copy of the host, errors of the
//! child's setup returned as an errno. Part of `sys`, the one module allowed `unsafe`.

use nix::errno::Errno;
use nix::unistd::Pid;
use std::ffi::{c_char, c_int, CStr, CString};
use std::mem::MaybeUninit;
use std::ptr;
use std::sync::OnceLock;

/// What the child of a terminal is given by `spawn_on_tty`.
pub struct SpawnRequest<'a> {
  /// Absolute or cwd-relative path of the program (already looked up in PATH).
  pub program: &'a CStr,
  pub argv: &'a [CString],
  pub envp: &'a [CString],
  /// The terminal's slave path, opened as fds 0, 1 and 2. On Linux glibc creates the session
  /// first, so the open makes it the child's controlling terminal; XNU runs the file actions
  /// before the session exists, so on macOS the program is the spawn helper, which takes it.
  pub tty: &'a CStr,
  pub cwd: &'a CStr,
}

/// The NULL-terminated array of pointers that exec-family calls take, pointing into
/// `strings` (which must outlive it). Built before any fork: the child must not allocate.
pub(super) fn null_terminated(strings: &[CString]) -> Vec<*mut c_char> {
  strings
    .iter()
    .map(|s| s.as_ptr().cast_mut())
    .chain(std::iter::once(ptr::null_mut()))
    .collect()
}

type AddChdir = unsafe extern "C" fn(*mut libc::posix_spawn_file_actions_t, *const c_char) -> c_int;

/// Looks up an optional libc function at run time, once, so the addon still loads on a libc
/// that predates it (addchdir_np: glibc 2.29, macOS 10.15; addclosefrom_np: glibc 2.34).
pub(super) fn optional_libc_fn(
  cache: &'static OnceLock<Option<usize>>,
  name: &CStr,
) -> Option<usize> {
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

/// Whether `spawn_on_tty` can honour everything it promises with this libc: the cwd
/// (addchdir_np) and, on Linux, closing the host's descriptors that are not close-on-exec
/// (addclosefrom_np; macOS has POSIX_SPAWN_CLOEXEC_DEFAULT). Where it cannot (glibc < 2.34:
/// RHEL 8, Debian 11, Ubuntu 20.04), the caller takes `fork_on_tty`. (macOS has addchdir_np
/// from 10.15, the oldest macOS any supported Node runs on.)
pub fn posix_spawn_is_complete() -> bool {
  add_chdir_fn().is_some() && super::spawn_closes_inherited()
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

/// `posix_spawn(3)` of a terminal's child: new session, the tty as fds 0-2 (on Linux also its
/// controlling terminal: a session leader without one acquires the first tty it opens without
/// O_NOCTTY, and glibc's child calls setsid before it runs the file actions; XNU's
/// `posix_spawn` in bsd/kern/kern_exec.c runs `exec_handle_file_actions` before
/// `setsid_internal`, so there the tty is opened before the session exists and the spawn
/// helper, core/src/bin/spawn-helper.rs, takes it as the controlling terminal),
/// every signal's disposition reset and none blocked, `cwd`, and no other inherited
/// descriptor. The host is not forked: glibc uses `clone(CLONE_VM|CLONE_VFORK)` and XNU
/// builds the child in the kernel, so the cost does not grow with the host's heap, and errors
/// of the child's setup (a missing program, a bad cwd) come back here as an errno.
pub fn spawn_on_tty(req: &SpawnRequest<'_>) -> nix::Result<Pid> {
  let add_chdir = add_chdir_fn().ok_or(Errno::ENOSYS)?;
  let mut st = SpawnState::new()?;
  let flags = super::SPAWN_FLAGS;

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
    check(super::add_close_inherited(&mut st.actions))?;

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

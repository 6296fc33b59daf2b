use super::*;
use crate::test_support::serial;

#[test]
fn resolves_in_the_child_path_not_the_hosts() {
  let _g = serial();
  let env = vec!["PATH=/nonexistent:/usr/bin:/bin".to_string()];
  let sh = resolve_program("sh", &env, Path::new("/")).unwrap();
  assert!(sh.ends_with("sh"));
  let err = resolve_program("sh", &["PATH=/nonexistent".to_string()], Path::new("/")).unwrap_err();
  assert_eq!(err.errno, Errno::ENOENT);
  assert_eq!(err.path.as_deref(), Some("sh"));
}

#[test]
fn paths_with_a_slash_are_not_searched_but_checked() {
  let _g = serial();
  // /usr/bin/true: macOS has no /bin/true.
  let p = resolve_program("./true", &[], Path::new("/usr/bin")).unwrap();
  assert_eq!(p, PathBuf::from("./true"));
  let missing = resolve_program("./nope", &[], Path::new("/")).unwrap_err();
  assert_eq!((missing.errno, missing.syscall), (Errno::ENOENT, "execve"));
  let dir = resolve_program("/tmp", &[], Path::new("/")).unwrap_err();
  assert_eq!(dir.errno, Errno::EACCES);
}

#[test]
fn non_executable_match_is_eacces() {
  let _g = serial();
  let dir = std::env::temp_dir().join(format!("npr-eacces-{}", std::process::id()));
  std::fs::create_dir_all(&dir).unwrap();
  std::fs::write(dir.join("prog"), "#!/bin/sh\n").unwrap();
  let env = vec![format!("PATH={}", dir.display())];
  let err = resolve_program("prog", &env, Path::new("/")).unwrap_err();
  assert_eq!(err.errno, Errno::EACCES);
  std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_cwd_is_reported_as_chdir_with_its_path() {
  let _g = serial();
  let cmd = SpawnOptions {
    cwd: "/nonexistent/dir".into(),
    ..SpawnOptions::new("/usr/bin/true", &[])
  };
  let err = spawn(&cmd).unwrap_err();
  assert_eq!((err.errno, err.syscall), (Errno::ENOENT, "chdir"));
  assert_eq!(err.path.as_deref(), Some("/nonexistent/dir"));
  assert!(err.is_exec_failure());
}

#[cfg(target_os = "linux")]
#[test]
fn a_script_without_a_shebang_runs_with_bin_sh_like_execvp() {
  let _g = serial();
  let dir = std::env::temp_dir().join(format!("npr-enoexec-{}", std::process::id()));
  std::fs::create_dir_all(&dir).unwrap();
  let script = dir.join("script");
  std::fs::write(&script, "echo \"$# [$1] $0\"; exit 5\n").unwrap();
  std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
  let path = script.to_string_lossy().into_owned();
  let cmd = SpawnOptions {
    keep_slave: false,
    ..SpawnOptions::new(&path, &["one two"])
  };
  let (out, code) = run_to_end(spawn(&cmd).unwrap());
  assert_eq!((out, code), (format!("1 [one two] {path}\r\n"), 5));

  // The fork path (another user) falls back the same way; only root may take it. The
  // script is ours, so its owner is our effective uid.
  if std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&script).unwrap()) == 0 {
    let cmd = SpawnOptions {
      uid: Some(65534),
      gid: Some(65534),
      ..cmd
    };
    let (out, code) = run_to_end(spawn(&cmd).unwrap());
    assert_eq!((out, code), (format!("1 [one two] {path}\r\n"), 5));
  }
  std::fs::remove_dir_all(dir).unwrap();
}

/// Reads the master until the child side is gone (EIO twice: Linux can report the first ahead
/// of the last output, see `platform::EIO_MAY_PRECEDE_OUTPUT`) and reaps the child.
#[cfg(target_os = "linux")]
fn run_to_end(s: Spawned) -> (String, i32) {
  use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
  use nix::sys::wait::{waitpid, WaitStatus};
  use std::os::fd::AsFd;
  let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
  let mut out = Vec::new();
  let mut buf = [0u8; 4096];
  let mut eio = false;
  loop {
    assert!(std::time::Instant::now() < deadline, "no EIO within 20 s");
    let mut fds = [PollFd::new(s.master.as_fd(), PollFlags::POLLIN)];
    poll(&mut fds, PollTimeout::from(1000u16)).unwrap();
    match nix::unistd::read(&s.master, &mut buf) {
      Ok(0) => break,
      Err(Errno::EIO) if eio => break,
      Err(Errno::EIO) => eio = true,
      Ok(n) => out.extend_from_slice(&buf[..n]),
      Err(Errno::EAGAIN) | Err(Errno::EINTR) => {}
      Err(e) => panic!("read: {e}"),
    }
  }
  let code = match waitpid(s.child.pid, None).unwrap() {
    WaitStatus::Exited(_, code) => code,
    other => panic!("{other:?}"),
  };
  (String::from_utf8_lossy(&out).into_owned(), code)
}

/// Runs the ignored test `name` alone in a run of this test binary of its own, with `env`
/// added: for switches that hold for a whole process, which this multi-threaded one shares.
#[cfg(target_os = "linux")]
fn in_a_process_of_its_own(name: &str, env: &[(&str, &str)]) {
  let out = std::process::Command::new(std::env::current_exe().unwrap())
    .args(["--exact", name, "--ignored"])
    .args(["--test-threads=1", "--nocapture"])
    .envs(env.iter().copied())
    .output()
    .unwrap();
  let text =
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
  assert!(out.status.success(), "{text}");
  assert!(text.contains("1 passed"), "{text}");
}

/// A user's environment does not change how children are started: the variable the switch
/// was once read from (at each spawn) chooses nothing.
#[test]
#[cfg(target_os = "linux")]
fn the_environment_does_not_choose_the_fork_path_in_a_process_of_its_own() {
  let _g = serial();
  in_a_process_of_its_own(
    "spawn::tests::the_environment_does_not_choose_the_fork_path",
    &[("NODE_PTY_RS_TEST_OLD_SYSTEM", "1")],
  );
}

#[test]
#[cfg(target_os = "linux")]
#[ignore = "run by the_environment_does_not_choose_the_fork_path_in_a_process_of_its_own"]
fn the_environment_does_not_choose_the_fork_path() {
  assert_eq!(
    std::env::var("NODE_PTY_RS_TEST_OLD_SYSTEM").as_deref(),
    Ok("1")
  );
  let plain = SpawnOptions::new("/bin/true", &[]);
  assert_eq!(needs_fork(&plain), !crate::sys::posix_spawn_is_complete());
}

/// The fallback for an old libc and kernel, forced with the test-only switch, which holds for
/// the whole process.
#[test]
#[cfg(target_os = "linux")]
fn old_system_fallback_in_a_process_of_its_own() {
  let _g = serial();
  in_a_process_of_its_own("spawn::tests::old_system_fallback", &[]);
}

#[test]
#[cfg(target_os = "linux")]
#[ignore = "run by old_system_fallback_in_a_process_of_its_own, with the switch set"]
fn old_system_fallback() {
  use std::os::fd::AsRawFd;
  emulate_old_system_for_tests(true);
  assert!(needs_fork(&SpawnOptions::new("/bin/true", &[])));
  let path = vec!["PATH=/usr/bin:/bin".to_string()];

  // The cwd is honoured without addchdir_np.
  let dir = std::env::temp_dir().join(format!("npr-old-cwd-{}", std::process::id()));
  std::fs::create_dir_all(&dir).unwrap();
  let dir = dir.canonicalize().unwrap();
  let cmd = SpawnOptions {
    env: path.clone(),
    cwd: dir.to_string_lossy().into_owned(),
    ..SpawnOptions::new("pwd", &[])
  };
  let (out, code) = run_to_end(spawn(&cmd).unwrap());
  assert_eq!((out.trim_end(), code), (dir.to_str().unwrap(), 0));

  // A host descriptor that is not close-on-exec does not reach the child.
  let (rd, _wr) = nix::unistd::pipe().unwrap();
  let flags = nix::fcntl::fcntl(&rd, nix::fcntl::FcntlArg::F_GETFD).unwrap();
  assert_eq!(
    flags & libc::FD_CLOEXEC,
    0,
    "the test needs an inheritable descriptor"
  );
  let inode = nix::sys::stat::fstat(&rd).unwrap().st_ino;
  let cmd = SpawnOptions {
    env: path.clone(),
    ..SpawnOptions::new("ls", &["-l", "/proc/self/fd/"])
  };
  let (out, code) = run_to_end(spawn(&cmd).unwrap());
  assert_eq!(code, 0, "{out}");
  assert!(
    out.contains("/dev/pts/"),
    "the listing shows the tty: {out}"
  );
  assert!(
    !out.contains(&format!("pipe:[{inode}]")),
    "fd {} inherited: {out}",
    rd.as_raw_fd()
  );

  // An exec failure is the program's failure (exit code 1 in JS), with its real errno: a
  // script whose interpreter does not exist. (A file the kernel cannot run at all is run
  // with /bin/sh, as execvp does.)
  let orphan = dir.join("orphan-script");
  std::fs::write(&orphan, "#!/nonexistent/interpreter\n").unwrap();
  std::fs::set_permissions(&orphan, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
  let err = spawn(&SpawnOptions::new(orphan.to_str().unwrap(), &[])).unwrap_err();
  assert_eq!((err.errno, err.syscall), (Errno::ENOENT, "execve"));
  assert!(err.is_exec_failure());
  std::fs::remove_dir_all(&dir).unwrap();
}

/// The fork path (taken for uid/gid; the test's own uid works unprivileged) starts the
/// program with every signal at its default and none blocked, whatever the host had, and
/// gives the host back its own mask.
#[cfg(target_os = "linux")]
#[test]
fn the_fork_path_resets_signals_and_restores_the_hosts_mask() {
  use nix::sys::signal::{SigSet, SigmaskHow, Signal};
  let _g = serial();
  let mut usr1 = SigSet::empty();
  usr1.add(Signal::SIGUSR1);
  usr1.thread_block().unwrap();
  let host_mask = SigSet::thread_get_mask().unwrap();
  let cmd = SpawnOptions {
    uid: Some(nix::unistd::getuid().as_raw()),
    ..SpawnOptions::new("/bin/grep", &["-E", "^Sig(Blk|Ign)", "/proc/self/status"])
  };
  let (out, _) = run_to_end(spawn(&cmd).unwrap());
  assert_eq!(SigSet::thread_get_mask().unwrap(), host_mask);
  nix::sys::signal::pthread_sigmask(SigmaskHow::SIG_UNBLOCK, Some(&usr1), None).unwrap();
  // The test harness itself ignores SIGPIPE and this thread blocked SIGUSR1.
  assert_eq!(
    out,
    "SigBlk:\t0000000000000000\r\nSigIgn:\t0000000000000000\r\n"
  );
}

#[test]
fn nul_in_an_argument_is_einval() {
  let _g = serial();
  let cmd = SpawnOptions::new("/usr/bin/true", &["a\0b"]);
  assert_eq!(spawn(&cmd).unwrap_err().errno, Errno::EINVAL);
}

//! The macOS way of starting a program (through spawn-helper, keeping the slave until the
//! child is reaped and the master drained), run on Linux where it can be tested.

use node_pty_rs_core::reactor::{Event, ExitStatus, Sink, Terminal};
use node_pty_rs_core::spawn::{spawn, SpawnOptions};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;
use std::time::Duration;

const HELPER: &str = env!("CARGO_BIN_EXE_spawn-helper");

fn via_helper(file: &str, args: &[&str]) -> SpawnOptions {
  SpawnOptions {
    env: vec!["PATH=/usr/bin:/bin".into()],
    keep_slave: true,
    helper: Some(HELPER.into()),
    ..SpawnOptions::new(file, args)
  }
}

fn run(cmd: &SpawnOptions) -> (String, ExitStatus) {
  let (tx, rx) = channel();
  let term: Arc<Terminal> = Terminal::spawn(cmd, |_| {
    Ok::<Sink, ()>(Box::new(move |ev| match ev {
      Event::Data(d) => drop(tx.send(Ok(d.to_vec()))),
      Event::Drain => {}
      Event::Exit(s) => drop(tx.send(Err(s))),
    }))
  })
  .unwrap();
  collect(&term, &rx)
}

fn collect(term: &Terminal, rx: &Receiver<Result<Vec<u8>, ExitStatus>>) -> (String, ExitStatus) {
  let mut out = Vec::new();
  loop {
    match rx.recv_timeout(Duration::from_secs(20)).expect("no exit") {
      Ok(d) => {
        term.in_flight().consumed(d.len());
        out.extend(d);
      }
      Err(status) => return (String::from_utf8_lossy(&out).into_owned(), status),
    }
  }
}

#[test]
fn the_program_leads_its_session_with_the_tty_as_controlling_terminal() {
  // ps's `stat` flags a session leader with `s` in procps and BSD (macOS) ps alike; macOS's ps
  // has no session id column (its `sess` is a kernel pointer).
  let (out, status) = run(&via_helper(
    "/bin/sh",
    &["-c", "ps -o stat= -o tpgid= -p $$; tty; echo $$"],
  ));
  let lines: Vec<&str> = out.trim().split("\r\n").collect();
  let fields: Vec<&str> = lines[0].split_whitespace().collect();
  assert!(fields[0].contains('s'), "not a session leader: {out:?}");
  assert_eq!(fields[1], lines[2], "not the foreground group: {out:?}");
  // Linux devpts /dev/pts/N; macOS /dev/ttysNNN.
  assert!(
    lines[1].starts_with("/dev/pts/") || lines[1].starts_with("/dev/ttys"),
    "{out:?}"
  );
  assert_eq!(status, ExitStatus { code: 0, signal: 0 });
}

#[test]
fn argv0_and_arguments_pass_through() {
  let (out, _) = run(&via_helper(
    "sh",
    &["-c", "echo \"$0|$1|$2\"", "zero", "one two", ""],
  ));
  assert_eq!(out, "zero|one two|\r\n");
}

#[test]
fn every_byte_arrives_before_the_exit() {
  let (out, status) = run(&via_helper(
    "/bin/sh",
    &["-c", "head -c 300000 /dev/zero | tr '\\0' m; exit 5"],
  ));
  assert_eq!(out.len(), 300000);
  assert_eq!(status.code, 5);
}

#[test]
fn a_helper_without_execute_permission_is_a_clear_error() {
  let dir = std::env::temp_dir().join(format!("npr-helper-{}", std::process::id()));
  std::fs::create_dir_all(&dir).unwrap();
  let copy = dir.join("spawn-helper");
  std::fs::copy(HELPER, &copy).unwrap();
  use std::os::unix::fs::PermissionsExt;
  std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o644)).unwrap();
  let mut cmd = via_helper("/usr/bin/true", &[]); // /bin/true is Linux's only
  cmd.helper = Some(copy.to_string_lossy().into_owned());
  let err = spawn(&cmd).unwrap_err();
  // As root, access(X_OK) still needs one execute bit.
  assert_eq!(
    (err.errno, err.syscall),
    (nix::errno::Errno::EACCES, "access")
  );
  assert_eq!(err.path.as_deref(), Some(copy.to_str().unwrap()));
  std::fs::remove_dir_all(dir).unwrap();
}

/// What a program started by `argv(tty)` on a fresh tty prints, started the way macOS's
/// posix_spawn leaves spawn-helper: a new session (setsid(1)) with the tty on fds 0-2 but
/// opened O_NOCTTY, so without a controlling terminal.
fn without_controlling_tty(argv: impl FnOnce(&str) -> Vec<String>) -> String {
  use node_pty_rs_core::pty::{self, Size};
  use std::os::fd::AsFd;
  let pair = pty::open(Size::new(80, 24), true).unwrap();
  let tty = || std::process::Stdio::from(pair.slave.try_clone().unwrap());
  let mut child = std::process::Command::new("setsid")
    .args(argv(&pair.pts_name))
    .stdin(tty())
    .stdout(tty())
    .stderr(tty())
    .spawn()
    .unwrap();
  drop(pair.slave);
  let mut out = Vec::new();
  let mut buf = [0u8; 4096];
  loop {
    let mut fds = [nix::poll::PollFd::new(
      pair.master.as_fd(),
      nix::poll::PollFlags::POLLIN,
    )];
    nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(10_000u16)).unwrap();
    match nix::unistd::read(&pair.master, &mut buf) {
      Ok(0) | Err(nix::errno::Errno::EIO) => break,
      Ok(n) => out.extend_from_slice(&buf[..n]),
      Err(nix::errno::Errno::EAGAIN) => {}
      Err(e) => panic!("read: {e}"),
    }
  }
  child.wait().unwrap();
  String::from_utf8_lossy(&out).into_owned()
}

/// On Linux posix_spawn already gives the child its controlling terminal, so the tests above
/// would pass with a helper that only execs. This one starts the helper as macOS leaves it.
/// (On macOS the tests above already start it that way, through posix_spawn.)
#[test]
#[cfg_attr(
  not(target_os = "linux"),
  ignore = "needs util-linux's setsid(1); on macOS every test above starts the helper as posix_spawn leaves it"
)]
fn the_helper_itself_makes_the_tty_the_controlling_terminal() {
  const SCRIPT: &str = "ps -o tpgid= -p $$; echo $$";
  let fields = |out: String| out.split_whitespace().map(String::from).collect::<Vec<_>>();
  // The control: with env(1) in the helper's place, nothing acquires the terminal.
  let out = fields(without_controlling_tty(|_| {
    ["env", "/bin/sh", "-c", SCRIPT].map(String::from).to_vec()
  }));
  assert_eq!(out[0], "-1", "{out:?}");
  // The helper opens the tty as a session leader: the program's group is in the foreground.
  let out = fields(without_controlling_tty(|tty| {
    [HELPER, tty, "/bin/sh", "sh", "-c", SCRIPT]
      .map(String::from)
      .to_vec()
  }));
  assert_eq!(out[0], out[1], "{out:?}");
}

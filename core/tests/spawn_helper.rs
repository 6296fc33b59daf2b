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
  let (out, status) = run(&via_helper(
    "/bin/sh",
    &["-c", "ps -o sid= -o tpgid= -p $$; tty; echo $$"],
  ));
  let lines: Vec<&str> = out.trim().split("\r\n").collect();
  let ids: Vec<&str> = lines[0].split_whitespace().collect();
  assert_eq!(ids, [lines[2], lines[2]], "{out:?}");
  assert!(lines[1].starts_with("/dev/pts/"), "{out:?}");
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
  let mut cmd = via_helper("/bin/true", &[]);
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

//! Usage: native-reader [--poll] [--handoff] FILE
//! Runs `cat FILE` on a new pty and reads the master until EIO: by default with blocking reads
//! of 64 KiB (the physical limit); with `--poll` the way an event loop must, waiting in poll(2)
//! and reading the non-blocking master until EAGAIN; with `--handoff` each chunk is copied and
//! passed to a second thread, as any design that reads off the JS thread must.
//! Prints `{"bytes": N, "seconds": S}` (bytes as counted by the thread that consumes them).

use nix::pty::openpty;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
  let args: Vec<String> = std::env::args().skip(1).collect();
  let poll_mode = args.iter().any(|a| a == "--poll");
  let handoff = args.iter().any(|a| a == "--handoff");
  let file = args
    .iter()
    .find(|a| !a.starts_with("--"))
    .expect("usage: native-reader [--poll] [--handoff] FILE")
    .clone();
  let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
  let consumer = std::thread::spawn(move || rx.iter().map(|chunk| chunk.len() as u64).sum::<u64>());
  let pty = openpty(None, None).expect("openpty");
  let slave = pty.slave;
  let start = Instant::now();
  let mut child = Command::new("cat")
    .arg(&file)
    .stdin(Stdio::null())
    .stdout(Stdio::from(slave.try_clone().expect("dup")))
    .stderr(Stdio::inherit())
    .spawn()
    .expect("spawn cat");
  // Linux keeps buffered output after the last slave closes, then reports EIO.
  drop(slave);
  let mut master = std::fs::File::from(pty.master);
  if poll_mode {
    use nix::fcntl::{fcntl, FcntlArg, OFlag};
    fcntl(&master, FcntlArg::F_SETFL(OFlag::O_NONBLOCK)).expect("fcntl");
  }
  let mut buf = vec![0u8; 64 * 1024];
  let mut bytes: u64 = 0;
  loop {
    if poll_mode {
      use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
      use std::os::fd::AsFd;
      let mut fds = [PollFd::new(master.as_fd(), PollFlags::POLLIN)];
      poll(&mut fds, PollTimeout::NONE).expect("poll");
    }
    match master.read(&mut buf) {
      Ok(0) => break,
      Ok(n) if handoff => tx.send(buf[..n].to_vec()).expect("consumer"),
      Ok(n) => bytes += n as u64,
      Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
      Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
      Err(_) => break, // EIO: every slave closed, everything read
    }
  }
  drop(tx);
  bytes += consumer.join().expect("consumer");
  let seconds = start.elapsed().as_secs_f64();
  child.wait().expect("wait");
  println!("{{\"bytes\": {bytes}, \"seconds\": {seconds}}}");
}

//! Usage: native-reader FILE
//! Runs `cat FILE` on a new pty and reads the master until EIO with blocking reads of 64 KiB.
//! Prints `{"bytes": N, "seconds": S}`.

use nix::pty::openpty;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
  let file = std::env::args().nth(1).expect("usage: native-reader FILE");
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
  let mut buf = vec![0u8; 64 * 1024];
  let mut bytes: u64 = 0;
  loop {
    match master.read(&mut buf) {
      Ok(0) => break,
      Ok(n) => bytes += n as u64,
      Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
      Err(_) => break, // EIO: every slave closed, everything read
    }
  }
  let seconds = start.elapsed().as_secs_f64();
  child.wait().expect("wait");
  println!("{{\"bytes\": {bytes}, \"seconds\": {seconds}}}");
}

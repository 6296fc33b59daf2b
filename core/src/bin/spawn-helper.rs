//! spawn-helper TTY PROGRAM ARGV0 [ARGS...]
//!
//! On macOS `posix_spawn` runs its file actions before it makes the child a session leader
//! (XNU bsd/kern/kern_exec.c), so the tty opened as fd 0 by a file action can never become the
//! controlling terminal. The library therefore spawns this helper (with POSIX_SPAWN_SETSID and
//! the tty already on fds 0-2); once running it is a session leader without a terminal, and
//! opening the tty without O_NOCTTY makes it the controlling terminal (XNU's open1 issues
//! TIOCSCTTY). Then it becomes PROGRAM. If that fails it reports on the terminal and exits 1,
//! as node-pty's child does.
#![deny(unsafe_code)]

use nix::fcntl::{open, OFlag};
use nix::sys::stat::Mode;
use std::os::unix::process::CommandExt;
use std::process::{exit, Command};

fn main() {
  let mut args = std::env::args_os().skip(1);
  let (Some(tty), Some(program), Some(argv0)) = (args.next(), args.next(), args.next()) else {
    eprintln!("usage: spawn-helper TTY PROGRAM ARGV0 [ARGS...]");
    exit(2);
  };
  match open(tty.as_os_str(), OFlag::O_RDWR, Mode::empty()) {
    Ok(fd) => drop(fd), // fds 0-2 already refer to the terminal
    Err(e) => {
      eprintln!("spawn-helper: open({}) failed: {e}", tty.to_string_lossy());
      exit(1);
    }
  }
  // Replaces this process; std resets SIGPIPE (which Rust programs ignore) to its default.
  let err = Command::new(&program).arg0(argv0).args(args).exec();
  eprintln!("execve failed: {err}, '{}'", program.to_string_lossy());
  exit(1);
}

//! Usage: native-spawn COUNT [PROGRAM ARGS...]  (default: /bin/sh -c 'exit 0')
//! The physical limit for spawn-to-exit: what a careful C program does to run a program on a
//! new terminal and wait for its end, with no Node. Per run: openpty (both ends close-on-exec),
//! posix_spawn with POSIX_SPAWN_SETSID and the terminal on fds 0-2 (opened by path, so the
//! session leader gets it as its controlling terminal, as a terminal's program must), the
//! parent's slave closed, the master read until EIO (all output drained), then waitpid.
//! One warm-up run, then COUNT; prints `{"spawnToExitMs": median, "runs": COUNT}`.

use native_reader::{drain_and_reap, exit_program, start_on_new_pty};
use std::ffi::CString;
use std::os::fd::AsFd;
use std::time::Instant;

fn run_once(argv: &[CString], envp: &[CString]) -> f64 {
  let start = Instant::now();
  let (master, pid) = start_on_new_pty(argv, envp).expect("start on a new pty");
  drain_and_reap(master.as_fd(), pid, &mut [0u8; 4096], |_| {}).expect("waitpid");
  start.elapsed().as_secs_f64() * 1e3
}

fn main() {
  let mut args = std::env::args().skip(1);
  let count: usize = args
    .next()
    .and_then(|n| n.parse().ok())
    .expect("usage: native-spawn COUNT [PROGRAM ARGS...]");
  let mut argv: Vec<CString> = args.map(|a| CString::new(a).expect("argument")).collect();
  let (exit_argv, envp) = exit_program();
  if argv.is_empty() {
    argv = exit_argv;
  }
  run_once(&argv, &envp); // warm-up: first-use costs, as measure.js does
  let mut samples: Vec<f64> = (0..count).map(|_| run_once(&argv, &envp)).collect();
  samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
  let median = samples[(samples.len() - 1) / 2];
  println!("{{\"spawnToExitMs\": {median}, \"runs\": {count}}}");
}

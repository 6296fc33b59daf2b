//! macOS: libproc for what other processes are, kqueue to watch them (no pidfds), devfs's
//! `/dev/ttysN` for ptys.

use crate::error::PtyPool;
use crate::sys;

/// The system's pty pool (macOS: `kern.tty.ptmx_max`; the ptys in use are the `/dev/ttysN`
/// nodes, which devfs creates and removes with each pty).
pub fn pool() -> Option<PtyPool> {
  let max = sys::sysctl_u32(c"kern.tty.ptmx_max")?;
  let in_use = std::fs::read_dir("/dev")
    .ok()?
    .filter_map(|e| e.ok())
    .filter(|e| {
      let name = e.file_name();
      let name = name.to_string_lossy();
      name.len() > 4 && name.starts_with("ttys") && name[4..].bytes().all(|b| b.is_ascii_digit())
    })
    .count() as u32;
  Some(PtyPool { in_use, max })
}

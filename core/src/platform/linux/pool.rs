//! Linux's pty pool: the global one in procfs, or a devpts instance's own `max=` (read from
//! mountinfo) where that is lower, as in containers.

use crate::error::PtyPool;

/// The pty pool that limits this process's next pty (Linux). That is the global one
/// (/proc/sys/kernel/pty/{nr,max}), unless the devpts instance mounted at /dev/pts, where
/// /dev/ptmx allocates, has a lower `max=` of its own (containers mount their own): then that
/// instance's ptys and limit. Read afresh on each call, holding no descriptor in between;
/// `None` when the files cannot be read (procfs missing, or no descriptor left).
pub fn pool() -> Option<PtyPool> {
  let number =
    |path: &str| -> Option<u32> { std::fs::read_to_string(path).ok()?.trim().parse().ok() };
  let global = PtyPool {
    in_use: number("/proc/sys/kernel/pty/nr")?,
    max: number("/proc/sys/kernel/pty/max")?,
  };
  match devpts_max() {
    Some(max) if max < global.max => {
      let in_use = std::fs::read_dir("/dev/pts")
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| {
          e.file_name()
            .to_string_lossy()
            .bytes()
            .all(|b| b.is_ascii_digit())
        })
        .count() as u32;
      Some(PtyPool { in_use, max })
    }
    _ => Some(global),
  }
}

/// The `max=` option of the devpts instance visible at /dev/pts. Reading mountinfo costs tens
/// of microseconds and spawns check the pool, so the answer is kept for as long as /dev/pts
/// is the same instance (the same device); a failed read is not kept.
fn devpts_max() -> Option<u32> {
  use std::os::unix::fs::MetadataExt;
  static KNOWN: std::sync::Mutex<Option<(u64, Option<u32>)>> = std::sync::Mutex::new(None);
  let dev = std::fs::metadata("/dev/pts").ok()?.dev();
  let mut known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
  match *known {
    Some((known_dev, max)) if known_dev == dev => max,
    _ => {
      let max = read_devpts_max().ok()?;
      *known = Some((dev, max));
      max
    }
  }
}

/// The `max=` option of the last devpts mounted at /dev/pts, from /proc/self/mountinfo;
/// `Err` when mountinfo cannot be read.
fn read_devpts_max() -> std::io::Result<Option<u32>> {
  let mountinfo = std::fs::read_to_string("/proc/self/mountinfo")?;
  let options = mountinfo.lines().rev().find_map(|line| {
    // ID PARENT DEV ROOT MOUNTPOINT OPTIONS [TAGS...] - FSTYPE SOURCE SUPER_OPTIONS
    let (mount, fs) = line.split_once(" - ")?;
    let mut fs = fs.split(' ');
    let point = mount.split(' ').nth(4)?;
    (point == "/dev/pts" && fs.next()? == "devpts").then(|| fs.nth(1).unwrap_or(""))
  });
  Ok(options.and_then(|options| {
    options
      .split(',')
      .find_map(|o| o.strip_prefix("max="))
      .and_then(|v| v.parse().ok())
  }))
}

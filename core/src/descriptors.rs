//! The descriptors this process has open, and which of them are ptys: what the library's leak
//! check (`leaks()`, `assertNoLeaks()`, `diagnostics().descriptors`) compares with what its
//! terminals hold. Linux lists /proc/self/fd; macOS asks the kernel (see `platform`).

use std::os::fd::RawFd;

/// One open descriptor and the path of what it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
  pub fd: RawFd,
  pub path: String,
}

/// Every descriptor of this process that refers to a file or device, with its path.
pub use crate::platform::open_descriptors as open;

/// The pty descriptors of this process: masters and slaves, in descriptor order.
pub fn ptys() -> Vec<Descriptor> {
  let mut found: Vec<Descriptor> = open().into_iter().filter(|d| is_pty(&d.path)).collect();
  found.sort_by_key(|d| d.fd);
  found
}

/// Whether `path` names a pty end: the master (`/dev/ptmx` on both systems) or a slave (Linux
/// `/dev/pts/N`, macOS `/dev/ttysNNN`). Not `/dev/tty` (the controlling terminal's alias),
/// nor a console or serial line (`/dev/ttyS0`, `/dev/tty1`).
pub fn is_pty(path: &str) -> bool {
  let numbered = |rest: &str| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit());
  path == "/dev/ptmx"
    || path.strip_prefix("/dev/pts/").is_some_and(numbered)
    || path.strip_prefix("/dev/ttys").is_some_and(numbered)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn pty_paths_of_both_systems_are_recognised_and_nothing_else() {
    for path in [
      "/dev/ptmx",
      "/dev/pts/0",
      "/dev/pts/417",
      "/dev/ttys000",
      "/dev/ttys1023",
    ] {
      assert!(is_pty(path), "{path}");
    }
    for path in [
      "/dev/tty",
      "/dev/ttyS0",
      "/dev/tty1",
      "/dev/ttys",
      "/dev/pts/",
      "/dev/pts/ptmx",
      "/dev/ttys00a",
      "/dev/null",
      "/tmp/dev/ptmx",
      "socket:[1234]",
    ] {
      assert!(!is_pty(path), "{path}");
    }
  }

  #[cfg(target_os = "linux")]
  #[test]
  fn a_pty_opened_here_is_listed_with_its_paths_and_gone_once_closed() {
    use std::os::fd::AsRawFd;
    // It opens descriptors: not while another test counts them.
    let _g = crate::test_support::serial();
    let pair = crate::pty::open(crate::pty::Size::new(80, 24), true).unwrap();
    let (master, slave) = (pair.master.as_raw_fd(), pair.slave.as_raw_fd());
    let listed = ptys();
    assert!(listed.contains(&Descriptor {
      fd: master,
      path: "/dev/ptmx".into()
    }));
    assert!(listed.contains(&Descriptor {
      fd: slave,
      path: pair.pts_name.clone()
    }));
    let file = std::fs::File::open("/dev/null").unwrap();
    assert!(open().contains(&Descriptor {
      fd: file.as_raw_fd(),
      path: "/dev/null".into()
    }));
    drop(pair);
    let after = ptys();
    assert!(
      after.iter().all(|d| d.fd != master && d.fd != slave),
      "{after:?}"
    );
  }
}

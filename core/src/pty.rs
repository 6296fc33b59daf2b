//! Opening a pty pair the way node-pty configures it, and the per-terminal tty queries.

use crate::error::{PtyPool, Result, SysError, Syscall};
use crate::platform;
use crate::sys;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::pty::{grantpt, posix_openpt, unlockpt, Winsize};
use nix::sys::stat::Mode;
use nix::sys::termios::{
  cfsetispeed, cfsetospeed, tcgetattr, tcsetattr, BaudRate, ControlFlags, InputFlags, LocalFlags,
  OutputFlags, SetArg, SpecialCharacterIndices as Cc,
};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// Both ends of a new pty. The master is non-blocking; both are close-on-exec from birth.
#[derive(Debug)]
pub struct PtyPair {
  pub master: OwnedFd,
  pub slave: OwnedFd,
  pub pts_name: String,
}

/// A window size in character cells, plus the optional pixel size (`ws_xpixel`/`ws_ypixel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
  pub cols: u16,
  pub rows: u16,
  pub pixel_width: u16,
  pub pixel_height: u16,
}

impl Size {
  pub fn new(cols: u16, rows: u16) -> Self {
    Size {
      cols,
      rows,
      pixel_width: 0,
      pixel_height: 0,
    }
  }

  fn winsize(self) -> Winsize {
    Winsize {
      ws_row: self.rows,
      ws_col: self.cols,
      ws_xpixel: self.pixel_width,
      ws_ypixel: self.pixel_height,
    }
  }
}

/// Opens a pair with node-pty's termios defaults and the given size. When the system is out
/// of ptys or the process out of descriptors, the error carries the figures.
pub fn open(size: Size, utf8: bool) -> Result<PtyPair> {
  open_pair(size, utf8).map_err(SysError::exhaustion)
}

fn open_pair(size: Size, utf8: bool) -> Result<PtyPair> {
  let master =
    posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC).syscall("posix_openpt")?;
  grantpt(&master).syscall("grantpt")?;
  unlockpt(&master).syscall("unlockpt")?;
  let pts_name = platform::pts_name(&master)?;
  let master = OwnedFd::from(master);
  fcntl(
    &master,
    FcntlArg::F_SETFL(OFlag::O_RDWR | OFlag::O_NONBLOCK),
  )
  .syscall("fcntl")?;
  let slave = nix::fcntl::open(
    pts_name.as_str(),
    OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC,
    Mode::empty(),
  )
  .map_err(|e| SysError::new(e, "open").with_path(&pts_name))?;
  apply_defaults(slave.as_fd(), utf8)?;
  set_size(master.as_fd(), size)?;
  Ok(PtyPair {
    master,
    slave,
    pts_name,
  })
}

/// Makes `fd` non-blocking (a pair's slave end, read and written by the reactor).
pub fn set_nonblocking(fd: BorrowedFd<'_>) -> Result<()> {
  let flags = OFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFL).syscall("fcntl")?);
  fcntl(fd, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))
    .syscall("fcntl")
    .map(drop)
}

/// node-pty's termios (src/unix/pty.cc): cooked mode with echo, CR->NL on input, NL->CRNL on
/// output, 38400 baud, and IUTF8 when the terminal's encoding is UTF-8 so that the line
/// editor erases whole characters.
fn apply_defaults(fd: BorrowedFd<'_>, utf8: bool) -> Result<()> {
  let mut t = tcgetattr(fd).syscall("tcgetattr")?;
  t.input_flags = InputFlags::ICRNL
    | InputFlags::IXON
    | InputFlags::IXANY
    | InputFlags::IMAXBEL
    | InputFlags::BRKINT;
  if utf8 {
    t.input_flags |= InputFlags::IUTF8;
  }
  t.output_flags = OutputFlags::OPOST | OutputFlags::ONLCR;
  t.control_flags = ControlFlags::CREAD | ControlFlags::CS8 | ControlFlags::HUPCL;
  t.local_flags = LocalFlags::ICANON
    | LocalFlags::ISIG
    | LocalFlags::IEXTEN
    | LocalFlags::ECHO
    | LocalFlags::ECHOE
    | LocalFlags::ECHOK
    | LocalFlags::ECHOKE
    | LocalFlags::ECHOCTL;
  let cc = &mut t.control_chars;
  cc[Cc::VEOF as usize] = 4;
  cc[Cc::VEOL as usize] = 0xff;
  cc[Cc::VEOL2 as usize] = 0xff;
  cc[Cc::VERASE as usize] = 0x7f;
  cc[Cc::VWERASE as usize] = 23;
  cc[Cc::VKILL as usize] = 21;
  cc[Cc::VREPRINT as usize] = 18;
  cc[Cc::VINTR as usize] = 3;
  cc[Cc::VQUIT as usize] = 0x1c;
  cc[Cc::VSUSP as usize] = 26;
  cc[Cc::VSTART as usize] = 17;
  cc[Cc::VSTOP as usize] = 19;
  cc[Cc::VLNEXT as usize] = 22;
  cc[Cc::VDISCARD as usize] = 15;
  cc[Cc::VMIN as usize] = 1;
  cc[Cc::VTIME as usize] = 0;
  platform::set_own_control_chars(cc);
  cfsetispeed(&mut t, BaudRate::B38400).syscall("cfsetispeed")?;
  cfsetospeed(&mut t, BaudRate::B38400).syscall("cfsetospeed")?;
  tcsetattr(fd, SetArg::TCSANOW, &t).syscall("tcsetattr")
}

/// `TIOCSWINSZ` on the master; the child's foreground process group gets SIGWINCH.
/// Whether every descriptor of the slave is closed (the master polls as hung up). What the
/// program wrote may still be on its way through the kernel's flush of the tty buffers: the
/// master then reports end of file once it has all been read, so nobody needs a time limit.
pub fn peer_closed(master: BorrowedFd<'_>) -> bool {
  use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
  let mut fds = [PollFd::new(master, PollFlags::POLLIN)];
  poll(&mut fds, PollTimeout::ZERO).is_ok()
    && fds[0]
      .revents()
      .is_some_and(|r| r.contains(PollFlags::POLLHUP))
}

pub fn set_size(master: BorrowedFd<'_>, size: Size) -> Result<()> {
  sys::set_winsize(master, &size.winsize()).syscall("ioctl(TIOCSWINSZ)")
}

/// `TIOCGWINSZ`.
pub fn get_size(fd: BorrowedFd<'_>) -> Result<Size> {
  let ws = sys::get_winsize(fd).syscall("ioctl(TIOCGWINSZ)")?;
  Ok(Size {
    cols: ws.ws_col,
    rows: ws.ws_row,
    pixel_width: ws.ws_xpixel,
    pixel_height: ws.ws_ypixel,
  })
}

/// The pty pool that limits this process's next pty: its size and how much of it is in use,
/// read afresh on each call, holding no descriptor in between; `None` when the system does not
/// tell.
pub fn pool() -> Option<PtyPool> {
  platform::pool()
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::test_support::{fd_count, serial};
  use std::os::fd::AsRawFd;

  fn is_cloexec(fd: BorrowedFd<'_>) -> bool {
    let flags = fcntl(fd, FcntlArg::F_GETFD).unwrap();
    nix::fcntl::FdFlag::from_bits_truncate(flags).contains(nix::fcntl::FdFlag::FD_CLOEXEC)
  }

  #[test]
  fn pair_is_cloexec_and_master_nonblocking() {
    let _g = serial();
    let pair = open(Size::new(80, 24), true).unwrap();
    assert!(is_cloexec(pair.master.as_fd()));
    assert!(is_cloexec(pair.slave.as_fd()));
    let fl = OFlag::from_bits_truncate(fcntl(&pair.master, FcntlArg::F_GETFL).unwrap());
    assert!(fl.contains(OFlag::O_NONBLOCK));
    // Linux devpts /dev/pts/N; macOS /dev/ttysNNN.
    assert!(
      pair.pts_name.starts_with("/dev/pts/") || pair.pts_name.starts_with("/dev/ttys"),
      "{}",
      pair.pts_name
    );
    assert_ne!(pair.master.as_raw_fd(), pair.slave.as_raw_fd());
  }

  #[test]
  fn termios_defaults_follow_node_pty() {
    let _g = serial();
    let pair = open(Size::new(80, 24), true).unwrap();
    let t = tcgetattr(&pair.slave).unwrap();
    assert!(t
      .input_flags
      .contains(InputFlags::IUTF8 | InputFlags::ICRNL | InputFlags::IXON));
    assert!(t
      .local_flags
      .contains(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG));
    assert!(t.output_flags.contains(OutputFlags::ONLCR));
    assert_eq!(t.control_chars[Cc::VERASE as usize], 0x7f);
    let plain = open(Size::new(80, 24), false).unwrap();
    assert!(!tcgetattr(&plain.slave)
      .unwrap()
      .input_flags
      .contains(InputFlags::IUTF8));
  }

  #[test]
  fn the_pool_is_read_without_keeping_a_descriptor() {
    let _g = serial();
    let before = fd_count();
    let pool = pool().unwrap();
    assert_eq!(fd_count(), before);
    // The system's limit as its own tools report it.
    let max = if cfg!(target_os = "linux") {
      std::fs::read_to_string("/proc/sys/kernel/pty/max").unwrap()
    } else {
      let out = std::process::Command::new("sysctl")
        .args(["-n", "kern.tty.ptmx_max"])
        .output()
        .unwrap();
      String::from_utf8(out.stdout).unwrap()
    };
    let max: u32 = max.trim().parse().unwrap();
    assert!(pool.max <= max && pool.in_use <= pool.max, "{pool:?}");
  }

  #[test]
  fn size_round_trips_through_both_ends() {
    let _g = serial();
    let pair = open(Size::new(100, 40), false).unwrap();
    assert_eq!(get_size(pair.slave.as_fd()).unwrap(), Size::new(100, 40));
    let bigger = Size {
      cols: 132,
      rows: 50,
      pixel_width: 1320,
      pixel_height: 1000,
    };
    set_size(pair.master.as_fd(), bigger).unwrap();
    assert_eq!(get_size(pair.slave.as_fd()).unwrap(), bigger);
  }
}

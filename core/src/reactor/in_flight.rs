//! Output back-pressure: the bytes of one terminal handed to its sink and not yet consumed.
//!
//! The reactor charges every chunk it delivers; the consumer (the JS thread, through the
//! binding) reports what it has taken. Above [`IN_FLIGHT_LIMIT`] the terminal is throttled:
//! the reactor stops reading its master, the kernel's buffer fills and the child blocks in
//! `write(2)`. Below [`IN_FLIGHT_RESUME`] the consumer's report wakes the reactor again.

use super::{Msg, Reactor};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};

/// Bytes handed to a sink and not yet reported consumed at which reading that master stops.
pub const IN_FLIGHT_LIMIT: usize = 1024 * 1024;
/// Reading resumes once the consumer is back under this.
const IN_FLIGHT_RESUME: usize = IN_FLIGHT_LIMIT / 2;

/// The output accounting of one terminal, shared by the reactor and the consumer.
#[derive(Debug)]
pub struct InFlight {
  pub(super) id: usize,
  bytes: AtomicUsize,
  throttled: AtomicBool,
  pub(super) reactor: &'static Reactor,
}

impl InFlight {
  pub(super) fn new(id: usize, reactor: &'static Reactor) -> Self {
    InFlight {
      id,
      bytes: AtomicUsize::new(0),
      throttled: AtomicBool::new(false),
      reactor,
    }
  }

  /// Reports `n` bytes of delivered data as consumed; reading resumes once enough are.
  pub fn consumed(&self, n: usize) {
    let left = self.bytes.fetch_sub(n, SeqCst) - n;
    if left <= IN_FLIGHT_RESUME && self.throttled.swap(false, SeqCst) {
      self.reactor.send(Msg::Wake(self.id));
    }
  }

  /// Bytes delivered and not yet consumed.
  pub fn bytes(&self) -> usize {
    self.bytes.load(SeqCst)
  }

  pub(super) fn charge(&self, n: usize) {
    if self.bytes.fetch_add(n, SeqCst) + n >= IN_FLIGHT_LIMIT {
      self.throttled.store(true, SeqCst);
      // The consumer may have caught up between the add and the store without seeing the
      // flag; whoever clears it first owns the wake-up.
      if self.bytes.load(SeqCst) <= IN_FLIGHT_RESUME {
        self.throttled.store(false, SeqCst);
      }
    }
  }

  pub(super) fn throttled(&self) -> bool {
    self.throttled.load(SeqCst)
  }
}

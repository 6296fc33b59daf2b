//! The terminals each JS environment (the main thread, each Worker) has spawned, so that a
//! Worker that is terminated takes its terminals with it instead of leaving their programs
//! running on a pty nobody reads.

use napi::Env;
use node_pty_rs_core::reactor::Terminal;
use std::collections::HashMap;
use std::sync::{Arc, Weak};

#[derive(Default)]
pub struct EnvTerminals {
  terms: HashMap<usize, Weak<Terminal>>,
}

impl EnvTerminals {
  /// This environment's registry, created (with its teardown hook) on first use.
  pub fn of(env: &Env) -> napi::Result<&'static mut EnvTerminals> {
    if let Some(reg) = env.get_instance_data::<EnvTerminals>()? {
      return Ok(reg);
    }
    // napi runs this when the environment is torn down (Worker terminated, process exiting).
    env.set_instance_data(EnvTerminals::default(), (), |ctx| ctx.value.destroy_all())?;
    env
      .get_instance_data::<EnvTerminals>()?
      .ok_or_else(|| napi::Error::from_reason("napi instance data vanished"))
  }

  pub fn insert(&mut self, term: &Arc<Terminal>) {
    // Forget terminals the JS side has let go of, so the map stays as large as what is alive.
    if self.terms.len() >= 64 {
      self.terms.retain(|_, t| t.strong_count() > 0);
    }
    self.terms.insert(term.id(), Arc::downgrade(term));
  }

  fn destroy_all(self) {
    for term in self.terms.into_values().filter_map(|t| t.upgrade()) {
      term.destroy();
    }
  }
}

//! Linux: procfs for what other processes are, pidfds to hold and watch them, devpts for ptys.

mod pool;

pub use pool::pool;

//! The core of node-pty-rs, free of napi so that `cargo test` drives it: opening pty pairs,
//! starting programs on them, and the one reactor thread that reads, writes and reaps for
//! every terminal. The addon (the crate above this one) only converts types and errors.
#![deny(clippy::all)]
#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod descriptors;
pub mod error;
mod platform;
pub mod process;
pub mod pty;
pub mod reactor;
pub mod session;
pub mod spawn;
mod sys;
#[cfg(test)]
mod test_support;

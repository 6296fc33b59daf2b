//! What each operating system does its own way, in safe code: one file per system, selected
//! here once (the unsafe calls they need are in `sys`, likewise one file per system). What macOS
//! does differently from Linux is read in `macos.rs`, nowhere else; both files offer the same
//! names.

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::*;

#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "macos")]
pub use macos::*;

//! The browser playground, grouped by feature: each folder holds a feature's view model (plain
//! Rust, tested natively) and its Yew component (wasm32 only). `core` is the model and the one
//! reducer; `shell` lays the features out; `browser` is the only code that touches the browser
//! (clock driver, console API, hooks).
//!
//! - `cluster`: servers on the ring, timers, messages, clients, links;
//! - `logs`: each server's log, commit index and the leader's marks;
//! - `diagram`: the space-time diagram;
//! - `timeline`: the term tape and the time slider;
//! - `inspector`: one server or message in detail;
//! - `settings`: the forms and switches;
//! - `story`: guided scenarios;
//! - `trace`: a trace from any implementation, opened as a second source of the same views.

pub mod cluster;
pub mod compare;
pub mod core;
pub mod diagram;
pub mod inspector;
pub mod logs;
pub mod settings;
pub mod shell;
pub mod story;
pub mod timeline;
pub mod trace;

#[cfg(target_arch = "wasm32")]
mod browser;

#[cfg(target_arch = "wasm32")]
pub use shell::app::{App, AppProps, start};

//! The browser playground. Geometry, the model and the view snapshot are plain Rust (tested
//! natively); the Yew components, the clock driver and the console API exist only on wasm32,
//! and are the only code that touches the browser.

pub mod diagram;
pub mod forms;
pub mod geometry;
pub mod inspect;
pub mod model;
pub mod num;
pub mod state;
pub mod tape;
pub mod tour;
pub mod view;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
mod console;
#[cfg(target_arch = "wasm32")]
mod driver;
#[cfg(target_arch = "wasm32")]
mod hooks;

#[cfg(target_arch = "wasm32")]
pub use app::{App, AppProps, start};

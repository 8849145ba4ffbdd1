//! The browser glue (wasm32 only): the clock driver that wakes the simulation, the console
//! API, and the hooks that connect the page to the window, one hook a file.

pub mod console;
pub mod driver;
pub mod hooks;

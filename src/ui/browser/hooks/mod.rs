//! The App's hooks into the browser, one a file: the clock (`use_motion`, `use_clock`), what
//! is on screen, the address bar and the clipboard, the theme, visibility, reduced motion and
//! the keyboard. Each owns what it registers (timers, listeners, observers) and lets it go when
//! the App does.

mod address;
mod clipboard;
mod clock;
mod keyboard;
mod on_screen;
mod reduced_motion;
mod theme;
mod tour_memory;
mod visibility;

pub(crate) use self::address::*;
pub(crate) use self::clipboard::*;
pub(crate) use self::clock::*;
pub(crate) use self::keyboard::*;
pub(crate) use self::on_screen::*;
pub(crate) use self::reduced_motion::*;
pub(crate) use self::theme::*;
pub(crate) use self::tour_memory::*;
pub(crate) use self::visibility::*;

pub(crate) fn document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect("a browser page has a document")
}

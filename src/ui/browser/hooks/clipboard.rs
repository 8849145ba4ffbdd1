//! A new share link goes to the clipboard.

use std::rc::Rc;

use yew::prelude::*;

use super::address::{Written, share_url, write_fragment};

/// A new share link goes to the clipboard (where the browser allows it) and the address bar.
#[hook]
pub(crate) fn use_clipboard(shares: u64, share: Option<Rc<str>>, written: Written) {
    use_effect_with((shares, share), move |(_, share)| {
        if let (Some(link), Some(window)) = (share, web_sys::window()) {
            let url = share_url(link);
            // The promise settles on its own; a refusal leaves the visible field to copy from.
            let _ = window.navigator().clipboard().write_text(&url);
            write_fragment(&written, link);
        }
    });
}

//! Whether an element is on screen.

use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Whether the element is (even partly) in the viewport, followed by an IntersectionObserver
/// the hook owns and disconnects.
#[hook]
pub(crate) fn use_on_screen(node: NodeRef) -> bool {
    let shown = use_state(|| true);
    {
        let shown = shown.clone();
        use_effect_with(node, move |node| {
            let callback =
                wasm_bindgen::closure::Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
                    let last =
                        entries.iter().last().and_then(|e| e.dyn_into::<web_sys::IntersectionObserverEntry>().ok());
                    if let Some(entry) = last {
                        shown.set(entry.is_intersecting());
                    }
                });
            let observer = web_sys::IntersectionObserver::new(callback.as_ref().unchecked_ref()).ok();
            if let (Some(observer), Some(el)) = (&observer, node.cast::<web_sys::Element>()) {
                observer.observe(&el);
            }
            move || {
                if let Some(observer) = observer {
                    observer.disconnect();
                }
                drop(callback);
            }
        });
    }
    *shown
}

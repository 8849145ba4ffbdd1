//! The reducer's dispatcher as a context: a component makes the callbacks it needs where it
//! uses them (`dispatch.reform(…)`), as Yew's examples do, instead of the app building every
//! callback of the page and threading each one down as a prop.

use yew::prelude::*;

use crate::ui::core::state::Action;

/// Sends an action to the one reducer (`core::state`).
pub type Dispatch = Callback<Action>;

/// The page's dispatcher, provided once by the app around everything it draws.
#[hook]
pub fn use_dispatch() -> Dispatch {
    use_context::<Dispatch>().expect("the app provides the dispatcher to every component it draws")
}

/// A click that sends one fixed action.
pub fn on_click(dispatch: &Dispatch, action: fn() -> Action) -> Callback<MouseEvent> {
    dispatch.reform(move |_: MouseEvent| action())
}

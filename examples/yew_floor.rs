//! The smallest Yew page: one component, one button, one counter. Built with the page's own
//! profile, it is what Yew costs in the download before a single view of ours
//! (`node tests/e2e/floors.mjs` builds and measures it; issue 10's download goal is judged
//! against it).
#[cfg(target_arch = "wasm32")]
mod page {
    use yew::prelude::*;

    #[component]
    fn Counter() -> Html {
        let n = use_state(|| 0u32);
        let onclick = {
            let n = n.clone();
            Callback::from(move |_| n.set(*n + 1))
        };
        html! { <main><button {onclick}>{ "+1" }</button><p>{ *n }</p></main> }
    }

    pub fn start() {
        yew::Renderer::<Counter>::new().render();
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    page::start();
}

//! The smallest page that runs the simulator: one Yew component whose button seeks a fresh run
//! of five servers and three clients to ten simulated minutes and shows its trace hash. What
//! the download of any Yew page around this simulator starts from (`node tests/e2e/floors.mjs`).
#[cfg(target_arch = "wasm32")]
mod page {
    use raft_playground::ui::core::model::{self, Model};
    use yew::prelude::*;

    fn seek(seed: u64) -> String {
        let run = Model::new(model::three_clients(seed)).and_then(|mut m| m.seek(600_000_000).map(|()| m));
        run.map_or_else(|e| e, |m| m.world.trace().hash_hex())
    }

    #[component]
    fn Seek() -> Html {
        let hash = use_state(String::new);
        let onclick = {
            let hash = hash.clone();
            Callback::from(move |_| hash.set(seek(42)))
        };
        html! { <main><button {onclick}>{ "seek" }</button><p>{ (*hash).clone() }</p></main> }
    }

    pub fn start() {
        yew::Renderer::<Seek>::new().render();
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    page::start();
}

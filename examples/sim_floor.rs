//! The simulator without any page: a fresh run of five servers and three clients, sought to a
//! time with the page's own model (checkpoints, checker, trace), and its trace hash. Built for
//! wasm32 with the page's profile, it is what the simulation costs in the download
//! (`node tests/e2e/floors.mjs`).
#[cfg(target_arch = "wasm32")]
mod exported {
    use raft_playground::ui::core::model::{self, Model};
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    pub fn page_seek(seed: u64, to_us: u64) -> String {
        let run = Model::new(model::three_clients(seed)).and_then(|mut m| m.seek(to_us).map(|()| m));
        run.map_or_else(|e| e, |m| m.world.trace().hash_hex())
    }
}

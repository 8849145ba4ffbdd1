//! The browser entry point: Trunk builds this binary for wasm32 and it mounts the playground.

#[cfg(target_arch = "wasm32")]
fn main() {
    raft_playground::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("raft-playground is the browser app: serve it with `scripts/serve`. The native command is `raft-sim`.");
    std::process::exit(2);
}

//! Memory of the page's model under the heaviest load the page allows: 15 servers, 16 clients,
//! 10 % loss, 5 % duplication, an hour of simulated time with time-travel checkpoints. Counts
//! live heap bytes with a counting allocator (natively; the wasm heap follows the same data).
//! Prints figures; asserts nothing. Run with `cargo bench --bench memory`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use raft_playground::scenario::Scenario;
use raft_playground::ui::core::model::{Model, default_config};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

fn main() {
    let mut config = default_config(1);
    config.nodes = 15;
    config.clients.count = 16;
    config.net.loss_ppm = 100_000;
    config.net.dup_ppm = 50_000;
    let base = LIVE.load(Ordering::Relaxed);
    let mut model = Model::new(Scenario::new(config)).expect("valid");
    let started = Instant::now();
    println!(
        "15 servers, 16 clients, 10 % loss, 5 % duplication ({} build)",
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    for minute in [1u64, 5, 10, 20, 30, 40, 50, 60] {
        model.seek(minute * 60_000_000).expect("the run simulates");
        // What the page does after a seek: the live watch and the paused "about this run" check.
        let _ = model.first_violation();
        let _ = raft_playground::ui::shell::linearizability(&model);
        let live = LIVE.load(Ordering::Relaxed) - base;
        let before = LIVE.load(Ordering::Relaxed);
        let copy = model.world.clone();
        let one_world = LIVE.load(Ordering::Relaxed) - before;
        drop(copy);
        let stages: usize = model.world.history().iter().map(|h| h.stages.len()).sum();
        println!(
            "{minute:>3} simulated min: model {:>7.1} MB live, one world copy {:>6.1} MB, {:>7} requests in the history ({stages} stages), {:>5.1} s wall",
            mb(live),
            mb(one_world),
            model.world.history().len(),
            started.elapsed().as_secs_f64()
        );
    }
    println!("peak {:.1} MB", mb(PEAK.load(Ordering::Relaxed) - base));
}

//! Browser tests: mount the App in headless Chrome, let the clock run, click, and assert on the
//! DOM through the documented automation hooks. Run with
//! `CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome -- --test browser`.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use gloo_timers::future::sleep;
use js_sys::{Function, Reflect};
use raft_playground::scenario::recipe::{LIVENESS_BOUND_US, Recipe};
use raft_playground::scenario::{RunOptions, run};
use raft_playground::ui::model::DEFAULT_WORLD_HASH_SEED_42;
use raft_playground::ui::{App, AppProps};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, MouseEvent, MouseEventInit};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect("document")
}

/// Mounts a fresh App with a fixed seed into its own element.
async fn mount(seed: u64) -> Element {
    let root = document().create_element("div").expect("div");
    document().body().expect("body").append_child(&root).expect("append");
    yew::Renderer::<App>::with_root_and_props(root.clone(), AppProps { seed: Some(seed) }).render();
    yew::scheduler::flush().await;
    root
}

/// Calls `window.raftPlayground[name](arg)`.
async fn api(name: &str, arg: JsValue) {
    let window = web_sys::window().expect("window");
    let obj = Reflect::get(&window, &"raftPlayground".into()).expect("console API installed");
    let f: Function = Reflect::get(&obj, &name.into()).expect("function").dyn_into().expect("callable");
    let result = f.call1(&obj, &arg).expect("call");
    assert!(!result.is_instance_of::<js_sys::Error>(), "{name} failed: {result:?}");
    yew::scheduler::flush().await;
}

fn query(root: &Element, selector: &str) -> Option<Element> {
    root.query_selector(selector).expect("valid selector")
}

fn attr(el: &Element, name: &str) -> String {
    el.get_attribute(name).unwrap_or_default()
}

fn click(el: &Element) {
    let init = MouseEventInit::new();
    init.set_bubbles(true);
    let event = MouseEvent::new_with_mouse_event_init_dict("click", &init).expect("event");
    el.dispatch_event(&event).expect("dispatch");
}

#[wasm_bindgen_test]
async fn a_leader_appears_as_the_clock_runs() {
    let root = mount(3).await;
    assert_eq!(root.query_selector_all("[data-node]").expect("query").length(), 5);
    api("setSpeed", 1.0.into()).await;
    // Real frames drive the clock; poll the DOM (bounded), never a fixed sleep.
    for _ in 0..200 {
        if query(&root, "[data-role='leader']").is_some() {
            let clock = query(&root, "[data-clock]").expect("clock");
            assert!(attr(&clock, "data-sim-time-us").parse::<u64>().expect("number") > 0);
            return;
        }
        sleep(Duration::from_millis(50)).await;
    }
    panic!("no leader after 10 s of wall time at 1× speed");
}

#[wasm_bindgen_test]
async fn clicking_the_leader_crashes_it_and_another_is_elected() {
    let root = mount(5).await;
    api("pause", JsValue::UNDEFINED).await;
    api("advance", 1500.0.into()).await;
    let leader = query(&root, "[data-role='leader'][data-state='up']").expect("a leader after 1.5 s");
    let id = attr(&leader, "data-node");
    click(&leader);
    yew::scheduler::flush().await;
    let crashed = query(&root, &format!("[data-node='{id}']")).expect("server");
    assert_eq!(attr(&crashed, "data-state"), "down");
    api("advance", 2000.0.into()).await;
    let new = query(&root, "[data-role='leader'][data-state='up']").expect("a new leader");
    assert_ne!(attr(&new, "data-node"), id, "the crashed leader cannot lead");
    click(&crashed);
    yew::scheduler::flush().await;
    let back = query(&root, &format!("[data-node='{id}']")).expect("server");
    assert_eq!(attr(&back, "data-state"), "up", "a second click restarts it");
    let monitor = query(&root, "[data-invariants]").expect("monitor");
    assert_eq!(attr(&monitor, "data-invariants"), "ok");
}

#[wasm_bindgen_test]
async fn trace_hash_matches_the_native_build() {
    // The same scenario hashed natively in tests/swarm.rs (trace_hash_is_pinned).
    let recipe = Recipe { seed: 7, duration_us: Some(3_000_000), ..Recipe::default() };
    let opts =
        RunOptions { duration_us: recipe.duration_us(), liveness_us: Some(LIVENESS_BOUND_US), ..RunOptions::default() };
    let (report, _) = run(&recipe.scenario().expect("valid"), &opts).expect("runs");
    assert_eq!(report.trace_hash, "2b48e5aff80d0fe6");
    // And the App's own world, driven through the page, agrees with src/ui/model.rs.
    let root = mount(42).await;
    api("seek", 1500.0.into()).await;
    let hash = query(&root, "[data-trace-hash]").expect("about panel");
    assert_eq!(attr(&hash, "data-trace-hash"), DEFAULT_WORLD_HASH_SEED_42);
}

#[wasm_bindgen_test]
async fn bad_form_input_shows_an_alert_and_keeps_working() {
    let root = mount(9).await;
    api("pause", JsValue::UNDEFINED).await;
    let input: web_sys::HtmlInputElement =
        query(&root, "[data-control='latency']").expect("latency input").dyn_into().expect("input");
    input.set_value("20..10");
    input.dispatch_event(&web_sys::Event::new("change").expect("event")).expect("dispatch");
    yew::scheduler::flush().await;
    let alert = query(&root, "[role='alert']").expect("an alert");
    assert!(alert.text_content().unwrap_or_default().contains("latency minimum"), "{:?}", alert.text_content());
    api("advance", 1000.0.into()).await;
    assert!(query(&root, "[data-role='leader']").is_some(), "the cluster still works");
}

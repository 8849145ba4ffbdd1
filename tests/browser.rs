//! Browser tests: mount the App in a headless browser, let the clock run, click, and assert on
//! the DOM through the documented automation hooks. `scripts/test` runs them in Chromium and in
//! Firefox:
//! `CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome -- --test browser`,
//! `GECKODRIVER=$(command -v geckodriver) wasm-pack test --headless --firefox -- --test browser`.
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::time::Duration;

use gloo_timers::future::sleep;
use js_sys::{Function, Reflect};
use raft_playground::scenario::link;
use raft_playground::scenario::recipe::{LIVENESS_BOUND_US, Recipe};
use raft_playground::scenario::{RunOptions, run};
use raft_playground::ui::core::model::{DEFAULT_WORLD_HASH_SEED_42, Model};
use raft_playground::ui::{App, AppProps};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, MouseEvent, MouseEventInit};
use yew::AppHandle;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect("document")
}

thread_local! {
    static BUSY: Cell<bool> = const { Cell::new(false) };
}

/// The address bar and `window.raftPlayground` are shared by the whole page, and the runner
/// interleaves async tests: each test takes its turn and unmounts its Apps when done.
struct Turn;

impl Drop for Turn {
    fn drop(&mut self) {
        BUSY.with(|b| b.set(false));
    }
}

async fn turn() -> Turn {
    while BUSY.with(|b| b.replace(true)) {
        sleep(Duration::from_millis(5)).await;
    }
    Turn
}

/// A mounted App; dropping it unmounts it, which removes its listeners and console API.
struct Mounted {
    handle: Option<AppHandle<App>>,
    root: Element,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.destroy();
        }
        self.root.remove();
    }
}

impl std::ops::Deref for Mounted {
    type Target = Element;
    fn deref(&self) -> &Element {
        &self.root
    }
}

/// Mounts a fresh App with a fixed seed into its own element, with no link in the address bar.
async fn mount(seed: u64) -> Mounted {
    set_hash("");
    mount_here(seed).await
}

/// Mounts a fresh App that reads whatever the address bar holds, as a freshly opened page does.
async fn mount_here(seed: u64) -> Mounted {
    let root = document().create_element("div").expect("div");
    document().body().expect("body").append_child(&root).expect("append");
    let handle = yew::Renderer::<App>::with_root_and_props(root.clone(), AppProps { seed: Some(seed) }).render();
    yew::scheduler::flush().await;
    Mounted { handle: Some(handle), root }
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
    let _turn = turn().await;
    let root = mount(3).await;
    assert_eq!(root.query_selector_all("[data-node]").expect("query").length(), 5);
    // Fast-forward (10× real time) through the page's own button: real frames drive the clock,
    // and even a throttled browser that draws few frames reaches an election quickly.
    click(&query(&root, "[data-action='fast-forward']").expect("fast-forward button"));
    yew::scheduler::flush().await;
    // Poll the DOM, bounded; never a fixed sleep.
    for _ in 0..400 {
        if query(&root, "[data-role='leader']").is_some() {
            let clock = query(&root, "[data-clock]").expect("clock");
            assert!(attr(&clock, "data-sim-time-us").parse::<u64>().expect("number") > 0);
            return;
        }
        sleep(Duration::from_millis(50)).await;
    }
    let clock = query(&root, "[data-clock]").map(|c| c.text_content().unwrap_or_default());
    let visibility = document().visibility_state();
    panic!("no leader after 20 s of wall time at 10× speed; clock {clock:?}, page {visibility:?}");
}

#[wasm_bindgen_test]
async fn clicking_the_leader_crashes_it_and_another_is_elected() {
    let _turn = turn().await;
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
    let _turn = turn().await;
    // The same scenario hashed natively in tests/swarm.rs (trace_hash_is_pinned).
    let recipe = Recipe { seed: 7, duration_us: Some(3_000_000), ..Recipe::default() };
    let opts =
        RunOptions { duration_us: recipe.duration_us(), liveness_us: Some(LIVENESS_BOUND_US), ..RunOptions::default() };
    let (report, _) = run(&recipe.scenario().expect("valid"), &opts).expect("runs");
    assert_eq!(report.trace_hash, "3c701e8dbb5281b4");
    // And the App's own world, driven through the page, agrees with src/ui/model.rs.
    let root = mount(42).await;
    api("seek", 1500.0.into()).await;
    let hash = query(&root, "[data-trace-hash]").expect("about panel");
    assert_eq!(attr(&hash, "data-trace-hash"), DEFAULT_WORLD_HASH_SEED_42);
}

/// Every pinned share link of every format, replayed in this browser engine, ends in the trace
/// hash pinned natively (tests/links.rs reads the same files).
#[wasm_bindgen_test]
fn every_fixture_link_replays_to_its_pinned_hash_in_this_engine() {
    let fixtures = [
        include_str!("fixtures/links-v1.txt"),
        include_str!("fixtures/links-v2.txt"),
        include_str!("fixtures/links-v3.txt"),
        include_str!("fixtures/links-v4.txt"),
        include_str!("fixtures/links-v5.txt"),
        include_str!("fixtures/links-v6.txt"),
    ];
    assert_eq!(fixtures.len(), usize::from(link::VERSION), "a new format brings its fixture here too");
    let mut replayed = 0;
    for line in fixtures.iter().flat_map(|f| f.lines()).filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
        let mut parts = line.splitn(3, '\t');
        let (text, hash, what) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default(), parts.next());
        let model = Model::from_link(text).unwrap_or_else(|e| panic!("{what:?}: {e}"));
        assert_eq!(model.world.trace().hash_hex(), hash, "{what:?} replays differently in this browser");
        replayed += 1;
    }
    assert!(replayed >= 60, "only {replayed} links");
}

#[wasm_bindgen_test]
async fn bad_form_input_shows_an_alert_and_keeps_working() {
    let _turn = turn().await;
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

/// Every server's automation attributes, in id order.
fn servers_state(root: &Element) -> Vec<String> {
    let nodes = root.query_selector_all("[data-node]").expect("query");
    (0..nodes.length())
        .filter_map(|i| nodes.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .map(|el| {
            ["data-node", "data-role", "data-term", "data-state", "data-commit", "data-last-index"]
                .iter()
                .map(|a| attr(&el, a))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn page_facts(root: &Element) -> (Vec<String>, String, String) {
    let clock = query(root, "[data-clock]").expect("clock");
    let hash = query(root, "[data-trace-hash]").expect("about panel");
    (servers_state(root), attr(&clock, "data-sim-time-us"), attr(&hash, "data-trace-hash"))
}

/// A link of the current format for five servers at 900 ms with the given intervention bytes.
fn forged(interventions: &[u8], count: u64) -> String {
    let mut fields = link::varints(&[
        5, 1, 150_000, 300_000, 50_000, 64, 1000, 0, 0, 0, 10_000, 20_000, 0, 0, 0, 300_000, 500_000, 3, 3,
    ]);
    fields.extend(link::varints(&[900_000, 20_000, 0, count]));
    fields.extend_from_slice(interventions);
    link::wrap_payload(&fields)
}

fn set_hash(fragment: &str) {
    web_sys::window().expect("window").location().set_hash(fragment).expect("set hash");
}

#[wasm_bindgen_test]
async fn a_shared_link_rebuilds_what_the_sender_saw() {
    let _turn = turn().await;
    let root = mount(21).await;
    api("pause", JsValue::UNDEFINED).await;
    api("advance", 1200.0.into()).await;
    let leader = query(&root, "[data-role='leader'][data-state='up']").expect("a leader");
    click(&leader);
    api("advance", 900.0.into()).await;
    for _ in 0..3 {
        click(&query(&root, "[data-action='request']").expect("request button"));
        api("advance", 40.0.into()).await;
    }
    click(&query(&root, "[data-inspect='3']").expect("inspect badge"));
    yew::scheduler::flush().await;
    click(&query(&root, "[data-action='isolate']").expect("isolate button"));
    api("advance", 777.0.into()).await;
    click(&query(&root, "[data-action='share']").expect("share button"));
    yew::scheduler::flush().await;
    let link = attr(&query(&root, "[data-share-link]").expect("share field"), "data-share-link");
    let fragment = link.split_once('#').expect("a fragment").1.to_string();
    assert!(fragment.len() < 1000, "{} characters", fragment.len());
    let sent = page_facts(&root);

    set_hash(&fragment);
    let opened = mount_here(1).await;
    assert_eq!(page_facts(&opened), sent, "the receiver must see what the sender saw");
    assert!(query(&opened, "[role='alert']").is_none());
    let reopened = mount_here(2).await;
    assert_eq!(page_facts(&reopened), sent, "a reload gives the same");
}

#[wasm_bindgen_test]
async fn each_kind_of_bad_link_explains_itself_and_the_page_still_works() {
    let _turn = turn().await;
    let good = {
        let root = mount(4).await;
        api("link", JsValue::UNDEFINED).await;
        let window = web_sys::window().expect("window");
        let obj = Reflect::get(&window, &"raftPlayground".into()).expect("api");
        let f: Function = Reflect::get(&obj, &"link".into()).expect("fn").dyn_into().expect("callable");
        let link = f.call0(&obj);
        drop(root);
        link.expect("link").as_string().expect("string")
    };
    let body = good.trim_start_matches("#s=").to_string();
    let mut flipped: Vec<char> = body.chars().collect();
    flipped[8] = if flipped[8] == 'A' { 'B' } else { 'A' };
    let cases: Vec<(String, &str)> = vec![
        (format!("s={}", &body[..body.len() / 2]), "cut short"),
        (format!("s={}", flipped.into_iter().collect::<String>()), "checksum"),
        ("s=CQAAAAAA".to_string(), "format 9"),
        (format!("s={}", "A".repeat(9000)), "characters long"),
        ("s=%3Cimg%20src=x%20onerror=alert(1)%3E".to_string(), "character that links never use"),
        (link::wrap_payload(&[40]).to_string(), "cluster size to 40"),
        (forged(&[10, 1, 9], 1), "sets a server id to 9"),
        (forged(&[], 1_000_000), "claims 1000000 interventions"),
        (forged(&[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1, 1], 1), "an intervention's time"),
        (forged(&[0xA0, 0xC2, 0x1E, 5, 0xBF, 0x84, 0x3D], 1), "not in flight"),
    ];
    for (fragment, expected) in cases {
        set_hash(&fragment);
        let root = mount_here(5).await;
        let alert = query(&root, "[role='alert']").unwrap_or_else(|| panic!("no alert for {fragment:.40}"));
        let text = alert.text_content().unwrap_or_default();
        assert!(text.contains(expected), "{fragment:.40}: expected '{expected}' in '{text}'");
        assert!(query(&root, "img").is_none(), "markup from a link must never be rendered");
        assert_eq!(servers_state(&root).len(), 5, "the default cluster is there");
        let hash = web_sys::window().expect("window").location().hash().expect("hash");
        assert!(hash.len() > 3, "the bad fragment stays until the person acts");
        api("advance", 1500.0.into()).await;
        assert!(query(&root, "[data-role='leader']").is_some(), "and it works");
    }
}

/// The stale-read preset, opened in the page: without the bug the monitor stays green; with the
/// `stale-read` switch clicked on, the old leader's answer at 2 s is a Linearizability violation
/// naming n1, shown by `data-invariants` while the run goes on.
#[wasm_bindgen_test]
async fn the_stale_read_preset_shows_the_violation_only_with_its_bug() {
    let _turn = turn().await;
    let root = mount(1).await;
    for bug in [false, true] {
        api("preset", "stale-read".into()).await;
        api("pause", JsValue::UNDEFINED).await;
        if bug {
            click(&query(&root, "[data-control='bug-stale-read']").expect("the bug switch"));
            yew::scheduler::flush().await;
        }
        api("advance", 2500.0.into()).await;
        let monitor = query(&root, "[data-invariants]").expect("monitor");
        let expected = if bug { "violated" } else { "ok" };
        assert_eq!(attr(&monitor, "data-invariants"), expected, "bug {bug}: {:?}", monitor.text_content());
        if bug {
            let text = monitor.text_content().unwrap_or_default();
            assert!(text.contains("Linearizability") && text.contains("n1"), "{text}");
            let n1 = query(&root, "[data-node='1']").expect("n1");
            assert!(n1.closest(".implicated").expect("valid selector").is_some(), "n1 is outlined");
        }
    }
}

/// The protocol switches act on the run and travel in its link; the inspector hands leadership
/// over; a pre-candidate is a role of its own.
#[wasm_bindgen_test]
async fn protocol_switches_and_leadership_transfer() {
    let _turn = turn().await;
    let root = mount(11).await;
    api("pause", JsValue::UNDEFINED).await;
    click(&query(&root, "[data-control='prevote']").expect("PreVote switch"));
    click(&query(&root, "[data-control='check-quorum']").expect("CheckQuorum switch"));
    yew::scheduler::flush().await;
    api("advance", 1500.0.into()).await;
    let leader = attr(&query(&root, "[data-role='leader']").expect("a leader"), "data-node");
    let target = if leader == "3" { "4" } else { "3" };
    click(&query(&root, &format!("[data-inspect='{target}']")).expect("inspect badge"));
    yew::scheduler::flush().await;
    click(&query(&root, "[data-action='transfer']").expect("transfer button"));
    yew::scheduler::flush().await;
    api("advance", 300.0.into()).await;
    let now = query(&root, "[data-role='leader']").expect("a leader after the transfer");
    assert_eq!(attr(&now, "data-node"), target, "leadership moved to the chosen server");
    // An isolated follower times out: with PreVote it becomes a pre-candidate, not a candidate.
    let follower = if target == "1" { 2.0 } else { 1.0 };
    api("isolate", follower.into()).await;
    api("advance", 700.0.into()).await;
    let cut = query(&root, &format!("[data-node='{follower}']")).expect("server");
    assert_eq!(attr(&cut, "data-role"), "pre-candidate");
    assert_eq!(attr(&query(&root, "[data-invariants]").expect("monitor"), "data-invariants"), "ok");
    let window = web_sys::window().expect("window");
    let obj = Reflect::get(&window, &"raftPlayground".into()).expect("console API");
    let link: Function = Reflect::get(&obj, &"link".into()).expect("link").dyn_into().expect("callable");
    let text = link.call0(&obj).expect("a link").as_string().expect("a string");
    let opened = link::decode(&text).expect("a valid link");
    assert!(
        opened.scenario.config.raft.pre_vote
            || opened.scenario.interventions.iter().any(|t| matches!(
                t.what,
                raft_playground::sim::Intervention::SetProtocol { pre_vote: true, check_quorum: true, .. }
            ))
    );
}

/// Membership in the page: a server added by clicking catches up, turns voter and holds the
/// leader's commit index; the leader removed from the inspector steps down once that change
/// commits, and the others elect a new leader among themselves.
#[wasm_bindgen_test]
async fn add_a_server_then_remove_the_leader() {
    let _turn = turn().await;
    let root = mount(21).await;
    api("pause", JsValue::UNDEFINED).await;
    api("advance", 1500.0.into()).await;
    click(&query(&root, "[data-action='add-server']").expect("add-server button"));
    yew::scheduler::flush().await;
    let added = query(&root, "[data-node='6']").expect("a sixth server on the ring");
    assert_eq!(attr(&added, "data-voter"), "false", "it joins as a learner");
    api("advance", 1500.0.into()).await;
    let added = query(&root, "[data-node='6']").expect("server 6");
    let leader = query(&root, "[data-role='leader']").expect("a leader");
    assert_eq!(attr(&added, "data-voter"), "true", "promoted once caught up");
    assert_eq!(attr(&added, "data-commit"), attr(&leader, "data-commit"), "it holds what the leader committed");
    let old = attr(&leader, "data-node");
    click(&query(&root, &format!("[data-inspect='{old}']")).expect("inspect badge"));
    yew::scheduler::flush().await;
    click(&query(&root, "[data-action='remove-server']").expect("remove button"));
    yew::scheduler::flush().await;
    api("advance", 2000.0.into()).await;
    let new = query(&root, "[data-role='leader'][data-voter='true']").expect("a new leader");
    assert_ne!(attr(&new, "data-node"), old, "the removed leader no longer leads");
    let removed = query(&root, &format!("[data-node='{old}']")).expect("still drawn");
    assert_eq!(attr(&removed, "data-voter"), "false");
    assert_eq!(attr(&query(&root, "[data-invariants]").expect("monitor"), "data-invariants"), "ok");
}

//! The App: one reducer, the browser clock, the keyboard, the console API, and the layout.

use std::rc::Rc;

use yew::prelude::*;

use super::components::cluster::Cluster;
use super::components::controls::{TermTape, Timeline};
use super::components::diagram::Diagram;
use super::components::help::Help;
use super::components::inspector::Inspector;
use super::components::logs::Logs;
use super::components::panels::{About, Clients, Clock, Events, Monitor, Share};
use super::components::settings::{
    BugSettings, ClusterSettings, NetworkSettings, Presets, ProtocolSettings, SplitTool, TimingSettings,
};
use super::components::toolbar::Toolbar;
use super::console::ConsoleApi;
use super::driver::{Slices, page_visible};
use super::hooks::{
    document, location_hash, remembered_theme, share_url, use_address_bar, use_clipboard, use_clock, use_hash_change,
    use_keyboard, use_motion, use_on_screen, use_reduced_motion, use_theme, use_visibility,
};
use super::model::{Model, Selection};
use super::state::{Action, Chrome, State, initial_state};
use super::{diagram, inspect, tape, tour, view};

/// Columns the term tape gathers client writes into.
const TAPE_COLUMNS: usize = 500;
/// Wall time between refreshes of the panels (logs, stores, requests, events) while running.
const PANELS_WALL_US: f64 = 500_000.0;
/// Wall time between redraws of the diagram and the tape while the run plays.
const REDRAW_WALL_US: f64 = 1_000_000.0;
use crate::sim::Intervention;
use crate::sim::network::fmt_percent;

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        State::reduce(self, action)
    }
}

#[derive(Properties, PartialEq, Default)]
pub struct AppProps {
    /// A fixed seed (tests); by default each visit gets a fresh one.
    #[prop_or_default]
    pub seed: Option<u64>,
}

/// A seed for a new cluster: the one place the page uses browser randomness, and the seed is
/// part of the scenario, so the run still replays exactly.
pub fn fresh_seed() -> u64 {
    (js_sys::Math::random() * 4_294_967_296.0) as u64
}

/// Mounts the playground into `#app` (or the body) and makes panics visible.
pub fn start() {
    yew::set_custom_panic_hook(Box::new(show_panic));
    let document = document();
    match document.get_element_by_id("app") {
        Some(root) => yew::Renderer::<App>::with_root(root).render(),
        None => yew::Renderer::<App>::new().render(),
    };
}

/// No dead page: a panic replaces nothing silently, it shows what happened.
fn show_panic(info: &std::panic::PanicHookInfo<'_>) {
    let message = format!("The playground stopped because of a bug: {info}. Reload the page to start again.");
    web_sys::console::error_1(&message.clone().into());
    let document = document();
    if let (Ok(banner), Some(body)) = (document.create_element("div"), document.body()) {
        banner.set_class_name("panic");
        let _ = banner.set_attribute("role", "alert");
        banner.set_text_content(Some(&message));
        let _ = body.prepend_with_node_1(&banner);
    }
}

/// Callbacks made once per App, so children's props compare equal between frames and Yew
/// skips re-rendering what did not change. Each child gets the narrow callbacks it needs.
struct Callbacks {
    dispatch: Callback<Action>,
    toggle: Callback<u8>,
    inspect: Callback<u8>,
    message: Callback<u64>,
    request: Callback<()>,
    help: Callback<()>,
    preset_links: Rc<Vec<String>>,
    play: Callback<()>,
    step: Callback<()>,
    fast_forward: Callback<()>,
    speed: Callback<f64>,
    share: Callback<()>,
    settings: Callback<()>,
    theme: Callback<()>,
    nodes: Callback<String>,
    clients: Callback<String>,
    reset: Callback<()>,
    add_server: Callback<()>,
    restart_leader: Callback<()>,
    restart_all: Callback<()>,
    align: Callback<()>,
    spread: Callback<()>,
    heal: Callback<()>,
    latency: Callback<String>,
    loss: Callback<String>,
    dup: Callback<String>,
    election: Callback<String>,
    heartbeat: Callback<String>,
    pre_vote: Callback<()>,
    check_quorum: Callback<()>,
    reads: Callback<String>,
    bug: Callback<crate::raft::Bug>,
    seek: Callback<u64>,
    zoom: Callback<f64>,
    pan: Callback<f64>,
    log_page: Callback<i8>,
    link: Callback<(u8, u8, bool)>,
    split_side: Callback<u8>,
    split: Callback<()>,
    tour_next: Callback<()>,
    tour_prev: Callback<()>,
    tour_bug: Callback<()>,
    tour_close: Callback<()>,
}

impl Callbacks {
    fn new(dispatch: Callback<Action>) -> Callbacks {
        let d = &dispatch;
        let unit = |a: fn() -> Action| d.reform(move |_: ()| a());
        let text = |a: fn(String) -> Action| d.reform(a);
        let new_seed = Callback::from(|_| fresh_seed());
        Callbacks {
            toggle: d.reform(Action::ClickServer),
            inspect: d.reform(|id| Action::Select(Some(Selection::Server(id)))),
            message: d.reform(|id| Action::Select(Some(Selection::Message(id)))),
            request: unit(|| Action::Request(None)),
            help: unit(|| Action::ToggleHelp),
            preset_links: Rc::new(preset_links()),
            play: unit(|| Action::TogglePlay),
            step: unit(|| Action::Step),
            fast_forward: unit(|| Action::ToggleFastForward),
            speed: d.reform(Action::SetSpeed),
            share: unit(|| Action::Share),
            settings: unit(|| Action::ToggleSettings),
            theme: unit(|| Action::CycleTheme),
            nodes: text(Action::SetNodes),
            clients: text(Action::SetClients),
            reset: {
                let (d, seed) = (d.clone(), new_seed.clone());
                Callback::from(move |_: ()| d.emit(Action::Reset(seed.emit(()))))
            },
            add_server: unit(|| Action::AddServer),
            restart_leader: unit(|| Action::RestartLeader),
            restart_all: unit(|| Action::RestartAll),
            align: unit(|| Action::Act(Intervention::AlignTimers)),
            spread: unit(|| Action::Act(Intervention::SpreadTimers)),
            heal: unit(|| Action::Act(Intervention::Heal)),
            latency: text(Action::SetLatency),
            loss: text(Action::SetLoss),
            dup: text(Action::SetDup),
            election: text(Action::SetElectionTimeout),
            heartbeat: text(Action::SetHeartbeat),
            pre_vote: unit(|| Action::TogglePreVote),
            check_quorum: unit(|| Action::ToggleCheckQuorum),
            reads: text(Action::SetReads),
            bug: d.reform(Action::ToggleBug),
            seek: d.reform(Action::Seek),
            zoom: d.reform(Action::DiagramZoom),
            pan: d.reform(Action::DiagramPan),
            log_page: d.reform(Action::LogPage),
            link: d.reform(|(a, b, one_way)| Action::ToggleLink(a, b, one_way)),
            split_side: d.reform(Action::ToggleSplitSide),
            split: unit(|| Action::Split),
            tour_next: unit(|| Action::TourNext),
            tour_prev: unit(|| Action::TourPrev),
            tour_bug: unit(|| Action::TourWithBug),
            tour_close: unit(|| Action::TourClose),
            dispatch,
        }
    }
}

/// The panels that change only when something happens in the world, not every frame.
struct Panels {
    first: u64,
    rows: Rc<Vec<view::LogRow>>,
    requests: Rc<Vec<view::RequestView>>,
    lines: Rc<Vec<(u64, String)>>,
    linearizability: AttrValue,
    trace_hash: AttrValue,
    violation: Option<crate::sim::Violation>,
    violations: usize,
    announcement: AttrValue,
}

#[component]
pub fn App(props: &AppProps) -> Html {
    let seed = props.seed;
    let state = use_reducer_eq(move || {
        initial_state(seed.unwrap_or_else(fresh_seed), location_hash().as_deref(), remembered_theme(), embedded())
    });
    let visible = use_state(page_visible);
    let callbacks = {
        let dispatcher = state.dispatcher();
        use_memo((), move |_| Callbacks::new(Callback::from(move |a| dispatcher.dispatch(a))))
    };
    let dispatch = callbacks.dispatch.clone();
    use_visibility(visible.clone());
    let reduced_motion = use_reduced_motion();
    let motion = use_motion(&state.model.borrow(), *visible, reduced_motion);
    use_clock(&state.model.borrow(), motion, dispatch.clone());
    use_keyboard(dispatch.clone());
    use_effect_with((), |_| {
        // See `model::Warmup`: after the first election has had its moment on screen.
        let mut warmup = super::model::Warmup::new();
        let slices = Slices::start(400, 20, move || warmup.slice());
        move || drop(slices)
    });
    let written = use_mut_ref(String::new);
    use_hash_change(dispatch.clone(), written.clone());
    {
        use_clipboard(state.chrome.shares, state.chrome.share.clone(), written.clone());
    }
    use_address_bar(state.model.clone(), state.chrome.keep_fragment, written);
    {
        let (model, dispatch) = (state.model.clone(), dispatch.clone());
        use_effect_with((), move |_| {
            let api = ConsoleApi::install(model, dispatch).ok();
            move || drop(api)
        });
    }
    // The panels follow the world at most twice a second of wall time while the run plays
    // (a 15-server cluster has an event nearly every frame), and at once otherwise.
    let content = refresh_key(&state.model.borrow(), PANELS_WALL_US, |m| m.world.trace().count());
    let panels = {
        let model = state.model.clone();
        use_memo((content, state.chrome.log_back), move |&(_, log_back)| {
            let violation = model.borrow_mut().first_violation();
            let m = model.borrow();
            let (first, rows) = view::log_rows(&m, log_back);
            Panels {
                first,
                rows: Rc::new(rows),
                requests: Rc::new(view::requests(&m, 6)),
                lines: Rc::new(view::trace_lines(&m, 12)),
                linearizability: view::linearizability(&m).into(),
                trace_hash: m.world.trace().hash_hex().into(),
                violations: m.violation_count(),
                announcement: view::announcement(&m, violation.as_ref()).into(),
                violation,
            }
        })
    };
    use_theme(state.chrome.theme);
    let live = use_throttled_announcement(&panels);
    // The diagram and the tape redraw about twice a second of wall time while running
    // (every event at 1× or fast-forward would be hundreds of SVG elements per frame), and at
    // once when paused, travelled or changed.
    let tick = refresh_key(&state.model.borrow(), REDRAW_WALL_US, Model::now_us);
    // Scrolled out of sight, the running diagram is not redrawn at all (a crowded one is the
    // page's biggest drawing); paused, it always follows.
    let diagram_ref = use_node_ref();
    let diagram_shown = use_on_screen(diagram_ref.clone());
    let diagram_tick = use_mut_ref(|| tick);
    if diagram_shown || state.model.borrow().paused {
        *diagram_tick.borrow_mut() = tick;
    }
    let diagram = {
        let model = state.model.clone();
        let key = (*diagram_tick.borrow(), state.chrome.diagram_span_us, state.chrome.diagram_back_us);
        use_memo(key, move |&(_, span, back)| {
            let m = model.borrow();
            let (from, to) = diagram::window(m.now_us(), span, back);
            diagram::diagram(&m, from, to)
        })
    };
    let tape = {
        let model = state.model.clone();
        use_memo(tick, move |_| tape::tape(&model.borrow(), TAPE_COLUMNS))
    };
    let links = {
        let model = state.model.clone();
        let m = state.model.borrow();
        use_memo(m.world.network().shape(), move |_| view::links(&model.borrow()))
    };
    let drawings = Drawings { diagram, diagram_ref, tape, links };
    render(&state.model.borrow(), &state.chrome, &callbacks, &panels, live, drawings, motion)
}

/// The drawings memoised apart from the panels.
struct Drawings {
    diagram: Rc<diagram::DiagramView>,
    diagram_ref: NodeRef,
    tape: Rc<tape::TapeView>,
    links: Rc<Vec<view::LinkView>>,
}

/// A link per preset at time 0, so the preset menu is a list of links to share.
fn preset_links() -> Vec<String> {
    use crate::scenario::link::{Link, encode};
    use crate::scenario::presets::PRESETS;
    let speed_ppm = (super::model::DEFAULT_SPEED * 1e6) as u32;
    PRESETS.iter().map(|p| encode(&Link { scenario: (p.build)(1), time_us: 0, speed_ppm })).collect()
}

/// `?embed` in the address: a course page or the Raft website shows a live scenario inline.
fn embedded() -> bool {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    search.trim_start_matches('?').split('&').any(|p| p == "embed" || p.starts_with("embed="))
}

/// When a view derived from the model must be recomputed: while the run plays, once per
/// `wall_us` of wall time at the current speed; otherwise at every change `paused_at` sees.
fn refresh_key(m: &Model, wall_us: f64, paused_at: impl Fn(&Model) -> u64) -> (u64, u64, bool, u64) {
    let quantum_us = ((m.effective_speed() * wall_us) as u64).max(1);
    let at = if m.paused { paused_at(m) } else { m.now_us() / quantum_us };
    (m.generation, m.revision, m.paused, at)
}

/// A screen reader hears the run's news at most every few seconds (a violation at once).
const ANNOUNCE_EVERY_MS: f64 = 5_000.0;

#[hook]
fn use_throttled_announcement(panels: &Panels) -> AttrValue {
    let shown = use_mut_ref(|| (AttrValue::default(), f64::NEG_INFINITY, false));
    let mut shown = shown.borrow_mut();
    let now = js_sys::Date::now();
    let new_violation = panels.violation.is_some() && !shown.2;
    if shown.0 != panels.announcement && (new_violation || now - shown.1 >= ANNOUNCE_EVERY_MS) {
        *shown = (panels.announcement.clone(), now, panels.violation.is_some());
    }
    shown.0.clone()
}

fn render(
    m: &Model,
    chrome: &Chrome,
    cb: &Callbacks,
    panels: &Panels,
    live: AttrValue,
    Drawings { diagram, diagram_ref, tape, links }: Drawings,
    motion: view::Motion,
) -> Html {
    let highlight: &[u8] = chrome.tour.map_or(&[], |t| t.current().servers);
    let servers = Rc::new(
        view::servers(m)
            .into_iter()
            .map(|s| view::ServerView { highlighted: highlight.contains(&s.id), ..s })
            .collect(),
    );
    let caption = chrome.tour.map(|t| caption(t, cb));
    let clients = Rc::new(view::clients(m));
    let messages = Rc::new(view::messages(m, &clients, &motion));
    let links = links.clone();
    let violation = panels
        .violation
        .as_ref()
        .map(|v| (AttrValue::from(v.invariant.name()), v.time_us, v.nodes.clone(), AttrValue::from(v.detail.clone())));
    if chrome.embed {
        return html! {
            <div class="app embed" data-embed="">
                <Toolbar paused={m.paused} speed={m.speed} fast_forward={m.fast_forward} settings_open={false}
                    theme={chrome.theme} on_play={cb.play.clone()} on_step={cb.step.clone()}
                    on_fast_forward={cb.fast_forward.clone()} on_speed={cb.speed.clone()} on_share={cb.share.clone()}
                    on_settings={cb.settings.clone()} on_theme={cb.theme.clone()} on_help={cb.help.clone()} />
                { caption.clone().unwrap_or_default() }
                <div class="stage">
                    <Cluster servers={servers} messages={messages} clients={clients} links={links} motion={motion}
                        on_toggle={cb.toggle.clone()} on_inspect={cb.inspect.clone()} on_message={cb.message.clone()}
                        on_link={cb.link.clone()} />
                </div>
                <div class="sr-only" aria-live="polite" data-live="">{ live }</div>
            </div>
        };
    }
    html! {
        <div class="app">
            <header class="masthead">
                <h1>{ "Raft Playground" }</h1>
                <Clock sim_time_us={m.now_us()} speed_label={view::speed_label(m.effective_speed())} paused={m.paused} />
                <Monitor violation={violation} count={panels.violations} />
            </header>
            if let Some(alert) = &chrome.alert {
                <div class="alert" role="alert">{ alert.to_string() }
                    <button onclick={cb.dispatch.reform(|_: MouseEvent| Action::DismissAlert)} aria-label="Dismiss">{ "×" }</button>
                </div>
            }
            <Toolbar paused={m.paused} speed={m.speed} fast_forward={m.fast_forward} settings_open={chrome.settings_open}
                theme={chrome.theme} on_play={cb.play.clone()} on_step={cb.step.clone()}
                on_fast_forward={cb.fast_forward.clone()} on_speed={cb.speed.clone()} on_share={cb.share.clone()}
                on_settings={cb.settings.clone()} on_theme={cb.theme.clone()} on_help={cb.help.clone()} />
            { settings(m, chrome, cb) }
            <main class="layout">
                <div class="stage">
                    { caption.unwrap_or_default() }
                    if chrome.hint {
                        <p class="hint" data-hint="">{ "A server's election timer has just run out: watch it ask the others \
                            for votes. Click any server to crash it; Settings has the rest." }</p>
                    }
                    <Cluster servers={servers} messages={messages} clients={clients} links={links} motion={motion}
                        on_toggle={cb.toggle.clone()} on_inspect={cb.inspect.clone()} on_message={cb.message.clone()}
                        on_link={cb.link.clone()} />
                </div>
                <aside>
                    if let Some(inspected) = inspect::inspected(m) {
                        <Inspector inspected={inspected} dispatch={cb.dispatch.clone()} />
                    }
                    if let Some(link) = &chrome.share {
                        <Share url={share_url(link)} />
                    }
                    <Clients requests={panels.requests.clone()} on_request={cb.request.clone()} />
                    <Events lines={panels.lines.clone()} />
                    <About seed={m.world.config().seed} trace_hash={panels.trace_hash.clone()} events={m.world.stats().events}
                        interventions={m.scenario.interventions.len()} linearizability={panels.linearizability.clone()} />
                </aside>
            </main>
            <Diagram view={diagram} on_seek={cb.seek.clone()} on_zoom={cb.zoom.clone()} on_pan={cb.pan.clone()}
                node={diagram_ref} />
            <div class="travel">
                <TermTape view={tape} on_seek={cb.seek.clone()} />
                <Timeline now_us={m.now_us()} horizon_us={m.horizon_us} dispatch={cb.dispatch.clone()} />
            </div>
            <Logs first={panels.first} rows={panels.rows.clone()} on_inspect={cb.inspect.clone()} on_page={cb.log_page.clone()} />
            <div class="sr-only" aria-live="polite" data-live="">{ live }</div>
            if chrome.help_open { <Help on_close={cb.help.clone()} /> }
        </div>
    }
}

/// The guided scenario's caption: the words of the current beat and the way on.
fn caption(t: tour::Tour, cb: &Callbacks) -> Html {
    let story = t.story();
    let click = |cb: &Callback<()>| cb.reform(|_: MouseEvent| ());
    html! {
        <section class="caption" data-caption="" data-story={story.preset} data-beat={t.beat.to_string()}
            data-beats={story.beats.len().to_string()} aria-label="Guided scenario">
            <p aria-live="polite">{ t.caption() }</p>
            <div class="caption-tools">
                <span class="muted small">{ format!("{} · {} of {}", story.preset, t.beat + 1, story.beats.len()) }
                    { if t.bug { " · with the bug" } else { "" } }</span>
                <button data-action="tour-prev" onclick={click(&cb.tour_prev)} disabled={t.beat == 0}>{ "◀ Previous" }</button>
                <button data-action="tour-next" class="primary" onclick={click(&cb.tour_next)} disabled={t.is_last() || t.heading}>
                    { if t.heading { "Playing…" } else { "Next ▶" } }</button>
                if story.with_bug.is_some() && !t.bug {
                    <button data-action="tour-bug" onclick={click(&cb.tour_bug)}>{ "Replay with the bug" }</button>
                }
                <button data-action="tour-close" onclick={click(&cb.tour_close)} aria-label="Close the guided scenario">{ "×" }</button>
            </div>
        </section>
    }
}

/// The settings panel: in the document while closed (hidden), so scripts reach every control.
fn settings(m: &Model, chrome: &Chrome, cb: &Callbacks) -> Html {
    let open = chrome.settings_open;
    let config = m.world.config();
    let (net, raft) = (config.net, config.raft);
    html! {
        <section id="settings" class="settings" data-panel="settings" aria-label="Settings" hidden={!open}>
            <SplitTool servers={m.world.servers().len() as u8} chosen={chrome.split_side} on_choose={cb.split_side.clone()}
                on_split={cb.split.clone()} />
            <ClusterSettings nodes={config.nodes} clients={config.clients.count} on_nodes={cb.nodes.clone()}
                on_clients={cb.clients.clone()} on_reset={cb.reset.clone()} on_add_server={cb.add_server.clone()}
                on_restart_leader={cb.restart_leader.clone()} on_restart_all={cb.restart_all.clone()}
                on_align_timers={cb.align.clone()} on_spread_timers={cb.spread.clone()} on_heal={cb.heal.clone()} />
            <NetworkSettings latency={view::latency_text(&net)} loss_pct={fmt_percent(net.loss_ppm)}
                dup_pct={fmt_percent(net.dup_ppm)} on_latency={cb.latency.clone()} on_loss={cb.loss.clone()}
                on_dup={cb.dup.clone()} />
            <TimingSettings election={view::election_text(&raft)} heartbeat_ms={raft.heartbeat_interval_us / 1000}
                on_election={cb.election.clone()} on_heartbeat={cb.heartbeat.clone()} />
            <ProtocolSettings pre_vote={raft.pre_vote} check_quorum={raft.check_quorum} read_mode={raft.read_mode}
                on_pre_vote={cb.pre_vote.clone()} on_check_quorum={cb.check_quorum.clone()} on_reads={cb.reads.clone()} />
            <BugSettings bugs={raft.bugs} on_toggle={cb.bug.clone()} />
            <Presets links={cb.preset_links.clone()} />
        </section>
    }
}

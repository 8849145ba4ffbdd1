//! The App: one reducer, the browser clock, the keyboard, the console API, and the layout.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

use super::help::help;
use super::panels::{AboutProps, Clients, ClockProps, Events, MonitorProps, about, alert, clock, monitor, share};
use super::toolbar::Toolbar;
use crate::scenario::compare::Switch;
use crate::ui::browser::console::{CompareSlot, ConsoleApi};
use crate::ui::browser::driver::{Slices, page_visible};
use crate::ui::browser::hooks::{
    document, location_hash, remembered_theme, remembered_tour_dismissed, share_url, use_address_bar, use_clipboard,
    use_clock, use_hash_change, use_keyboard, use_motion, use_on_screen, use_reduced_motion, use_theme,
    use_tour_memory, use_visibility,
};
use crate::ui::cluster::component::Cluster;
use crate::ui::compare::component::{Side, panes};
use crate::ui::core::model::Model;
use crate::ui::core::state::{Action, Chrome, State, initial_state};
use crate::ui::diagram::component::Diagram;
use crate::ui::inspector::component::Inspector;
use crate::ui::logs::component::Logs;
use crate::ui::logs::recent_component::RecentLogs;
use crate::ui::settings::component::Settings;
use crate::ui::shell::dispatch::Dispatch;
use crate::ui::story::component::caption;
use crate::ui::timeline::component::{TermTape, Timeline};
use crate::ui::trace::component::{TracePanel, use_trace_drop};
use crate::ui::{cluster, diagram, inspector, logs, shell, story, timeline};

/// Columns the term tape gathers client writes into.
const TAPE_COLUMNS: usize = 500;
/// Wall time between refreshes of the panels (logs, stores, requests, events) while running.
const PANELS_WALL_US: f64 = 500_000.0;
/// Wall time between redraws of the diagram and the tape while the run plays.
const REDRAW_WALL_US: f64 = 1_000_000.0;

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
    // The static first frame (index.html, `cluster::first_frame`) goes as the app comes: Yew's
    // first render runs before the browser paints again, so the page never shows neither.
    if let Some(frame) = document.get_element_by_id("first-frame") {
        frame.remove();
    }
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

/// The panels that change only when something happens in the world, not every frame.
struct Panels {
    first: u64,
    rows: Rc<Vec<logs::LogRow>>,
    recent: Rc<logs::RecentLog>,
    requests: Rc<Vec<shell::RequestView>>,
    lines: Rc<Vec<(u64, String)>>,
    linearizability: AttrValue,
    trace_hash: AttrValue,
    violation: Option<crate::sim::Violation>,
    violations: usize,
    /// The story's challenge: `Some(done)` at its last beat.
    challenge: Option<bool>,
    announcement: AttrValue,
}

#[component]
pub fn App(props: &AppProps) -> Html {
    let seed = props.seed;
    let state = use_reducer_eq(move || {
        let (fragment, theme) = (location_hash(), remembered_theme());
        initial_state(
            seed.unwrap_or_else(fresh_seed),
            fragment.as_deref(),
            theme,
            embedded(),
            remembered_tour_dismissed(),
        )
    });
    let visible = use_state(page_visible);
    // The comparison's second run, for the console API (which outlives every state).
    let compare_slot: CompareSlot = use_mut_ref(|| None);
    // One dispatcher for the page's life, so the context never changes and no component
    // re-renders because of it.
    let dispatch: Dispatch = {
        let dispatcher = state.dispatcher();
        (*use_memo((), move |_| Callback::from(move |a| dispatcher.dispatch(a)))).clone()
    };
    use_visibility(visible.clone());
    let reduced_motion = use_reduced_motion();
    let motion = use_motion(&state.model.borrow(), *visible, reduced_motion);
    use_clock(&state.model.borrow(), motion, dispatch.clone());
    use_keyboard(dispatch.clone());
    use_effect_with((), |_| {
        // See `model::Warmup`: after the first election has had its moment on screen.
        let mut warmup = crate::ui::core::model::Warmup::new();
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
        let slot = compare_slot.clone();
        use_effect_with((), move |_| {
            let api = ConsoleApi::install(model, slot, dispatch).ok();
            move || drop(api)
        });
    }
    // The panels follow the world at most twice a second of wall time while the run plays
    // (a 15-server cluster has an event nearly every frame), and at once otherwise.
    let content = refresh_key(&state.model.borrow(), PANELS_WALL_US, Model::event_count);
    let panels = {
        let model = state.model.clone();
        use_memo((content, state.chrome.log_back, state.chrome.tour), move |&(_, log_back, tour)| {
            let violation = model.borrow_mut().first_violation();
            let challenge = tour.and_then(|t| story::challenge_done(&mut model.borrow_mut(), &t));
            let m = model.borrow();
            let (first, rows) = logs::log_rows(&m, log_back);
            Panels {
                first,
                rows: Rc::new(rows),
                recent: Rc::new(logs::recent_log(&m)),
                requests: Rc::new(shell::requests(&m, 6)),
                lines: Rc::new(shell::trace_lines(&m, 12)),
                linearizability: shell::linearizability(&m).into(),
                trace_hash: m.world.trace().hash_hex().into(),
                violations: m.violation_count(),
                challenge,
                announcement: shell::announcement(&m, violation.as_ref()).into(),
                violation,
            }
        })
    };
    use_theme(state.chrome.theme);
    use_tour_memory(state.chrome.tour_dismissed);
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
        use_memo(tick, move |_| timeline::tape(&model.borrow(), TAPE_COLUMNS))
    };
    let links = {
        let model = state.model.clone();
        let m = state.model.borrow();
        use_memo(m.world.network().shape(), move |_| cluster::links(&model.borrow()))
    };
    // Comparing: where the two runs part, for the tape, at the tape's pace (the state's version
    // changes with every tick, which would scan both traces every frame), and at once when a
    // comparison opens or closes.
    let divergence = {
        let (model, other) = (state.model.clone(), state.other.clone());
        let second = state.other.as_ref().map(|o| Rc::as_ptr(o) as usize);
        *use_memo((tick, second), move |_| {
            other.as_ref().and_then(|o| crate::ui::compare::divergence(&model.borrow(), &o.borrow()))
        })
    };
    {
        let slot = compare_slot.clone();
        *slot.borrow_mut() = state.model.borrow().compare.zip(state.other.clone());
    }
    let drawings = Drawings { diagram, diagram_ref, tape, links, divergence, motion };
    let other = state.other.as_ref().map(|o| o.borrow());
    let compared = state.model.borrow().compare.zip(other.as_deref());
    let page = render(&state.model, &state.model.borrow(), &state.chrome, &panels, live, drawings, compared, &dispatch);
    // A trace file dropped anywhere opens (the wrapper takes no room: `display: contents`).
    let (drag_over, dropped) = use_trace_drop(dispatch.clone());
    html! {
        <ContextProvider<Dispatch> context={dispatch}>
            <div class="drop-zone" ondragover={drag_over} ondrop={dropped}>{ page }</div>
        </ContextProvider<Dispatch>>
    }
}

/// The drawings memoised apart from the panels.
struct Drawings {
    diagram: Rc<diagram::DiagramView>,
    diagram_ref: NodeRef,
    tape: Rc<timeline::TapeView>,
    links: Rc<Vec<cluster::LinkView>>,
    divergence: Option<u64>,
    /// The clock the browser animates messages and timers on between events.
    motion: cluster::Motion,
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

#[allow(clippy::too_many_arguments)]
fn render(
    model: &Rc<RefCell<Model>>,
    m: &Model,
    chrome: &Chrome,
    panels: &Panels,
    live: AttrValue,
    Drawings { diagram, diagram_ref, tape, links, divergence, motion }: Drawings,
    compared: Option<(Switch, &Model)>,
    dispatch: &Dispatch,
) -> Html {
    let export = {
        let model = model.clone();
        Callback::from(move |()| crate::ui::trace::export(&model.borrow()))
    };
    let highlight: &[u8] = chrome.tour.map_or(&[], |t| t.current().servers);
    let servers = Rc::new(
        cluster::servers(m)
            .into_iter()
            .map(|s| cluster::ServerView { highlighted: highlight.contains(&s.id), ..s })
            .collect(),
    );
    let switches: Vec<(Switch, bool)> = match (chrome.tour, compared) {
        (Some(t), None) => t.story().compare.iter().map(|&s| (s, s.is_on(&m.scenario))).collect(),
        _ => Vec::new(),
    };
    let caption = chrome.tour.map(|t| caption(t, panels.challenge, &switches, dispatch));
    let clients = Rc::new(cluster::clients(m));
    let messages = Rc::new(cluster::messages(m, &clients, &motion));
    let links = links.clone();
    let violation = panels
        .violation
        .as_ref()
        .map(|v| (AttrValue::from(v.invariant.name()), v.time_us, v.nodes.clone(), AttrValue::from(v.detail.clone())));
    if chrome.embed {
        return html! {
            <div class="app embed" data-embed="">
                <Toolbar export={export.clone()} trace_open={m.opened.is_some()} paused={m.paused} speed={m.speed} fast_forward={m.fast_forward} settings_open={false}
                    theme={chrome.theme} />
                { caption.clone().unwrap_or_default() }
                <div class="stage">
                    <Cluster servers={servers} messages={messages} clients={clients} links={links} motion={motion} />
                </div>
                <div class="sr-only" aria-live="polite" data-live="">{ live }</div>
            </div>
        };
    }
    html! {
        <div class="app">
            <header class="masthead">
                <h1>{ "Raft Playground" }</h1>
                { clock(&ClockProps { sim_time_us: m.now_us(), speed_label: shell::speed_label(m.effective_speed()).into(), paused: m.paused }) }
                { monitor(&MonitorProps { violation, count: panels.violations }, dispatch) }
            </header>
            if let Some(alert_text) = &chrome.alert {
                { alert(alert_text, dispatch) }
            }
            <Toolbar export={export.clone()} trace_open={m.opened.is_some()} paused={m.paused} speed={m.speed} fast_forward={m.fast_forward} settings_open={chrome.settings_open}
                    theme={chrome.theme} />
            <Settings open={chrome.settings_open} servers={m.world.servers().len() as u8} split_side={chrome.split_side}
                config={m.world.config().clone()} />
            <main class="layout">
                <div class="stage">
                    { caption.unwrap_or_default() }
                    if chrome.hint {
                        <p class="hint" data-hint="">{ "A server's election timer has just run out: watch it ask the others \
                            for votes. Click any server to crash it; Settings has the rest." }</p>
                    }
                    if let Some((switch, other)) = compared {
                        { compare_panes(m, other, switch, Side { label: String::new(), violation: panels.violation.as_ref()
                            .map(|v| v.invariant.name().to_string()), servers, messages, clients, links,
                            recent: panels.recent.clone() }, motion, dispatch) }
                    } else {
                        <Cluster servers={servers} messages={messages} clients={clients} links={links} motion={motion} />
                    }
                </div>
                if compared.is_none() { <RecentLogs log={panels.recent.clone()} /> }
                <aside>
                    if let Some(trace) = m.opened.as_deref() {
                        <TracePanel view={Rc::new(crate::ui::trace::panel(trace))} />
                    }
                    if let Some(inspected) = inspector::inspected(m) {
                        <Inspector inspected={inspected} read_only={m.opened.is_some()} />
                    }
                    if let Some(link) = &chrome.share {
                        { share(&share_url(link)) }
                    }
                    <Clients requests={panels.requests.clone()} read_only={m.opened.is_some()} />
                    <Events lines={panels.lines.clone()} />
                    { about(&AboutProps { seed: m.world.config().seed, trace_hash: panels.trace_hash.clone(), events: m.world.stats().events,
                        interventions: m.scenario.interventions.len(), linearizability: panels.linearizability.clone() }) }
                </aside>
            </main>
            <Diagram view={diagram} node={diagram_ref} />
            <div class="travel">
                <TermTape view={tape} divergence_us={divergence} />
                <Timeline now_us={m.now_us()} horizon_us={m.horizon_us} />
            </div>
            <Logs first={panels.first} rows={panels.rows.clone()} />
            <div class="sr-only" aria-live="polite" data-live="">{ live }</div>
            if chrome.help_open { { help(dispatch) } }
        </div>
    }
}

/// Both runs of a comparison: `a` (this page's run, already drawn) and the second one drawn
/// here, each under the name of what its switch is.
fn compare_panes(
    m: &Model,
    other: &Model,
    switch: Switch,
    mut a: Side,
    motion: cluster::Motion,
    dispatch: &Dispatch,
) -> Html {
    let [label_a, label_b] = crate::ui::compare::side_labels(m, switch);
    a.label = label_a;
    let clients = Rc::new(cluster::clients(other));
    let b = Side {
        label: label_b,
        violation: other.shown_violation().map(|v| v.invariant.name().to_string()),
        servers: Rc::new(cluster::servers(other)),
        messages: Rc::new(cluster::messages(other, &clients, &motion)),
        clients,
        links: Rc::new(cluster::links(other)),
        recent: Rc::new(logs::recent_log(other)),
    };
    panes([a, b], motion, dispatch)
}

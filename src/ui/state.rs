//! The one reducer: every change to the playground is an `Action`. The model sits behind an
//! `Rc<RefCell>` so a frame does not copy the world; `version` tells Yew whether to re-render.

use std::cell::RefCell;
use std::rc::Rc;

use yew::Reducible;

use super::forms;
use super::model::{Model, Selection, first_visit};
use super::tour::{self, Tour};
use super::view::Theme;
use crate::raft::{Bug, NodeId, ReadMode};
use crate::scenario::presets;
use crate::sim::Intervention;

pub enum Action {
    /// A browser frame: this many wall milliseconds since the previous one.
    Frame(f64),
    TogglePlay,
    SetPaused(bool),
    Step,
    SetSpeed(f64),
    /// Multiply the speed (keyboard + and −).
    SpeedBy(f64),
    ToggleFastForward,
    /// A fresh cluster with the same settings and a new seed.
    Reset(u64),
    SetNodes(String),
    SetClients(String),
    LoadPreset(String, u64),
    Act(Intervention),
    ClickServer(NodeId),
    Select(Option<Selection>),
    Request(Option<NodeId>),
    RestartLeader,
    RestartAll,
    ToggleHelp,
    ToggleSettings,
    CycleTheme,
    /// Zoom the space-time diagram by this factor of its time span.
    DiagramZoom(f64),
    /// Pan the diagram by this share of its span (negative: earlier); 0 follows the run again.
    DiagramPan(f64),
    /// Page the log view: -1 older, +1 newer, 0 the newest.
    LogPage(i8),
    /// A click on the link between two servers: cut it (both ways, or one way) or restore it.
    ToggleLink(NodeId, NodeId, bool),
    /// Choose a server for one side of a split, or take it back.
    ToggleSplitSide(NodeId),
    /// Partition the cluster: the chosen servers on one side, the rest on the other.
    Split,
    /// Guided scenarios: play to the next beat, back to the previous one, replay the story with
    /// its bug switched on, or close it.
    TourNext,
    TourPrev,
    TourWithBug,
    TourClose,
    CloseOverlays,
    DismissAlert,
    SetLatency(String),
    SetLoss(String),
    SetDup(String),
    SetElectionTimeout(String),
    SetHeartbeat(String),
    ToggleBug(Bug),
    TogglePreVote,
    ToggleCheckQuorum,
    /// `log` or `read-index`.
    SetReads(String),
    /// The leader hands leadership to this server.
    Transfer(NodeId),
    /// Membership (dissertation 4): a new server joins as a learner and is promoted.
    AddServer,
    /// Time travel to this simulated time, in microseconds.
    Seek(u64),
    /// Back to the furthest recorded moment, running.
    GoLive,
    /// Make a share link (the app copies it and shows it).
    Share,
    /// Open a link (a fragment from the address bar or a preset).
    OpenLink(String),
    /// Redraw only (the console API changed the model directly).
    Refresh,
}

/// The page around the simulation: which panels are open and the colour theme. Not part of
/// the run (a share link does not carry it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chrome {
    pub help_open: bool,
    pub settings_open: bool,
    pub theme: Theme,
    /// The one-sentence hint of a first visit, until the person acts.
    pub hint: bool,
    /// The space-time diagram's window: this much simulated time, ending this far before now.
    pub diagram_span_us: u64,
    pub diagram_back_us: u64,
    /// The log view ends this many entries before the newest.
    pub log_back: u64,
    /// Servers chosen for one side of a split (bit i-1 for server i).
    pub split_side: u16,
    /// `?embed`: only the cluster, the toolbar and the caption, sized to the frame.
    pub embed: bool,
    /// The guided scenario being told, if any.
    pub tour: Option<Tour>,
}

impl Default for Chrome {
    fn default() -> Chrome {
        Chrome {
            help_open: false,
            settings_open: false,
            theme: Theme::default(),
            hint: false,
            diagram_span_us: DIAGRAM_SPAN_US,
            diagram_back_us: 0,
            log_back: 0,
            split_side: 0,
            embed: false,
            tour: None,
        }
    }
}

/// The diagram opens on the last second; zoom keeps it between a fifth of a second and the
/// few seconds the page's trace holds.
pub const DIAGRAM_SPAN_US: u64 = 1_000_000;
const DIAGRAM_SPAN_MIN_US: u64 = 200_000;
const DIAGRAM_SPAN_MAX_US: u64 = 8_000_000;

#[derive(Clone)]
pub struct State {
    pub model: Rc<RefCell<Model>>,
    pub chrome: Chrome,
    pub version: u64,
}

impl PartialEq for State {
    fn eq(&self, other: &State) -> bool {
        Rc::ptr_eq(&self.model, &other.model) && self.version == other.version && self.chrome == other.chrome
    }
}

impl State {
    pub fn new(model: Model) -> State {
        State { model: Rc::new(RefCell::new(model)), chrome: Chrome::default(), version: 0 }
    }
}

impl State {
    fn next(&self, chrome: Chrome) -> Rc<State> {
        Rc::new(State { model: self.model.clone(), chrome, version: self.version + 1 })
    }

    /// The actions that change only the page around the run; returns whether `action` was one.
    fn update_chrome(&self, chrome: &mut Chrome, action: &Action) -> bool {
        match *action {
            Action::ToggleHelp => chrome.help_open = !chrome.help_open,
            Action::ToggleSettings => chrome.settings_open = !chrome.settings_open,
            Action::CycleTheme => chrome.theme = chrome.theme.next(),
            Action::DiagramZoom(f) => {
                let span = (chrome.diagram_span_us as f64 * f) as u64;
                chrome.diagram_span_us = span.clamp(DIAGRAM_SPAN_MIN_US, DIAGRAM_SPAN_MAX_US);
            }
            Action::DiagramPan(share) => {
                let by = (chrome.diagram_span_us as f64 * share.abs()) as u64;
                chrome.diagram_back_us = match share {
                    s if s < 0.0 => chrome.diagram_back_us + by,
                    s if s > 0.0 => chrome.diagram_back_us.saturating_sub(by),
                    _ => 0,
                };
            }
            Action::LogPage(step) => {
                let by = crate::ui::view::LOG_WINDOW / 2;
                chrome.log_back = match step {
                    s if s < 0 => chrome.log_back + by,
                    s if s > 0 => chrome.log_back.saturating_sub(by),
                    _ => 0,
                };
            }
            Action::ToggleSplitSide(id) => {
                if (1..=16).contains(&id) {
                    chrome.split_side ^= 1 << (id - 1);
                }
            }
            Action::CloseOverlays => {
                chrome.help_open = false;
                self.model.borrow_mut().selection = None;
            }
            _ => return false,
        }
        true
    }

    /// The guided-scenario side of an action: `Some(tour)` when the action is the tour's (or
    /// starts one); `None` leaves the action to the rest of the reducer.
    fn tour_step(&self, action: &Action) -> Option<Option<Tour>> {
        let mut m = self.model.borrow_mut();
        let mut tour = self.chrome.tour;
        match (action, tour.as_mut()) {
            (Action::TourNext, Some(t)) => tour::next(&mut m, t),
            (Action::TourPrev, Some(t)) => tour::prev(&mut m, t),
            (Action::TourWithBug, Some(t)) => {
                let preset = t.story().preset;
                tour = tour::start(&mut m, preset, true);
            }
            (Action::TourClose, _) => tour = None,
            // An unknown preset goes on to the reducer, which explains it in the alert banner.
            (Action::LoadPreset(name, _), _) => tour = Some(tour::start(&mut m, name, false)?),
            (Action::OpenLink(text), _) => {
                let preset = tour::preset_of_link(text)?;
                m.keep_fragment = false;
                tour = tour::start(&mut m, preset, false);
            }
            _ => return None,
        }
        Some(tour)
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut chrome = self.chrome;
        if !matches!(action, Action::Frame(_) | Action::Refresh) {
            chrome.hint = false;
        }
        if self.update_chrome(&mut chrome, &action) {
            return self.next(chrome);
        }
        if let Some(tour) = self.tour_step(&action) {
            if matches!(action, Action::OpenLink(_) | Action::LoadPreset(..) | Action::TourWithBug) {
                // A story starts: out of the way, so the cluster and the caption show.
                chrome.settings_open = false;
            }
            chrome.tour = tour;
            return self.next(chrome);
        }
        if let Action::Split = action {
            let side = (1..=16u8).filter(|id| chrome.split_side & (1 << (id - 1)) != 0).collect();
            self.model.borrow_mut().split(&side);
            chrome.split_side = 0;
            return self.next(chrome);
        }
        let changed = {
            let mut m = self.model.borrow_mut();
            if !matches!(action, Action::Frame(_) | Action::Refresh | Action::OpenLink(_)) {
                // The person acted: the address bar may follow the run again.
                m.keep_fragment = false;
            }
            apply(&mut m, action)
        };
        if let Some(t) = chrome.tour.as_mut() {
            // A frame may bring a guided scenario to the beat it was heading for.
            tour::arrived(&self.model.borrow(), t);
        }
        if !changed && chrome == self.chrome {
            return self;
        }
        self.next(chrome)
    }
}

/// Carries out one action; returns whether anything visible may have changed.
fn apply(m: &mut Model, action: Action) -> bool {
    match action {
        Action::Frame(wall_ms) => return m.advance(wall_ms),
        Action::TogglePlay => m.paused = !m.paused,
        Action::SetPaused(p) => m.paused = p,
        Action::Step => m.step(),
        Action::SetSpeed(s) => m.set_speed(s),
        Action::SpeedBy(f) => m.set_speed(m.speed * f),
        Action::ToggleFastForward => m.fast_forward = !m.fast_forward,
        Action::Reset(seed) => m.reset_with(|c| c.seed = seed),
        Action::SetNodes(text) => forms::set_nodes(m, &text),
        Action::SetClients(text) => forms::set_clients(m, &text),
        Action::LoadPreset(name, seed) => match presets::find(&name) {
            Some(p) => m.reset((p.build)(seed)),
            None => m.alert = Some(format!("unknown preset '{name}'")),
        },
        Action::Act(i) => m.act(i),
        Action::ClickServer(id) => m.toggle_server(id),
        Action::Select(s) => m.selection = s,
        Action::Request(via) => m.request(via),
        Action::RestartLeader => m.restart_leader(),
        Action::RestartAll => m.restart_all(),
        Action::ToggleHelp
        | Action::ToggleSettings
        | Action::CycleTheme
        | Action::CloseOverlays
        | Action::DiagramZoom(_)
        | Action::DiagramPan(_)
        | Action::ToggleSplitSide(_)
        | Action::LogPage(_) => {}
        Action::ToggleLink(a, b, one_way) => m.toggle_link(a, b, one_way),
        Action::Split | Action::TourNext | Action::TourPrev | Action::TourWithBug | Action::TourClose => {}
        Action::DismissAlert => m.alert = None,
        Action::SetLatency(text) => forms::set_latency(m, &text),
        Action::SetLoss(text) => forms::set_loss(m, &text),
        Action::SetDup(text) => forms::set_dup(m, &text),
        Action::SetElectionTimeout(text) => forms::set_election(m, &text),
        Action::SetHeartbeat(text) => forms::set_heartbeat(m, &text),
        Action::ToggleBug(bug) => {
            let on = !m.world.config().raft.bugs.has(bug);
            m.act(Intervention::SetBug { bug, on });
        }
        Action::TogglePreVote => m.set_protocol(|p, _, _| *p = !*p),
        Action::ToggleCheckQuorum => m.set_protocol(|_, q, _| *q = !*q),
        Action::SetReads(text) => match ReadMode::from_name(&text) {
            Some(mode) => m.set_protocol(|_, _, r| *r = mode),
            None => m.alert = Some(format!("reads are served through the log or by read index, not '{text}'")),
        },
        Action::Transfer(id) => m.transfer_to(id),
        Action::AddServer => m.act(Intervention::AddServer),
        Action::Seek(t) => m.seek(t),
        Action::GoLive => {
            m.seek(m.horizon_us);
            m.paused = false;
        }
        Action::Share => {
            m.share = Some(m.link());
            m.shares += 1;
        }
        Action::OpenLink(text) => m.open_link(&text),
        Action::Refresh => {}
    }
    true
}

/// The cluster the page opens with: the link in the address bar if there is one, else a fresh
/// five-server cluster (also when the link is bad, with the reason in the alert banner).
pub fn initial_state(seed: u64, fragment: Option<&str>, theme: Theme, embed: bool) -> State {
    let mut model = Model::new(first_visit(seed)).expect("the default scenario is valid");
    let link = fragment.filter(|f| !f.trim_start_matches('#').is_empty());
    if let Some(text) = link {
        model.open_link(text);
    }
    State { chrome: Chrome { theme, hint: link.is_none() && !embed, embed, ..Chrome::default() }, ..State::new(model) }
}

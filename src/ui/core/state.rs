//! The one reducer: every change to the playground is an `Action`. The model sits behind an
//! `Rc<RefCell>` so a frame does not copy the world; `version` tells Yew whether to re-render.
//! The page around the run (`Chrome`: panels, theme, alert, share link, the story being told)
//! lives here beside the model, not in it: the model is the run and nothing else.

use std::cell::RefCell;
use std::rc::Rc;

use crate::raft::{Bug, MAX_NODES, NodeId, ReadMode};
use crate::scenario::compare::Switch;
use crate::scenario::presets;
use crate::sim::Intervention;
use crate::ui::compare;
use crate::ui::core::model::{Model, Selection, first_visit};
use crate::ui::settings;
use crate::ui::shell::Theme;
use crate::ui::story::{self, Tour};

// Compared and printed by the tests only: the page never needs it.
#[cfg_attr(test, derive(Debug, PartialEq))]
pub enum Action {
    /// Replay beside the run with this switch flipped (`ui::compare`).
    Compare(Switch),
    CloseCompare,
    /// The page's clock woke: run on to this simulated time (see `browser::driver` and `cluster::Motion`).
    Tick(u64),
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
    /// Open a trace from another implementation (or an exported run): its file name and text.
    OpenTrace(Rc<str>, Rc<str>),
    /// Back to the simulator, a fresh cluster.
    CloseTrace,
    /// Show a problem found outside the reducer (a file that cannot be read).
    Alert(Rc<str>),
}

/// The page around the simulation: which panels are open, the colour theme, the alert banner
/// and the last share link. Not part of the run (a share link does not carry it).
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// The first visit's tour was dismissed (remembered by the browser: never shown again).
    pub tour_dismissed: bool,
    /// The last problem to show in the alert banner.
    pub alert: Option<Rc<str>>,
    /// A link that failed to open stays in the address bar until the person acts.
    pub keep_fragment: bool,
    /// The last share link made, and how many were made (each press of Share copies again,
    /// even when the link is the same).
    pub share: Option<Rc<str>>,
    pub shares: u64,
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
            tour_dismissed: false,
            alert: None,
            keep_fragment: false,
            share: None,
            shares: 0,
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
    /// The second run of a comparison (`Model::compare` names the switch, so a share link
    /// carries it), in lockstep with `model` (`compare::follow` after every action).
    pub other: Option<Rc<RefCell<Model>>>,
}

impl PartialEq for State {
    fn eq(&self, other: &State) -> bool {
        Rc::ptr_eq(&self.model, &other.model) && self.version == other.version && self.chrome == other.chrome
    }
}

impl State {
    pub fn new(model: Model) -> State {
        State { model: Rc::new(RefCell::new(model)), chrome: Chrome::default(), version: 0, other: None }
    }
}

impl State {
    fn next(&self, chrome: Chrome) -> Rc<State> {
        self.next_with(chrome, self.other.clone())
    }

    fn next_with(&self, chrome: Chrome, other: Option<Rc<RefCell<Model>>>) -> Rc<State> {
        Rc::new(State { model: self.model.clone(), chrome, version: self.version + 1, other })
    }

    /// Opening and closing a comparison; `None` leaves the action to the rest of the reducer.
    /// Opened during a story, the story starts again, so both runs are told from the start.
    fn compare_step(&self, action: &Action) -> Option<Rc<State>> {
        let mut chrome = self.chrome.clone();
        match *action {
            Action::Compare(_) if self.model.borrow().opened.is_some() => {
                // A trace is one recorded run: there is no second one to replay beside it.
                chrome.alert = Some(crate::ui::core::model::TRACE_READ_ONLY.into());
                Some(self.next(chrome))
            }
            Action::Compare(switch) => {
                let mut m = self.model.borrow_mut();
                let story = chrome.tour.filter(|t| !t.is_first_visit());
                let restarted = story.map(|t| story::start(&mut m, t.story().preset, t.bug)).transpose();
                let opened = restarted.and_then(|tour| Ok((tour, compare::open(&m, switch)?)));
                if opened.is_ok() {
                    m.compare = Some(switch);
                }
                drop(m);
                match opened {
                    Ok((tour, other)) => {
                        chrome.tour = tour.or(chrome.tour);
                        Some(self.next_with(chrome, Some(Rc::new(RefCell::new(other)))))
                    }
                    Err(e) => {
                        chrome.alert = Some(e.into());
                        Some(self.next(chrome))
                    }
                }
            }
            Action::CloseCompare => {
                self.model.borrow_mut().compare = None;
                Some(self.next_with(chrome, None))
            }
            _ => None,
        }
    }

    /// After every action: the second run of a comparison follows the first. A new run (a
    /// preset, a new cluster) ends the comparison; a link that carries one starts it.
    fn follow(self: Rc<Self>) -> Rc<State> {
        let switch = self.model.borrow().compare;
        let result = match (switch, &self.other) {
            (None, None) => return self,
            (None, Some(_)) => return self.next_with(self.chrome.clone(), None),
            (Some(switch), None) => compare::open(&self.model.borrow(), switch).map(|b| Some(Rc::new(RefCell::new(b)))),
            (Some(switch), Some(other)) => {
                compare::follow(&self.model.borrow(), &mut other.borrow_mut(), switch).map(|()| None)
            }
        };
        match result {
            Ok(None) => self,
            Ok(opened) => self.next_with(self.chrome.clone(), opened),
            Err(e) => {
                self.model.borrow_mut().compare = None;
                self.next_with(Chrome { alert: Some(e.into()), ..self.chrome.clone() }, None)
            }
        }
    }

    /// The actions the reducer handles around the run rather than in it; returns whether
    /// `action` was one. Most change only the page; two also touch the model without moving
    /// the run: `CloseOverlays` clears the selection and closes the first visit's tour, and
    /// `Share` reads the model's link.
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
                let by = crate::ui::logs::LOG_WINDOW / 2;
                chrome.log_back = match step {
                    s if s < 0 => chrome.log_back + by,
                    s if s > 0 => chrome.log_back.saturating_sub(by),
                    _ => 0,
                };
            }
            Action::ToggleSplitSide(id) => {
                if (1..=MAX_NODES).contains(&id) {
                    chrome.split_side ^= 1 << (id - 1);
                }
            }
            Action::CloseOverlays => {
                chrome.help_open = false;
                // Escape dismisses the first visit's tour too (a preset's story stays: it was asked for).
                if chrome.tour.is_some_and(|t| t.is_first_visit()) {
                    story::close(&mut self.model.borrow_mut());
                    chrome.tour = None;
                    chrome.tour_dismissed = true;
                }
                self.model.borrow_mut().selection = None;
            }
            Action::DismissAlert => chrome.alert = None,
            Action::Alert(ref text) => chrome.alert = Some(text.clone()),
            Action::Share => {
                chrome.share = Some(self.model.borrow().link().into());
                chrome.shares += 1;
            }
            _ => return false,
        }
        true
    }

    /// The guided-scenario side of an action: `Some` when the action is the tour's (or starts
    /// one), with the tour it leaves; `None` leaves the action to the rest of the reducer.
    fn tour_step(&self, action: &Action) -> Option<Result<Option<Tour>, String>> {
        let mut m = self.model.borrow_mut();
        let mut tour = self.chrome.tour;
        let done = match (action, tour.as_mut()) {
            (Action::TourNext, Some(t)) => story::next(&mut m, t),
            (Action::TourPrev, Some(t)) => story::prev(&mut m, t),
            (Action::TourWithBug, Some(t)) => {
                let preset = t.story().preset;
                story::start(&mut m, preset, true).map(|t| tour = Some(t))
            }
            (Action::TourClose, _) => {
                story::close(&mut m);
                tour = None;
                Ok(())
            }
            // A preset without a story goes on to the reducer (an unknown one is explained there).
            (Action::LoadPreset(name, _), _) if story::has_story(name) => {
                story::start(&mut m, name, false).map(|t| tour = Some(t))
            }
            (Action::OpenLink(text), _) => {
                let preset = story::preset_of_link(text)?;
                story::start(&mut m, preset, false).map(|t| tour = Some(t))
            }
            _ => return None,
        };
        Some(done.map(|()| tour))
    }
}

impl State {
    /// The reducer (Yew's `Reducible::reduce` calls it): plain Rust, tested natively.
    pub fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        if let Some(next) = self.compare_step(&action) {
            return next;
        }
        self.reduce_one(action).follow()
    }

    fn reduce_one(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut chrome = self.chrome.clone();
        if !matches!(action, Action::Tick(_) | Action::Refresh) {
            chrome.hint = false;
        }
        if !matches!(action, Action::Tick(_) | Action::Refresh | Action::OpenLink(_)) {
            // The person acted: the address bar may follow the run again.
            chrome.keep_fragment = false;
        }
        if self.update_chrome(&mut chrome, &action) {
            return self.next(chrome);
        }
        if let Some(done) = self.tour_step(&action) {
            if matches!(action, Action::OpenLink(_) | Action::LoadPreset(..) | Action::TourWithBug) {
                // A story starts: out of the way, so the cluster and the caption show.
                chrome.settings_open = false;
            }
            if matches!(action, Action::TourClose) && self.chrome.tour.is_some_and(|t| t.is_first_visit()) {
                chrome.tour_dismissed = true;
            }
            match done {
                Ok(tour) => chrome.tour = tour,
                Err(e) => chrome.alert = Some(e.into()),
            }
            return self.next(chrome);
        }
        if let Action::Split = action {
            let side = (1..=MAX_NODES).filter(|id| chrome.split_side & (1 << (id - 1)) != 0).collect();
            if let Err(e) = self.model.borrow_mut().split(&side) {
                chrome.alert = Some(e.into());
            }
            chrome.split_side = 0;
            return self.next(chrome);
        }
        if matches!(action, Action::OpenTrace(..)) {
            // A trace takes the page over: no story tells it, nothing runs beside it.
            story::close(&mut self.model.borrow_mut());
            chrome.tour = None;
            chrome.settings_open = false;
            self.model.borrow_mut().compare = None;
        }
        let opening = matches!(action, Action::OpenLink(_));
        let changed = match apply(&mut self.model.borrow_mut(), action) {
            Ok(changed) => changed,
            Err(e) => {
                chrome.alert = Some(e.into());
                // A bad link stays in the address bar, to be read and mended.
                chrome.keep_fragment |= opening;
                true
            }
        };
        if let Some(t) = chrome.tour.as_mut() {
            // A frame may bring a guided scenario to the beat it was heading for.
            story::arrived(&mut self.model.borrow_mut(), t);
        }
        if !changed && chrome == self.chrome {
            return self;
        }
        self.next(chrome)
    }
}

/// Carries out one action; returns whether anything visible may have changed, or the problem
/// to show in the alert banner.
fn apply(m: &mut Model, action: Action) -> Result<bool, String> {
    match action {
        Action::Tick(target_us) => return m.advance_to(target_us),
        Action::TogglePlay => m.paused = !m.paused,
        Action::SetPaused(p) => m.paused = p,
        Action::Step => m.step()?,
        Action::SetSpeed(s) => m.set_speed(s),
        Action::SpeedBy(f) => m.set_speed(m.speed * f),
        Action::ToggleFastForward => m.fast_forward = !m.fast_forward,
        Action::Reset(seed) => m.reset_with(|c| c.seed = seed)?,
        Action::SetNodes(text) => settings::set_nodes(m, &text)?,
        Action::SetClients(text) => settings::set_clients(m, &text)?,
        Action::LoadPreset(name, seed) => {
            let p = presets::find(&name).ok_or_else(|| format!("unknown preset '{name}'"))?;
            m.reset((p.build)(seed))?
        }
        Action::Act(i) => m.intervene(i)?,
        // A trace cannot be changed: a click shows what it knows of the server instead.
        Action::ClickServer(id) if m.opened.is_some() => m.selection = Some(Selection::Server(id)),
        Action::ClickServer(id) => m.toggle_server(id)?,
        Action::Select(s) => m.selection = s,
        Action::Request(via) => m.request(via)?,
        Action::RestartLeader => m.restart_leader()?,
        Action::RestartAll => m.restart_all()?,
        Action::ToggleHelp
        | Action::ToggleSettings
        | Action::CycleTheme
        | Action::CloseOverlays
        | Action::DiagramZoom(_)
        | Action::DiagramPan(_)
        | Action::ToggleSplitSide(_)
        | Action::LogPage(_)
        | Action::DismissAlert
        | Action::Alert(_)
        | Action::Share => {}
        Action::ToggleLink(a, b, one_way) => m.toggle_link(a, b, one_way)?,
        Action::Split | Action::TourNext | Action::TourPrev | Action::TourWithBug | Action::TourClose => {}
        Action::Compare(_) | Action::CloseCompare => {}
        Action::SetLatency(text) => settings::set_latency(m, &text)?,
        Action::SetLoss(text) => settings::set_loss(m, &text)?,
        Action::SetDup(text) => settings::set_dup(m, &text)?,
        Action::SetElectionTimeout(text) => settings::set_election(m, &text)?,
        Action::SetHeartbeat(text) => settings::set_heartbeat(m, &text)?,
        Action::ToggleBug(bug) => {
            let on = !m.world.config().raft.bugs.has(bug);
            m.intervene(Intervention::SetBug { bug, on })?
        }
        Action::TogglePreVote => m.set_protocol(|p, _, _| *p = !*p)?,
        Action::ToggleCheckQuorum => m.set_protocol(|_, q, _| *q = !*q)?,
        Action::SetReads(text) => {
            let mode = ReadMode::from_name(&text)
                .ok_or_else(|| format!("reads are served through the log or by read index, not '{text}'"))?;
            m.set_protocol(|_, _, r| *r = mode)?
        }
        Action::Transfer(id) => m.transfer_to(id)?,
        Action::AddServer => m.intervene(Intervention::AddServer)?,
        Action::Seek(t) => m.seek(t)?,
        Action::GoLive => {
            m.seek(m.horizon_us)?;
            m.paused = false;
        }
        Action::OpenLink(text) => m.open_link(&text)?,
        Action::Refresh => {}
        Action::OpenTrace(name, text) => m.open_trace(&name, &text)?,
        Action::CloseTrace => {
            let seed = m.world.config().seed;
            m.reset(crate::scenario::Scenario::new(crate::ui::core::model::default_config(seed)))?
        }
    }
    Ok(true)
}

/// The cluster the page opens with: the link in the address bar if there is one, else a fresh
/// five-server cluster (also when the link is bad, with the reason in the alert banner).
/// The page as it opens: the link in the fragment, or a fresh cluster. A first visit (no link,
/// not embedded) starts the tour of what Raft promises, unless it was dismissed before; with
/// the tour dismissed, a one-line hint shows instead.
pub fn initial_state(seed: u64, fragment: Option<&str>, theme: Theme, embed: bool, tour_dismissed: bool) -> State {
    let mut model = Model::new(first_visit(seed)).expect("the default scenario is valid");
    let link = fragment.filter(|f| !f.trim_start_matches('#').is_empty());
    let alert = link.and_then(|text| model.open_link(text).err()).map(Rc::from);
    let keep_fragment = alert.is_some();
    let fresh = link.is_none() && !embed;
    let tour = (fresh && !tour_dismissed).then(|| story::start_first_visit(&model));
    let hint = fresh && tour.is_none();
    let chrome = Chrome { theme, hint, embed, alert, keep_fragment, tour, tour_dismissed, ..Chrome::default() };
    // A link that carries a comparison opens its second run too.
    Rc::new(State { chrome, ..State::new(model) }).follow().as_ref().clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compare during a story restarts it beside a second run; both advance in lockstep with
    /// every action, and opening another preset ends the comparison.
    #[test]
    fn a_comparison_follows_every_action_and_ends_with_the_run() {
        let s = Rc::new(initial_state(3, None, Theme::default(), false, true));
        let s = s.reduce(Action::LoadPreset("disruptive-server".into(), 1));
        let s = s.reduce(Action::Seek(300_000));
        let s = s.reduce(Action::Compare(Switch::PreVote));
        assert_eq!(s.model.borrow().compare, Some(Switch::PreVote));
        assert_eq!(s.chrome.tour.map(|t| t.beat), Some(0), "the story starts again");
        let other = s.other.clone().expect("the second run");
        assert_eq!(other.borrow().now_us(), s.model.borrow().now_us());
        let s = s.reduce(Action::Seek(3_000_000));
        assert_eq!(other.borrow().now_us(), 3_000_000, "in lockstep");
        let s = s.reduce(Action::Act(Intervention::Crash(2)));
        assert_eq!(other.borrow().scenario.interventions.len(), s.model.borrow().scenario.interventions.len());
        let s = s.reduce(Action::LoadPreset("figure8".into(), 1));
        assert!(s.model.borrow().compare.is_none() && s.other.is_none(), "another run ends the comparison");
        let s = s.reduce(Action::Compare(Switch::PreVote)).reduce(Action::CloseCompare);
        assert!(s.other.is_none());
    }

    /// A share link carries the comparison: opened, both runs are back side by side.
    #[test]
    fn a_share_link_carries_the_comparison() {
        let s = Rc::new(initial_state(3, None, Theme::default(), false, true));
        let s = s
            .reduce(Action::LoadPreset("figure8".into(), 1))
            .reduce(Action::Compare(Switch::Bug(Bug::CommitPreviousTerm)));
        let s = s.reduce(Action::Seek(900_000)).reduce(Action::Share);
        let link = s.chrome.share.clone().expect("a link");
        let opened = initial_state(5, Some(&link), Theme::default(), false, true);
        assert_eq!(opened.model.borrow().compare, Some(Switch::Bug(Bug::CommitPreviousTerm)));
        let other = opened.other.clone().expect("the second run opens with the link");
        assert_eq!(other.borrow().now_us(), 900_000);
        assert!(other.borrow().scenario.config.raft.bugs.has(Bug::CommitPreviousTerm));
    }

    /// A first visit opens the tour without stopping the run; the close button or Escape
    /// dismisses it for good; a link, an embed or an earlier dismissal opens none.
    #[test]
    fn the_first_visit_tour_opens_once_and_is_dismissed_for_good() {
        let fresh = Rc::new(initial_state(3, None, Theme::default(), false, false));
        assert!(fresh.chrome.tour.is_some_and(|t| t.is_first_visit()) && !fresh.chrome.hint);
        assert!(!fresh.model.borrow().paused, "the cluster runs under the tour");
        for close in [Action::TourClose, Action::CloseOverlays] {
            let closed = fresh.clone().reduce(close);
            assert!(closed.chrome.tour.is_none() && closed.chrome.tour_dismissed);
        }
        assert!(initial_state(3, None, Theme::default(), false, true).chrome.tour.is_none());
        assert!(initial_state(3, None, Theme::default(), true, false).chrome.tour.is_none());
        let story = fresh.reduce(Action::LoadPreset("figure8".into(), 1));
        let escaped = story.reduce(Action::CloseOverlays);
        assert!(escaped.chrome.tour.is_some() && !escaped.chrome.tour_dismissed, "a preset's story stays");
    }

    fn state() -> Rc<State> {
        Rc::new(initial_state(7, None, Theme::default(), false, true))
    }

    #[test]
    fn problems_go_to_the_alert_banner_and_leave_the_run_alone() {
        let s = state();
        let before = s.model.borrow().world.config().clone();
        let s = s.reduce(Action::SetNodes("0".into()));
        assert!(s.chrome.alert.as_deref().is_some_and(|a| a.contains("cluster size")), "{:?}", s.chrome.alert);
        assert_eq!(s.model.borrow().world.config(), &before);
        let s = s.reduce(Action::DismissAlert);
        assert_eq!(s.chrome.alert, None);
        let s = s.reduce(Action::Transfer(9));
        assert!(s.chrome.alert.is_some(), "no leader yet to hand over");
    }

    #[test]
    fn a_bad_link_stays_in_the_address_bar_until_the_person_acts() {
        let s = state().reduce(Action::OpenLink("#v9-nonsense".into()));
        assert!(s.chrome.alert.is_some() && s.chrome.keep_fragment);
        let s = s.reduce(Action::Tick(16_000));
        assert!(s.chrome.keep_fragment, "frames are not the person acting");
        let s = s.reduce(Action::TogglePlay);
        assert!(!s.chrome.keep_fragment);
        let bad = initial_state(7, Some("#garbage"), Theme::default(), false, false);
        assert!(bad.chrome.alert.is_some() && bad.chrome.keep_fragment && !bad.chrome.hint);
    }

    #[test]
    fn share_makes_the_link_of_this_moment_each_time_it_is_pressed() {
        let s = state().reduce(Action::Seek(1_000_000));
        let s = s.reduce(Action::Share).reduce(Action::Share);
        assert_eq!(s.chrome.shares, 2);
        let link = s.chrome.share.clone().expect("a link");
        assert_eq!(&*link, s.model.borrow().link());
        let reopened = Model::from_link(&link).expect("the share link opens");
        assert_eq!(reopened.now_us(), 1_000_000);
    }

    /// With a trace open, the actions that would change a run explain why they cannot, a click
    /// on a server inspects it, and Close trace brings a fresh cluster back.
    #[test]
    fn a_trace_is_replayed_never_changed() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/traces/ours-example.jsonl"))
                .expect("fixture");
        let s = state().reduce(Action::OpenTrace("example.jsonl".into(), text.into()));
        assert!(s.model.borrow().opened.is_some() && s.chrome.alert.is_none(), "{:?}", s.chrome.alert);
        let read_only = crate::ui::core::model::TRACE_READ_ONLY;
        for action in [
            Action::Act(Intervention::Crash(1)),
            Action::Request(None),
            Action::Compare(Switch::PreVote),
            Action::Reset(3),
        ] {
            let after = s.clone().reduce(action);
            assert_eq!(after.chrome.alert.as_deref(), Some(read_only));
            assert!(after.model.borrow().opened.is_some() && after.other.is_none());
        }
        let s = s.reduce(Action::ClickServer(2));
        assert_eq!(s.model.borrow().selection, Some(Selection::Server(2)));
        let s = s.reduce(Action::Step).reduce(Action::Step);
        assert!(s.model.borrow().now_us() > 0, "step moves through the records");
        let s = s.reduce(Action::CloseTrace);
        assert!(s.model.borrow().opened.is_none());
        assert_eq!(s.model.borrow().world.servers().len(), 5);
    }
}

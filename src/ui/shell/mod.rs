//! The page's frame: the app that lays the features out, the toolbar, the help overlay and the
//! side panels (clock, monitor, clients, events, about). The plain parts (tested natively) are
//! here: the theme, the speed's label, the requests and event lines the panels list, the
//! history's verdict and what the live region announces.

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod dispatch;
#[cfg(target_arch = "wasm32")]
pub mod help;
pub mod keymap;
#[cfg(target_arch = "wasm32")]
pub mod panels;
#[cfg(target_arch = "wasm32")]
pub mod toolbar;

use crate::sim::client::{HistoryOp, Stage};
use crate::sim::trace::{TraceEvent, fmt_time, render_output};
use crate::ui::core::model::Model;

#[derive(Clone, Debug, PartialEq)]
pub struct RequestView {
    pub client: u32,
    pub seq: u64,
    pub op: String,
    pub stages: Vec<(String, &'static str)>,
    pub result: Option<String>,
}

fn stage_label(stage: &Stage) -> (String, &'static str) {
    match *stage {
        Stage::Sent { to } => (format!("sent → n{to}"), "sent"),
        Stage::Redirected { to: Some(n) } => (format!("redirected → n{n}"), "redirected"),
        Stage::Redirected { to: None } => ("no leader known".to_string(), "redirected"),
        Stage::Appended { node, index } => (format!("appended at n{node} #{index}"), "appended"),
        Stage::Committed { index, .. } => (format!("committed #{index}"), "committed"),
        Stage::TimedOut => ("timed out → retry".to_string(), "timeout"),
        Stage::ReadWaiting { node } => (format!("read at n{node}: confirming leadership"), "appended"),
        Stage::ReadConfirmed { node, index } => (format!("read index {index} confirmed at n{node}"), "committed"),
        Stage::Answered => ("answered".to_string(), "answered"),
    }
}

pub fn requests(m: &Model, count: usize) -> Vec<RequestView> {
    let history = m.world.history();
    history.iter().rev().take(count).map(request_view).collect()
}

fn request_view(h: &HistoryOp) -> RequestView {
    RequestView {
        client: h.client,
        seq: h.seq,
        op: h.op.to_string(),
        stages: h.stages.iter().map(|(_, s)| stage_label(s)).collect(),
        result: h.returned.as_ref().map(|(_, o)| render_output(o)),
    }
}

/// Search steps the page spends on the whole-history check while paused.
pub const PAGE_LINEARIZABILITY_BUDGET: u64 = 300_000;

/// The clients' history checked against the key-value model, in words; only while paused,
/// since the search is too costly to repeat every frame.
pub fn linearizability(m: &Model) -> String {
    if let Some(trace) = m.opened.as_deref() {
        return crate::ui::trace::linearizability(trace);
    }
    if !m.paused {
        return "checked while paused".to_string();
    }
    match crate::sim::linearize::check(m.world.history(), PAGE_LINEARIZABILITY_BUDGET) {
        crate::sim::linearize::Verdict::Linearizable => "linearizable ✓".to_string(),
        crate::sim::linearize::Verdict::Violation { key, .. } => {
            format!(
                "NOT linearizable: no order of the operations on key {} fits what clients saw",
                crate::raft::log::key_letter(key)
            )
        }
        crate::sim::linearize::Verdict::Unknown => "undecided (history too tangled for the page's budget)".to_string(),
    }
}

/// Recent trace lines, newest first, with their times, each with its number in the trace
/// (the list's key: a new line then adds one item instead of rewriting every line below it).
pub fn trace_lines(m: &Model, count: usize) -> Vec<(u64, String)> {
    let numbered = m.events().rev().zip((0..m.event_count()).rev());
    let interesting =
        numbered.filter(|((_, e), _)| !matches!(e, TraceEvent::Delivered { .. } | TraceEvent::Sent { .. }));
    interesting.take(count).map(|((t, e), n)| (n, format!("{}  {}", fmt_time(*t), e.render()))).collect()
}

/// The colour theme: the system's choice (`prefers-color-scheme`) unless the person picked one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Auto,
    Light,
    Dark,
}

impl Theme {
    pub fn name(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn from_name(name: &str) -> Option<Theme> {
        [Theme::Auto, Theme::Light, Theme::Dark].into_iter().find(|t| t.name() == name)
    }

    /// The toolbar's switch goes round: auto, light, dark.
    pub fn next(self) -> Theme {
        match self {
            Theme::Auto => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Auto,
        }
    }
}

/// "1/50×", "1×", "10×".
pub fn speed_label(speed: f64) -> String {
    if speed >= 1.0 { format!("{}×", speed.round() as u64) } else { format!("1/{}×", (1.0 / speed).round() as u64) }
}

/// What the polite live region says about the run (the page throttles how often it changes):
/// who leads, how far the log is committed, and the first violation.
pub fn announcement(m: &Model, violation: Option<&crate::sim::Violation>) -> String {
    let mut text = match m.world.leader().and_then(|l| m.world.node(l)) {
        Some(n) => format!("n{} is leader in term {}.", n.id(), n.term()),
        None => format!("No leader (highest term {}).", m.world.max_term()),
    };
    text += &format!(" Committed up to entry {}.", m.world.max_commit_index());
    if let Some(v) = violation {
        text += &format!(" Safety violation: {} at {}.", v.invariant.name(), fmt_time(v.time_us));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theme_cycles_and_round_trips_by_name() {
        let mut t = Theme::default();
        for expected in ["auto", "light", "dark", "auto"] {
            assert_eq!(t.name(), expected);
            assert_eq!(Theme::from_name(t.name()), Some(t));
            t = t.next();
        }
        assert_eq!(Theme::from_name("purple"), None);
        assert_eq!(speed_label(0.02), "1/50×");
        assert_eq!(speed_label(10.0), "10×");
    }

    #[test]
    fn event_lines_are_numbered_by_their_place_in_the_trace() {
        let mut m = Model::new(crate::ui::core::model::first_visit(8)).expect("valid");
        m.seek(1_880_000).unwrap();
        let lines = trace_lines(&m, 12);
        assert_eq!(lines.len(), 12);
        assert!(lines.windows(2).all(|w| w[0].0 > w[1].0), "newest first, each number once: {lines:?}");
        assert!(lines[0].0 < m.world.trace().count());
        m.seek(2_000_000).unwrap();
        let later = trace_lines(&m, 12);
        let kept = lines.iter().filter(|l| later.contains(l)).count();
        assert!(later[0].0 > lines[0].0 && (1..12).contains(&kept), "new events, new numbers: {later:?}");
        assert!(later.iter().all(|l| l.0 > lines[0].0 || lines.contains(l)), "a number always names the same line");
    }

    /// The page's monitor finds the stale read of the stale-read preset while running.
    #[test]
    fn stale_read_preset_shows_a_linearizability_violation_live() {
        use crate::raft::Bug;
        use crate::sim::{Intervention, Invariant};
        let preset = crate::scenario::presets::find("stale-read").expect("preset");
        let mut m = Model::new((preset.build)(1)).expect("valid");
        assert!(m.first_violation().is_none());
        m.intervene(Intervention::SetBug { bug: Bug::StaleRead, on: true }).unwrap();
        m.seek(1_900_000).unwrap();
        m.paused = false;
        assert!(m.first_violation().is_none(), "nothing stale was read yet");
        while m.now_us() < 2_500_000 {
            m.advance(400.0).unwrap();
        }
        let v = m.first_violation().expect("the stale read is found while running");
        assert_eq!((v.invariant, v.nodes.clone()), (Invariant::Linearizability, vec![1]));
        m.seek(1_000_000).unwrap();
        let back = m.first_violation();
        assert!(back.is_none(), "travelling back before the read clears it: {back:?} at {}", m.now_us());
    }
}

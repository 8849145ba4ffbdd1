//! Guided scenarios in the page (`scenario::stories` has the words): which story is open, which
//! beat it shows, and whether the run is on its way to the next one. Starting a story opens its
//! preset at the first beat; Next plays the run to the next beat, at the story's own pace
//! (`pace`), and pauses there; Previous travels back to the one before; a story with a bug can
//! be replayed with it switched on. The last beat asks the reader to act, and `challenge_done`
//! reads from the run whether they did. The first visit's tour (`scenario::stories::FIRST_VISIT`)
//! runs on the live cluster instead of a preset: its beats find their moments as they go
//! (`live`).

#[cfg(target_arch = "wasm32")]
pub mod component;
mod live;
pub mod pace;

use crate::raft::RoleKind;
use crate::raft::Time;
use crate::scenario::presets;
use crate::scenario::stories::{Challenge, FIRST_VISIT, STORIES, Story};
use crate::sim::client::Stage;
use crate::sim::trace::TraceEvent;
use crate::ui::core::model::Model;

/// Beats a story may have.
pub const MAX_BEATS: usize = 8;
/// `Tour::story` of the first visit's tour (`FIRST_VISIT`), after the presets' stories.
pub const FIRST_VISIT_STORY: usize = STORIES.len();

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tour {
    /// Index into `STORIES`, or `FIRST_VISIT_STORY`.
    pub story: usize,
    /// The beat whose caption shows.
    pub beat: usize,
    /// The run is playing towards `beat + 1`.
    pub heading: bool,
    pub bug: bool,
    /// Each beat's moment in simulated time: fixed for a preset's story; for the live tour,
    /// found when Next first plays to it (`None` until then).
    pub moments_us: [Option<Time>; MAX_BEATS],
}

impl Tour {
    pub fn story(&self) -> &'static Story {
        STORIES.get(self.story).unwrap_or(&FIRST_VISIT)
    }

    pub fn current(&self) -> &'static crate::scenario::stories::Beat {
        &self.story().beats[self.beat]
    }

    /// The first visit's tour, which runs on the live cluster.
    pub fn is_first_visit(&self) -> bool {
        self.story == FIRST_VISIT_STORY
    }

    fn moment_us(&self, beat: usize) -> Option<Time> {
        self.moments_us[beat]
    }

    pub fn is_last(&self) -> bool {
        self.beat + 1 == self.story().beats.len()
    }

    /// The caption as shown: the last beat before the challenge of a story replayed with its
    /// bug tells the other end.
    pub fn caption(&self) -> &'static str {
        match self.story().with_bug {
            Some((_, ending)) if self.bug && self.beat + 2 == self.story().beats.len() => ending,
            _ => self.current().caption,
        }
    }
}

pub fn has_story(preset: &str) -> bool {
    STORIES.iter().any(|s| s.preset == preset)
}

/// Opens `preset`'s story (with its bug switched on if asked) at the first beat, paused.
pub fn start(m: &mut Model, preset: &str, bug: bool) -> Result<Tour, String> {
    let story = STORIES.iter().position(|s| s.preset == preset).ok_or_else(|| format!("no story for '{preset}'"))?;
    let p = presets::find(preset).ok_or_else(|| format!("unknown preset '{preset}'"))?;
    let mut scenario = (p.build)(1);
    if let (true, Some((b, _))) = (bug, STORIES[story].with_bug) {
        scenario.config.raft.bugs = scenario.config.raft.bugs.with(b);
    }
    m.reset(scenario)?;
    let beats = STORIES[story].beats;
    assert!(beats.len() <= MAX_BEATS, "story {preset} has more than {MAX_BEATS} beats");
    let mut moments_us = [None; MAX_BEATS];
    for (moment, beat) in moments_us.iter_mut().zip(beats) {
        *moment = Some(beat.at_ms * 1000);
    }
    let tour = Tour { story, beat: 0, heading: false, bug, moments_us };
    m.seek(beats[0].at_ms * 1000)?;
    Ok(tour)
}

/// Opens the first visit's tour on the live cluster, at its first beat, without pausing it.
pub fn start_first_visit(m: &Model) -> Tour {
    let mut moments_us = [None; MAX_BEATS];
    moments_us[0] = Some(m.now_us());
    Tour { story: FIRST_VISIT_STORY, beat: 0, heading: false, bug: false, moments_us }
}

/// A story for a link: the preset it opens at its start, if it is one (the preset menu's
/// links).
pub fn preset_of_link(text: &str) -> Option<&'static str> {
    use crate::scenario::link::{Link, VERSION, encode_as};
    let text = text.trim_start_matches('#');
    let speed_ppm = (crate::ui::core::model::DEFAULT_SPEED * 1e6) as u32;
    let link = |p: &presets::Preset| Link { scenario: (p.build)(1), time_us: 0, speed_ppm, compare: None };
    // A preset's link at its start holds interventions still to come, which an ordinary link
    // may not: it is recognised by its text, in this format or the one before.
    let matches = |p: &&presets::Preset| [VERSION, 5].into_iter().any(|v| encode_as(&link(p), v) == text);
    presets::PRESETS.iter().find(matches).map(|p| p.name)
}

/// Plays on to the next beat (the run pauses there by itself).
pub fn next(m: &mut Model, tour: &mut Tour) -> Result<(), String> {
    if tour.is_last() {
        return Ok(());
    }
    let next = tour.beat + 1;
    let target = match (tour.moment_us(next), tour.story().beats[next].live) {
        (Some(t), _) => t,
        (None, Some((what, until))) => {
            live::act(m, what)?;
            let found = live::moment(m, until).ok_or("the tour could not find its next moment on this run")?;
            let target = found + live::LIVE_AFTER_US;
            tour.moments_us[next] = Some(target);
            target
        }
        (None, None) => unreachable!("a preset's beats all have their moments from the start"),
    };
    if m.now_us() >= target {
        m.seek(target)?;
        tour.beat += 1;
        return Ok(());
    }
    let (from, focus) = (m.now_us(), tour.story().beats[tour.beat + 1].focus);
    let windows = pace::focus_windows(m.world.checkpoint(0), from, target, focus);
    m.pace = pace::pace(from, target, &windows);
    m.pause_at = Some(target);
    m.paused = false;
    tour.heading = true;
    Ok(())
}

/// Called after each frame: the run reached the beat it was heading for.
pub fn arrived(m: &mut Model, tour: &mut Tour) {
    if tour.heading && m.paused && m.pause_at.is_none() {
        tour.heading = false;
        tour.beat += 1;
        m.pace.clear();
    }
}

/// Whether the reader has done what the story's last beat asks, read off the run after that
/// beat's moment (a violation counts from any moment: the bug's replay shows it before).
/// `None` before the last beat.
pub fn challenge_done(m: &mut Model, tour: &Tour) -> Option<bool> {
    if !tour.is_last() {
        return None;
    }
    let challenge = tour.story().challenge?;
    let since_us = tour.moment_us(tour.beat).unwrap_or(0);
    let after = |t: &Time| *t > since_us;
    let trace = m.world.trace().recent();
    let seen =
        |wanted: fn(&TraceEvent) -> bool| trace.iter().rev().take_while(|(t, _)| after(t)).any(|(_, e)| wanted(e));
    Some(match challenge {
        Challenge::NewLeader => seen(|e| matches!(e, TraceEvent::Role { role: RoleKind::Leader, .. })),
        Challenge::Overwrite => seen(|e| matches!(e, TraceEvent::Truncated { .. })),
        Challenge::Membership => seen(|e| matches!(e, TraceEvent::Membership { .. })),
        Challenge::ClientRetry => {
            let history = m.world.history();
            history.iter().any(|h| h.stages.iter().any(|(t, stage)| after(t) && matches!(stage, Stage::TimedOut)))
        }
        Challenge::Violation => m.first_violation().is_some(),
    })
}

/// The story closes: the reader's own speed again.
pub fn close(m: &mut Model) {
    m.pace.clear();
    m.pause_at = None;
}

/// Back to the previous beat's moment.
pub fn prev(m: &mut Model, tour: &mut Tour) -> Result<(), String> {
    tour.heading = false;
    tour.beat = tour.beat.saturating_sub(1);
    m.seek(tour.moment_us(tour.beat).expect("a beat the tour has been to has its moment"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use crate::sim::Invariant;
    use crate::ui::core::model::default_config;

    /// Plays frames of 16 ms, as the page's clock would at 60 frames a second, until the tour
    /// reaches the beat it is heading for; returns the wall time that took, in milliseconds.
    fn play_to_beat(m: &mut Model, tour: &mut Tour) -> u64 {
        let mut frames = 0;
        while tour.heading {
            m.advance(16.0).unwrap();
            arrived(m, tour);
            frames += 1;
            assert!(frames < 10_000, "beat {} never reached", tour.beat + 1);
        }
        frames * 16
    }

    fn walk(bug: bool) -> Model {
        let mut m = Model::new(Scenario::new(default_config(1))).expect("valid");
        let mut tour = start(&mut m, "figure8", bug).expect("figure 8 has a story");
        assert_eq!((tour.beat, m.paused), (0, true));
        m.set_speed(1.0);
        while !tour.is_last() {
            next(&mut m, &mut tour).unwrap();
            play_to_beat(&mut m, &mut tour);
            assert_eq!(m.now_us(), tour.moment_us(tour.beat).unwrap(), "the run pauses exactly on the beat");
        }
        assert!(tour.caption().starts_with("Your turn"));
        assert_eq!(challenge_done(&mut m, &tour), Some(bug), "the challenge: make a committed entry vanish");
        prev(&mut m, &mut tour).unwrap();
        assert!(tour.caption().contains(if bug { "commit-previous-term" } else { "(e)" }));
        assert_eq!(challenge_done(&mut m, &tour), None, "no challenge before the last beat");
        m.seek(m.now_us() + 1_000_000).unwrap();
        prev(&mut m, &mut tour).unwrap();
        assert_eq!(m.now_us(), tour.moment_us(tour.beat).unwrap());
        m
    }

    /// Every beat of every story, played frame by frame at 60 frames a second as the page's
    /// clock would, reaches its pause within the wall-time budget, whatever the reader's speed.
    #[test]
    fn every_beat_of_every_story_plays_within_eight_seconds() {
        for (i, story) in STORIES.iter().enumerate() {
            for reader_speed in [0.001, 1.0] {
                let mut m = Model::new(Scenario::new(default_config(1))).expect("valid");
                let mut tour = start(&mut m, story.preset, false).expect("a story");
                m.set_speed(reader_speed);
                while !tour.is_last() {
                    next(&mut m, &mut tour).unwrap();
                    let wall_ms = play_to_beat(&mut m, &mut tour);
                    assert!(wall_ms <= 8_000, "story {i} ({}), beat {}: {wall_ms} ms", story.preset, tour.beat + 1);
                }
                close(&mut m);
                assert_eq!(m.effective_speed(), reader_speed, "the reader's speed is back");
            }
        }
    }

    /// The first visit's tour plays on the live cluster of any seed: each beat finds its
    /// moment, reaches it within the wall-time budget, and the last shows a client retrying.
    #[test]
    fn the_first_visit_tour_walks_the_live_cluster_for_any_seed() {
        for seed in [1, 2, 3, 42, 4_000_000_007] {
            let mut m = Model::new(crate::ui::core::model::first_visit(seed)).expect("valid");
            m.paused = false;
            m.advance(300.0).unwrap();
            let mut tour = start_first_visit(&m);
            assert!(tour.is_first_visit() && !m.paused, "the tour does not stop the run");
            while !tour.is_last() {
                next(&mut m, &mut tour).unwrap_or_else(|e| panic!("seed {seed}, beat {}: {e}", tour.beat + 1));
                let wall_ms = play_to_beat(&mut m, &mut tour);
                assert!(wall_ms <= 8_000, "seed {seed}, beat {}: {wall_ms} ms", tour.beat + 1);
            }
            let retried = m.world.history().iter().any(|h| h.stages.iter().any(|(_, s)| *s == Stage::TimedOut));
            assert!(retried, "seed {seed}: a client timed out and retried");
            let (back, acts) = (tour.moments_us[tour.beat - 1].expect("visited"), m.scenario.interventions.len());
            prev(&mut m, &mut tour).unwrap();
            assert_eq!(m.now_us(), back, "seed {seed}: Previous goes back to the beat's moment");
            next(&mut m, &mut tour).unwrap();
            assert_eq!(m.scenario.interventions.len(), acts, "seed {seed}: Next again does not act twice");
            assert_eq!(m.pause_at, tour.moments_us[tour.beat + 1], "seed {seed}: and plays to the same moment");
        }
    }

    fn leader(m: &Model) -> crate::raft::NodeId {
        m.world.leader().expect("a leader at the challenge")
    }

    /// At the last beat, the challenge is open until the reader does what it asks.
    #[test]
    fn challenges_are_met_by_what_the_reader_does() {
        use crate::sim::Intervention;
        type Act = fn(&Model) -> Intervention;
        let cases: [(&str, Act); 4] = [
            ("split-vote", |m| Intervention::Crash(leader(m))),
            ("leader-isolated", |m| Intervention::Isolate(leader(m))),
            ("joint-consensus", |m| Intervention::Crash(leader(m))),
            ("add-server", |_| Intervention::AddServer),
        ];
        for (preset, act) in cases {
            let mut m = Model::new(Scenario::new(default_config(1))).expect("valid");
            let mut tour = start(&mut m, preset, false).expect("a story");
            tour.beat = tour.story().beats.len() - 1;
            m.seek(tour.moment_us(tour.beat).unwrap()).unwrap();
            assert_eq!(challenge_done(&mut m, &tour), Some(false), "{preset}: open at first");
            m.seek(m.now_us() + 2_000_000).unwrap();
            assert_eq!(challenge_done(&mut m, &tour), Some(false), "{preset}: waiting does not do it");
            m.seek(tour.moment_us(tour.beat).unwrap()).unwrap();
            let what = act(&m);
            m.intervene(what).unwrap();
            m.seek(m.now_us() + 3_000_000).unwrap();
            assert_eq!(challenge_done(&mut m, &tour), Some(true), "{preset}: done once the reader acts");
        }
    }

    #[test]
    fn the_figure_8_story_plays_beat_by_beat_with_and_without_its_bug() {
        let mut safe = walk(false);
        assert_eq!(safe.first_violation(), None, "without the bug the rule holds");
        let mut broken = walk(true);
        broken.seek(1_500_000).unwrap();
        let v = broken.first_violation().expect("the lost committed entry");
        assert!(matches!(
            v.invariant,
            Invariant::StateMachineSafety | Invariant::CommittedNeverLost | Invariant::LeaderCompleteness
        ));
        assert_eq!(
            preset_of_link(&crate::scenario::link::encode(&crate::scenario::link::Link {
                scenario: (presets::find("figure8").expect("preset").build)(1),
                time_us: 0,
                speed_ppm: 20_000,
                compare: None,
            })),
            Some("figure8")
        );
        let preset = presets::find("figure8").expect("preset");
        let start =
            crate::scenario::link::Link { scenario: (preset.build)(1), time_us: 0, speed_ppm: 20_000, compare: None };
        let previous_format = crate::scenario::link::encode_as(&start, 5);
        assert_eq!(preset_of_link(&previous_format), Some("figure8"), "a preset's format-5 link still opens its story");
    }
}

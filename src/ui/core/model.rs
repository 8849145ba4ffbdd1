//! The playground's state without any browser in it: the scenario being built, the world, the
//! clock and what the person has selected. The Yew reducer wraps this; tests drive it natively.

use crate::raft::{NodeId, NodeSet, ReadMode, RoleKind, Time};
use crate::scenario::compare::Switch;
use crate::scenario::link::{self, Link, LinkError};
use crate::scenario::{Scenario, Timed};
use std::collections::BTreeSet;

use crate::raft::Op;
use crate::sim::linearize;
use crate::sim::trace::TraceEvent;
use crate::sim::{ClientConfig, Intervention, MAX_SIM_TIME_US, SimConfig, Violation, World};
use crate::ui::trace::OpenedTrace;

/// The newest trace events, oldest first (`Model::events`): a ring's two halves, or a slice
/// and nothing.
pub type Events<'a> =
    std::iter::Chain<std::slice::Iter<'a, (Time, TraceEvent)>, std::slice::Iter<'a, (Time, TraceEvent)>>;

/// Why nothing can change an opened trace: the one line the disabled controls give.
pub const TRACE_READ_ONLY: &str = "a trace shows a run that already happened: it can be replayed, not changed";

/// Simulated time per wall time: 1/50× lets a newcomer follow each message by eye (a 10–20 ms
/// message takes half a second to a second to cross the screen).
pub const DEFAULT_SPEED: f64 = 0.02;
pub const MIN_SPEED: f64 = 0.001;
pub const MAX_SPEED: f64 = 1.0;
/// Fast-forward runs ten times faster than real time.
pub const FAST_FORWARD_SPEED: f64 = 10.0;
/// Recent trace events kept for the event log and the space-time diagram (`ui::diagram`): a
/// few simulated seconds of a five-server cluster, about a megabyte per copy of the world.
pub const TRACE_KEEP: usize = 20_000;
/// Time travel keeps at most this many snapshots of the world. When they fill up, every other
/// one goes and the spacing doubles, so memory stays bounded however long the run (RaftScope
/// keeps a copy per change and grows without end).
pub const MAX_CHECKPOINTS: usize = 64;
pub const FIRST_CHECKPOINT_SPACING_US: Time = 5_000_000;
/// A checkpoint keeps this many of the newest trace events (the diagram and the event list
/// after a jump back), not all `TRACE_KEEP`: the trace is most of a world's size, and time
/// travel needs checkpoints dense enough that no jump back re-simulates more than a few
/// seconds.
pub const CHECKPOINT_TRACE: usize = 2_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    Server(NodeId),
    Message(u64),
}

#[derive(Clone, Debug)]
pub struct Model {
    /// The configuration and every intervention so far, with its time: enough to replay.
    pub scenario: Scenario,
    pub world: World,
    pub paused: bool,
    pub speed: f64,
    pub fast_forward: bool,
    /// Bumped whenever simulated time moves other than by running (seek, step, a new run): the
    /// page's animations, which follow the clock on their own between events, start afresh.
    pub jumps: u64,
    pub selection: Option<Selection>,
    /// Bumped by every intervention (a fork can leave their number unchanged).
    pub revision: u64,
    /// Bumped whenever the world is replaced (reset, link, seek back), so views cached by
    /// trace length know to recompute.
    pub generation: u64,
    /// Snapshots for time travel, in time order.
    checkpoints: Vec<World>,
    checkpoint_every_us: Time,
    /// The furthest simulated time of this timeline; acting before it forks the history.
    pub horizon_us: Time,
    /// The clients' history, checked as the run goes (see `watch_linearizability`).
    lin: LinWatch,
    /// Running stops here (a guided scenario's next beat).
    pub pause_at: Option<Time>,
    /// Shown beside a second run with this switch flipped (`ui::compare`; the page's state
    /// holds that run). Part of the share link; a new run (`reset`) ends it.
    pub compare: Option<Switch>,
    /// A guided scenario's pace on the way to its next beat (`story::pace`): each stretch
    /// runs at its speed until its end; empty, the reader's speed.
    pub pace: Vec<(Time, f64)>,
    /// A trace opened from a file (`ui::trace`): while it is here, the views show it instead
    /// of the world, the clock runs over its records, and nothing can change the run.
    pub opened: Option<Box<OpenedTrace>>,
}

/// What the page has checked of the clients' history so far. Without reads every history is
/// linearizable (writes always answer "ok"), so only keys whose reads were answered since the
/// last look are checked, each with the page's budget; the first violation stays.
#[derive(Clone, Debug, Default)]
struct LinWatch {
    generation: u64,
    /// Every request before this index had returned at the last look.
    from: usize,
    answered: u64,
    checked_to_us: Time,
    violation: Option<Violation>,
}

/// Search steps the page spends per look (the command line spends far more, at the end).
pub const LIVE_LINEARIZABILITY_BUDGET: u64 = 200_000;

/// The playground's starting cluster: five servers and one client that sends now and then.
pub fn default_config(seed: u64) -> SimConfig {
    let clients = ClientConfig { count: 1, interval_us: 700_000, ..ClientConfig::default() };
    SimConfig { seed, clients, ..SimConfig::default() }
}

/// The run issue 10's time-travel figures are measured on (the bench, the warm-up, the floor
/// examples): the default cluster with three clients writing.
pub fn three_clients(seed: u64) -> Scenario {
    let mut config = default_config(seed);
    config.clients.count = 3;
    Scenario::new(config)
}

/// A first visit (no link): the default cluster, with one server's election timer running out
/// a few milliseconds in, so that the first election starts within a quarter second of wall
/// time at the default speed instead of after ten seconds of stillness. Part of the scenario,
/// so the run still replays from its link.
pub fn first_visit(seed: u64) -> Scenario {
    let first = 1 + (seed % 5) as NodeId;
    Scenario::new(default_config(seed)).at(5, Intervention::Timeout(first))
}

impl Model {
    pub fn new(scenario: Scenario) -> Result<Model, String> {
        let mut world = scenario.build(TRACE_KEEP)?;
        world.run_until(0)?;
        Ok(Model {
            scenario,
            world,
            paused: false,
            speed: DEFAULT_SPEED,
            fast_forward: false,
            jumps: 0,
            selection: None,
            generation: 0,
            revision: 0,
            checkpoints: Vec::new(),
            checkpoint_every_us: FIRST_CHECKPOINT_SPACING_US,
            horizon_us: 0,
            lin: LinWatch::default(),
            pause_at: None,
            pace: Vec::new(),
            compare: None,
            opened: None,
        })
    }

    /// Rebuilds the world a link describes, at its time, paused. Interventions that name a
    /// message not in flight at their moment mark the link as forged or corrupted.
    pub fn from_link(text: &str) -> Result<Model, LinkError> {
        let link = link::decode(text)?;
        let mut m = Model::new(link.scenario).map_err(LinkError::Invalid)?;
        m.run_to(link.time_us).map_err(LinkError::Invalid)?;
        if let Some(why) = m.world.rejected().first() {
            return Err(LinkError::Invalid(why.clone()));
        }
        m.speed = (f64::from(link.speed_ppm) / 1e6).clamp(MIN_SPEED, MAX_SPEED);
        m.paused = true;
        m.compare = link.compare;
        Ok(m)
    }

    /// Opens a link in place of the current run. A bad one leaves the run as it is and says
    /// why.
    pub fn open_link(&mut self, text: &str) -> Result<(), String> {
        if text.trim_start_matches('#') == self.link() {
            return Ok(()); // the address bar already shows this very run
        }
        let opened = Model::from_link(text).map_err(|e| e.to_string())?;
        let generation = self.generation + 1;
        *self = Model { generation, ..opened };
        Ok(())
    }

    /// The fragment (without `#`) that replays this run to the current time.
    pub fn link(&self) -> String {
        let speed_ppm = (self.speed * 1e6).round() as u32;
        link::encode(&Link {
            scenario: self.scenario.clone(),
            time_us: self.now_us(),
            speed_ppm,
            compare: self.compare,
        })
    }

    /// Runs forward to `target_us`, taking checkpoints on the way.
    fn run_to(&mut self, target_us: Time) -> Result<(), String> {
        // A long way ahead: widen the spacing first instead of copying worlds that thinning
        // would only drop again, to half the budget (a tenth of a long seek went on copies;
        // a jump back then re-simulates at most 1/32 of the way, 20 s of a 10-minute run).
        while target_us / self.checkpoint_every_us > MAX_CHECKPOINTS as Time / 2 {
            self.thin_checkpoints();
        }
        loop {
            let last = self.checkpoints.last().map_or(0, World::now_us);
            // Never in the past: after a fork or a thinning the last checkpoint may be old.
            let due = (last + self.checkpoint_every_us).max(self.now_us());
            if due > target_us {
                self.world.run_until(target_us.max(self.now_us()))?;
                break;
            }
            self.world.run_until(due)?;
            self.checkpoint();
        }
        self.horizon_us = self.horizon_us.max(self.now_us());
        Ok(())
    }

    /// Checkpoints hold no scheduled interventions: the scenario is the one record of those,
    /// and a restore schedules the ones still to come (a fork may have changed them since).
    fn checkpoint(&mut self) {
        let mut snapshot = self.world.checkpoint(CHECKPOINT_TRACE);
        snapshot.cancel_interventions_after(snapshot.now_us());
        self.checkpoints.push(snapshot);
        if self.checkpoints.len() > MAX_CHECKPOINTS {
            self.thin_checkpoints();
        }
    }

    /// Every other checkpoint goes and the spacing doubles.
    fn thin_checkpoints(&mut self) {
        let kept = std::mem::take(&mut self.checkpoints).into_iter().skip(1).step_by(2).collect();
        self.checkpoints = kept;
        self.checkpoint_every_us *= 2;
    }

    /// Time travel: the exact state at `t_us`, from the nearest earlier checkpoint (or the
    /// start) and deterministic re-simulation; past the end it simulates ahead. Pauses.
    pub fn seek(&mut self, t_us: Time) -> Result<(), String> {
        let t = t_us.min(MAX_SIM_TIME_US);
        self.paused = true;
        self.jumps += 1;
        self.pause_at = None;
        self.pace.clear();
        if let Some(trace) = self.opened.as_mut() {
            trace.seek(t);
            return Ok(());
        }
        // The nearest checkpoint at or before `t`, when it is a better start than where the
        // run is (back in time, or forward past the present over recorded history).
        let now = self.now_us();
        let base = self.checkpoints.iter().rev().find(|w| w.now_us() <= t).filter(|w| t < now || w.now_us() > now);
        if t < now || base.is_some() {
            self.world = match base.cloned() {
                Some(mut w) => {
                    let from = w.now_us();
                    let mut later = self.scenario.interventions.iter().filter(|i| i.at_us > from);
                    later.try_for_each(|i| w.schedule(i.at_us, i.what.clone()))?;
                    w
                }
                None => self.scenario.build(TRACE_KEEP)?,
            };
            self.generation += 1;
        }
        self.run_to(t)
    }

    /// Acting in the past discards the future that followed (its checkpoints go in `intervene`).
    fn fork_here(&mut self) {
        let now = self.now_us();
        self.scenario.interventions.retain(|i| i.at_us <= now);
        self.world.cancel_interventions_after(now);
        self.horizon_us = now;
    }

    pub fn now_us(&self) -> Time {
        match &self.opened {
            Some(trace) => trace.now(),
            None => self.world.now_us(),
        }
    }

    /// The speed the clock runs at: fast-forward's, else a story's pace for this stretch, else
    /// the reader's own.
    pub fn effective_speed(&self) -> f64 {
        let now = self.now_us();
        match self.pace.iter().find(|&&(until, _)| now < until) {
            _ if self.fast_forward => FAST_FORWARD_SPEED,
            Some(&(_, speed)) => speed,
            None => self.speed,
        }
    }

    /// When the clock must next wake: the next event, or the end of the story's stretch
    /// (where the speed changes), whichever comes first.
    pub fn next_due_us(&self) -> Option<Time> {
        if let Some(trace) = &self.opened {
            return trace.next_t();
        }
        let boundary = self.pace_boundary();
        match (self.world.next_event_us(), boundary) {
            (Some(e), Some(b)) => Some(e.min(b)),
            (e, b) => e.or(b),
        }
    }

    fn pace_boundary(&self) -> Option<Time> {
        let now = self.now_us();
        self.pace.iter().map(|&(until, _)| until).find(|&until| now < until)
    }

    /// Runs the clock on to `target_us` (the page's clock says where wall time has got to; a
    /// target already passed does nothing). Returns whether anything moved; a failure pauses
    /// the run.
    pub fn advance_to(&mut self, target_us: Time) -> Result<bool, String> {
        if self.paused || target_us <= self.now_us() {
            return Ok(false);
        }
        let mut target = target_us.min(MAX_SIM_TIME_US);
        if let Some(boundary) = self.pace_boundary() {
            // A story's stretch ends: stop there, so the next one starts at its own speed.
            target = target.min(boundary);
        }
        if let Some(stop) = self.pause_at.filter(|&stop| stop <= target) {
            // A guided scenario's beat: land on it exactly and wait for the person.
            target = stop.max(self.now_us());
            self.pause_at = None;
            self.paused = true;
        }
        if target == self.now_us() {
            return Ok(self.paused);
        }
        if let Some(trace) = self.opened.as_mut() {
            trace.seek(target);
            self.paused |= trace.next_t().is_none();
            return Ok(true);
        }
        self.run_to(target).inspect_err(|_| self.paused = true)?;
        Ok(true)
    }

    /// `advance_to` by `wall_ms` of wall time at the current speed (tests stand in for the
    /// page's clock with it).
    #[cfg(test)]
    pub fn advance(&mut self, wall_ms: f64) -> Result<bool, String> {
        let by = (wall_ms * 1000.0 * self.effective_speed()).round() as Time;
        self.advance_to(self.now_us() + by)
    }

    /// Runs every event of the next instant that has any, and pauses there.
    pub fn step(&mut self) -> Result<(), String> {
        self.paused = true;
        if let Some(trace) = self.opened.as_mut() {
            trace.step();
            self.jumps += 1;
            return Ok(());
        }
        match self.world.next_event_us() {
            Some(next) => self.seek(next),
            None => Ok(()),
        }
    }

    /// Applies an intervention now and records it in the scenario.
    pub fn intervene(&mut self, what: Intervention) -> Result<(), String> {
        if self.opened.is_some() {
            return Err(TRACE_READ_ONLY.to_string());
        }
        let now = self.now_us();
        what.validate(self.world.servers().len() as u8)?;
        if let Intervention::DropMessage(id) = what
            && self.world.network().get(id).is_none()
        {
            return Err(format!("message #{id} is no longer in flight"));
        }
        if now < self.horizon_us {
            self.fork_here();
        }
        // Checkpoints after now belong to a discarded future, and one taken at this very
        // instant predates the intervention: a jump back to now must replay it from before.
        self.checkpoints.retain(|w| w.now_us() < now);
        self.world.schedule(now, what.clone())?;
        self.world.run_until(now)?;
        // A preset's script may still hold later interventions: keep the list in time order.
        let at = self.scenario.interventions.partition_point(|i| i.at_us <= now);
        self.scenario.interventions.insert(at, Timed { at_us: now, what });
        self.revision += 1;
        Ok(())
    }

    /// Click on a server: a running one crashes, a crashed one restarts.
    pub fn toggle_server(&mut self, id: NodeId) -> Result<(), String> {
        match self.world.node(id) {
            Some(_) => self.intervene(Intervention::Crash(id)),
            None => self.intervene(Intervention::Restart(id)),
        }
    }

    /// RaftScope's R: the leader crashes and comes straight back with only its disk.
    pub fn restart_leader(&mut self) -> Result<(), String> {
        let leader = self.world.leader().ok_or("there is no leader to restart")?;
        self.intervene(Intervention::Crash(leader))?;
        self.intervene(Intervention::Restart(leader))
    }

    pub fn restart_all(&mut self) -> Result<(), String> {
        for id in 1..=self.world.servers().len() as NodeId {
            if self.world.node(id).is_none() {
                self.intervene(Intervention::Restart(id))?;
            }
        }
        Ok(())
    }

    /// A client request through the leader, or any live server when there is none.
    pub fn request(&mut self, via: Option<NodeId>) -> Result<(), String> {
        let live = (1..=self.world.servers().len() as NodeId).find(|&n| self.world.node(n).is_some());
        let n =
            via.or(self.world.leader()).or(live).ok_or("every server is down: restart one before sending a request")?;
        self.intervene(Intervention::Request(n))
    }

    /// Switches PreVote, CheckQuorum or the read mode; the rest stays as it is.
    pub fn set_protocol(&mut self, change: impl FnOnce(&mut bool, &mut bool, &mut ReadMode)) -> Result<(), String> {
        let raft = self.world.config().raft;
        let (mut pre_vote, mut check_quorum, mut read_mode) = (raft.pre_vote, raft.check_quorum, raft.read_mode);
        change(&mut pre_vote, &mut check_quorum, &mut read_mode);
        self.intervene(Intervention::SetProtocol { pre_vote, check_quorum, read_mode })
    }

    /// Dissertation 3.10: the leader hands leadership to `id`.
    pub fn transfer_to(&mut self, id: NodeId) -> Result<(), String> {
        match self.world.leader() {
            None => Err("there is no leader to hand leadership over".into()),
            Some(l) if l == id => Err(format!("n{id} already leads")),
            Some(_) if self.world.node(id).is_none() => Err(format!("n{id} is down")),
            Some(_) => self.intervene(Intervention::Transfer(id)),
        }
    }

    /// A click on the link between two servers: cut it (both ways, or only `a → b`), or
    /// restore what was cut. Servers split by a partition are joined by healing it.
    pub fn toggle_link(&mut self, a: NodeId, b: NodeId, one_way: bool) -> Result<(), String> {
        let net = self.world.network();
        if net.partitioned(a, b) {
            return Err(format!("n{a} and n{b} are on different sides of a partition: heal the network to join them"));
        }
        let cut: Vec<(NodeId, NodeId)> = [(a, b), (b, a)].into_iter().filter(|&(f, t)| net.is_cut(f, t)).collect();
        if cut.is_empty() {
            self.intervene(Intervention::Cut { from: a, to: b })?;
            if !one_way {
                self.intervene(Intervention::Cut { from: b, to: a })?;
            }
        } else {
            for (from, to) in cut {
                self.intervene(Intervention::Mend { from, to })?;
            }
        }
        Ok(())
    }

    /// Splits the cluster: the servers in `side` on one side of a partition, the rest on the other.
    pub fn split(&mut self, side: &NodeSet) -> Result<(), String> {
        let n = self.world.servers().len() as NodeId;
        self.intervene(Intervention::Partition((1..=n).map(|id| u8::from(side.contains(&id))).collect()))
    }

    pub fn is_isolated(&self, id: NodeId) -> bool {
        self.world.config().nodes > 1 && self.world.network().is_isolated(id)
    }

    /// Starts over with a new scenario (a new cluster size, a preset, a reset).
    pub fn reset(&mut self, scenario: Scenario) -> Result<(), String> {
        let fresh = Model::new(scenario)?;
        let (speed, paused, generation) = (self.speed, self.paused, self.generation + 1);
        *self = Model { speed, paused, generation, ..fresh };
        Ok(())
    }

    /// Starts a fresh run with the current settings, changed by `change` (a new seed, cluster
    /// size or number of clients).
    pub fn reset_with(&mut self, change: impl FnOnce(&mut SimConfig)) -> Result<(), String> {
        if self.opened.is_some() {
            return Err(TRACE_READ_ONLY.to_string());
        }
        let mut config = self.world.config().clone();
        change(&mut config);
        self.reset(Scenario::new(config))
    }

    pub fn set_speed(&mut self, speed: f64) {
        self.speed = speed.clamp(MIN_SPEED, MAX_SPEED);
    }

    /// The newest trace events the views show, oldest first: the world's, or the opened
    /// trace's up to its position.
    pub fn events(&self) -> Events<'_> {
        match &self.opened {
            Some(trace) => trace.events().iter().chain([].iter()),
            None => self.world.trace().recent().into_iter(),
        }
    }

    /// How many events there have been in all: the views' refresh key.
    pub fn event_count(&self) -> u64 {
        match &self.opened {
            Some(trace) => trace.event_count(),
            None => self.world.trace().count(),
        }
    }

    pub fn role(&self, id: NodeId) -> Option<RoleKind> {
        match &self.opened {
            Some(trace) => trace.role(id),
            None => self.world.node(id).map(|n| n.role_kind()),
        }
    }

    /// Opens a trace from a file (`ui::trace`) in place of the run: the world becomes a quiet
    /// cluster of as many servers (nothing happens in it), paused at the trace's start.
    pub fn open_trace(&mut self, name: &str, text: &str) -> Result<(), String> {
        let trace = OpenedTrace::open(name, text)?;
        let clients = ClientConfig { count: 0, ..ClientConfig::default() };
        let quiet = SimConfig { nodes: trace.servers.len() as NodeId, clients, ..default_config(1) };
        self.reset(Scenario::new(quiet))?;
        self.paused = true;
        self.jumps += 1;
        self.horizon_us = trace.end();
        self.opened = Some(Box::new(trace));
        Ok(())
    }

    /// The first violation to show: the checker's, or the clients' history proving that a read
    /// returned something no order of operations explains, whichever came first.
    // Called from the panels, a story's challenge and a comparison's second run: one copy in
    // the download rather than one inlined at each (3 KB of code before wasm-opt).
    #[inline(never)]
    pub fn first_violation(&mut self) -> Option<Violation> {
        self.watch_linearizability();
        self.shown_violation().cloned()
    }

    /// `first_violation` as of the last look at the history.
    pub fn shown_violation(&self) -> Option<&Violation> {
        if let Some(trace) = &self.opened {
            return trace.monitor.first();
        }
        let safety = self.world.checker().violations().first();
        let history = self.lin.violation.as_ref().filter(|_| self.lin.generation == self.generation);
        match (safety, history) {
            (Some(a), Some(b)) if b.time_us < a.time_us => Some(b),
            (Some(a), _) => Some(a),
            (None, b) => b,
        }
    }

    /// How many violations there are in all (the history's counts as one).
    pub fn violation_count(&self) -> usize {
        if let Some(trace) = &self.opened {
            return trace.monitor.len();
        }
        let history = self.lin.violation.is_some() && self.lin.generation == self.generation;
        self.world.checker().violations().len() + usize::from(history)
    }

    /// Checks the keys of reads answered since the last look (see `LinWatch`).
    fn watch_linearizability(&mut self) {
        if self.opened.is_some() {
            return; // the trace was checked whole when it opened
        }
        if self.lin.generation != self.generation || self.now_us() < self.lin.checked_to_us {
            // A new timeline (reset, link, time travel): watch the reads answered from here
            // on; re-checking an hour of history on every seek would stall the page (the
            // paused "about this run" panel checks the whole history).
            let answered = self.world.stats().client_ops_ok;
            let from =
                self.world.history().iter().position(|h| h.returned.is_none()).unwrap_or(self.world.history().len());
            self.lin =
                LinWatch { generation: self.generation, from, answered, checked_to_us: self.now_us(), violation: None };
        }
        let answered = self.world.stats().client_ops_ok;
        if self.lin.violation.is_some() || answered == self.lin.answered {
            return;
        }
        let history = self.world.history();
        let since = self.lin.checked_to_us;
        let new_read = |h: &&crate::sim::client::HistoryOp| {
            matches!(h.op, Op::Get { .. }) && h.returned.as_ref().is_some_and(|(t, _)| *t > since)
        };
        let keys: BTreeSet<u8> = history.iter_from(self.lin.from).filter(new_read).map(|h| h.op.key()).collect();
        while history.get(self.lin.from).is_some_and(|h| h.returned.is_some()) {
            self.lin.from += 1;
        }
        if !keys.is_empty() {
            let verdict = linearize::check_keys(history, Some(&keys), LIVE_LINEARIZABILITY_BUDGET);
            self.lin.violation = linearize::violation(history, &verdict, self.now_us());
        }
        self.lin.answered = answered;
        self.lin.checked_to_us = self.now_us();
    }
}

/// A throwaway run the page simulates in small slices just after it opens, so that the code a
/// seek runs is hot (compiled by the browser's optimising tier, caches and allocator warm)
/// before the person's first seek. The slices go through `Model::seek` itself, a run of five
/// servers and three clients, a few milliseconds at a time. Measured in the
/// closing note of issue 10, eight fresh pages each: through `World::run_until` for 30 s the
/// first seek to ten minutes took 147–198 ms (median 170); through the seek for five minutes,
/// 148–169 ms (median 157). It costs half a ten-minute seek once, in 30 slices of a few ms.
pub struct Warmup {
    /// Dropped when the warm-up ends: its checkpoints would otherwise stay for the page's life.
    model: Option<Model>,
}

/// Simulated time per slice and in all.
pub const WARMUP_SLICE_US: Time = 10_000_000;
pub const WARMUP_US: Time = 300_000_000;

impl Warmup {
    pub fn new() -> Warmup {
        let model = Model::new(three_clients(1)).expect("the default scenario is valid");
        Warmup { model: Some(model) }
    }

    /// Runs one slice, through the same code as a seek; returns whether there is more to run.
    pub fn slice(&mut self) -> bool {
        let Some(model) = self.model.as_mut() else { return false };
        let target = (model.now_us() + WARMUP_SLICE_US).min(WARMUP_US);
        let more = model.seek(target).is_ok() && target < WARMUP_US;
        if !more {
            self.model = None;
        }
        more
    }
}

impl Default for Warmup {
    fn default() -> Warmup {
        Warmup::new()
    }
}

/// Trace hash of `first_visit(42)` after 1.5 simulated seconds, pinned natively and checked
/// again in the browser tests.
pub const DEFAULT_WORLD_HASH_SEED_42: &str = "91f32345bc81ea11";

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        Model::new(Scenario::new(default_config(3))).expect("valid")
    }

    #[test]
    fn the_warm_up_runs_in_slices_and_ends() {
        let mut w = Warmup::new();
        let mut slices = 1;
        while w.slice() {
            slices += 1;
        }
        assert_eq!(slices, WARMUP_US / WARMUP_SLICE_US);
        let mut last = Warmup::new();
        let ran = last.model.as_mut().expect("a fresh warm-up has its run");
        ran.seek(WARMUP_US - WARMUP_SLICE_US).expect("in range");
        assert!(ran.world.stats().client_ops_ok > 0, "the clients' paths are exercised too");
        assert!(w.model.is_none(), "the finished warm-up lets its run and checkpoints go");
        assert!(!w.slice(), "and stays finished");
    }

    #[test]
    fn the_clock_runs_to_where_wall_time_has_got_and_never_back() {
        let mut m = model();
        assert!(m.advance_to(16_000).unwrap());
        assert_eq!(m.now_us(), 16_000);
        assert!(!m.advance_to(10_000).unwrap(), "a target already passed does nothing");
        assert_eq!(m.now_us(), 16_000);
        m.pause_at = Some(20_000);
        m.advance_to(90_000).unwrap();
        assert_eq!((m.now_us(), m.paused), (20_000, true), "a story's beat stops the clock exactly");
        assert!(!m.advance_to(30_000).unwrap(), "paused means no simulation");
        let jumps = m.jumps;
        m.seek(5_000).unwrap();
        assert_eq!(m.jumps, jumps + 1, "a seek tells the animations to start afresh");
    }

    #[test]
    fn links_are_cut_and_restored_by_hand_and_the_split_tool_partitions() {
        let mut m = Model::new(first_visit(6)).expect("valid");
        m.seek(1_000_000).unwrap();
        m.toggle_link(1, 2, false).unwrap();
        let net = m.world.network();
        assert!(net.is_cut(1, 2) && net.is_cut(2, 1), "both directions");
        m.toggle_link(1, 2, false).unwrap();
        assert!(!m.world.network().is_cut(1, 2) && !m.world.network().is_cut(2, 1), "a second click restores");
        m.toggle_link(1, 3, true).unwrap();
        assert!(m.world.network().is_cut(1, 3) && !m.world.network().is_cut(3, 1), "one way");
        let side: NodeSet = [4, 5].into();
        m.split(&side).unwrap();
        assert!(m.world.network().partitioned(1, 4) && !m.world.network().partitioned(4, 5));
        let refused = m.toggle_link(1, 4, false);
        assert!(refused.as_ref().is_err_and(|a| a.contains("partition")), "{refused:?}");
        // The cuts are interventions: the link replays them.
        let replay = Model::from_link(&m.link()).expect("the link opens");
        assert!(replay.world.network().is_cut(1, 3) && replay.world.network().partitioned(1, 4));
    }

    /// The browser test mounts the App with seed 42, runs 1.5 simulated seconds and expects
    /// this same hash: determinism across targets.
    #[test]
    fn default_world_hash_is_pinned() {
        let mut m = Model::new(first_visit(42)).expect("valid");
        m.world.run_until(1_500_000).expect("in range");
        assert_eq!(m.world.trace().hash_hex(), DEFAULT_WORLD_HASH_SEED_42);
    }

    #[test]
    fn interventions_are_recorded_with_their_time() {
        let mut m = model();
        m.set_speed(1.0);
        while m.world.leader().is_none() {
            m.advance(16.0).unwrap();
        }
        let leader = m.world.leader().expect("elected");
        m.toggle_server(leader).unwrap();
        assert_eq!(m.role(leader), None, "clicking a running server crashes it");
        m.toggle_server(leader).unwrap();
        assert_eq!(m.role(leader), Some(RoleKind::Follower), "clicking a crashed one restarts it");
        let times: Vec<Time> = m.scenario.interventions.iter().map(|t| t.at_us).collect();
        assert_eq!(times, vec![m.now_us(), m.now_us()]);
        assert!(m.intervene(Intervention::Crash(99)).is_err());
    }

    fn busy_model(seed: u64) -> Model {
        let mut config = default_config(seed);
        config.clients.count = 3;
        let mut m = Model::new(Scenario::new(config)).expect("valid");
        m.set_speed(1.0);
        m
    }

    #[test]
    fn seeking_back_shows_the_exact_past() {
        let mut m = busy_model(5);
        let mut seen = Vec::new();
        for t in 1..=40u64 {
            m.seek(t * 1_500_000).unwrap();
            seen.push((m.now_us(), m.world.trace().hash_hex()));
            if t == 10 {
                m.intervene(Intervention::Crash(2)).unwrap();
            }
        }
        assert!(m.checkpoints.len() <= MAX_CHECKPOINTS);
        for &(t, ref hash) in seen.iter().rev().step_by(7) {
            m.seek(t).unwrap();
            assert_eq!(&m.world.trace().hash_hex(), hash, "state at {t} µs differs on the way back");
        }
        // Forward again over recorded history: from the nearest checkpoint, to the same state.
        let generation = m.generation;
        let (t, ref hash) = seen[38];
        m.seek(t).unwrap();
        assert_eq!(&m.world.trace().hash_hex(), hash, "state at {t} µs differs on the way forward");
        assert_eq!(m.generation, generation + 1, "a recorded future is reached from a checkpoint");
    }

    #[test]
    fn acting_in_the_past_forks_the_history() {
        let mut m = busy_model(6);
        m.seek(2_000_000).unwrap();
        m.intervene(Intervention::Crash(1)).unwrap();
        m.seek(4_000_000).unwrap();
        m.intervene(Intervention::Crash(2)).unwrap();
        m.seek(3_000_000).unwrap();
        assert_eq!(m.scenario.interventions.len(), 2, "going back alone changes nothing");
        m.intervene(Intervention::Crash(3)).unwrap();
        let kept: Vec<_> = m.scenario.interventions.iter().map(|t| t.what.clone()).collect();
        assert_eq!(kept, vec![Intervention::Crash(1), Intervention::Crash(3)], "the later future is discarded");
        m.seek(5_000_000).unwrap();
        assert!(m.world.node(2).is_some(), "the discarded crash never happens");
        assert!(m.world.node(3).is_none());
    }

    #[test]
    fn a_link_rebuilds_the_same_world() {
        let mut m = busy_model(7);
        m.seek(1_000_000).unwrap();
        let leader = m.world.leader().expect("a leader");
        m.intervene(Intervention::Crash(leader)).unwrap();
        m.request(None).unwrap();
        m.intervene(Intervention::Isolate(leader % 5 + 1)).unwrap();
        m.seek(2_345_678).unwrap();
        let text = m.link();
        let opened = Model::from_link(&text).expect("opens");
        assert!(opened.paused);
        assert_eq!(opened.now_us(), m.now_us());
        assert_eq!(opened.world.trace().hash_hex(), m.world.trace().hash_hex());
        assert_eq!(opened.link(), text, "a reopened link shares the same link");
    }

    #[test]
    fn forged_message_ids_are_refused() {
        let mut m = busy_model(8);
        m.seek(500_000).unwrap();
        assert!(m.intervene(Intervention::DropMessage(999_999)).is_err());
        let mut link = crate::scenario::link::decode(&m.link()).expect("valid");
        link.scenario.interventions.push(Timed { at_us: 500_000, what: Intervention::DropMessage(999_999) });
        let forged = crate::scenario::link::encode(&link);
        let err = Model::from_link(&forged).expect_err("refused").to_string();
        assert!(err.contains("not in flight"), "{err}");
    }
}

//! The playground's state without any browser in it: the scenario being built, the world, the
//! clock and what the person has selected. The Yew reducer wraps this; tests drive it natively.

use crate::raft::{NodeId, RoleKind, Time};
use crate::scenario::{Scenario, Timed};
use crate::sim::{ClientConfig, Intervention, MAX_SIM_TIME_US, SimConfig, World};

/// Simulated time per wall time: 1/50× lets a newcomer follow each message by eye (a 10–20 ms
/// message takes half a second to a second to cross the screen).
pub const DEFAULT_SPEED: f64 = 0.02;
pub const MIN_SPEED: f64 = 0.001;
pub const MAX_SPEED: f64 = 1.0;
/// Fast-forward runs ten times faster than real time.
pub const FAST_FORWARD_SPEED: f64 = 10.0;
/// A frame arriving later than this after the previous one (a stalled or background tab) is
/// not simulated as a jump: time simply resumes (RaftScope does the same).
pub const MAX_FRAME_GAP_MS: f64 = 500.0;
/// Recent trace lines kept for the event log.
pub const TRACE_KEEP: usize = 400;

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
    /// Fractions of a microsecond not yet simulated, so slow speeds still advance exactly.
    carry_us: f64,
    pub selection: Option<Selection>,
    pub help_open: bool,
    /// The last problem to show in the alert banner.
    pub alert: Option<String>,
    /// Bumped by every reset, so views cached by trace length know the world was replaced.
    pub generation: u64,
}

/// The playground's starting cluster: five servers and one client that sends now and then.
pub fn default_config(seed: u64) -> SimConfig {
    let clients = ClientConfig { count: 1, interval_us: 700_000, ..ClientConfig::default() };
    SimConfig { seed, clients, ..SimConfig::default() }
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
            carry_us: 0.0,
            selection: None,
            help_open: false,
            alert: None,
            generation: 0,
        })
    }

    pub fn now_us(&self) -> Time {
        self.world.now_us()
    }

    pub fn effective_speed(&self) -> f64 {
        if self.fast_forward { FAST_FORWARD_SPEED } else { self.speed }
    }

    /// Advances the simulated clock by `wall_ms` of real time at the current speed. Returns
    /// whether anything moved.
    pub fn advance(&mut self, wall_ms: f64) -> bool {
        if self.paused || !(0.0..=MAX_FRAME_GAP_MS).contains(&wall_ms) {
            return false;
        }
        let exact = wall_ms * 1000.0 * self.effective_speed() + self.carry_us;
        let whole = exact.floor();
        self.carry_us = exact - whole;
        let target = (self.now_us() + whole as Time).min(MAX_SIM_TIME_US);
        if target == self.now_us() {
            return false;
        }
        if let Err(e) = self.world.run_until(target) {
            self.alert = Some(e);
            self.paused = true;
        }
        true
    }

    /// Runs to the next event, whatever its time, and pauses there.
    pub fn step(&mut self) {
        self.paused = true;
        self.world.step_event();
    }

    /// Applies an intervention now and records it in the scenario.
    pub fn intervene(&mut self, what: Intervention) -> Result<(), String> {
        let now = self.now_us();
        self.world.schedule(now, what.clone())?;
        self.world.run_until(now)?;
        self.scenario.interventions.push(Timed { at_us: now, what });
        Ok(())
    }

    /// Like `intervene`, but a problem goes to the alert banner.
    pub fn act(&mut self, what: Intervention) {
        if let Err(e) = self.intervene(what) {
            self.alert = Some(e);
        }
    }

    /// Click on a server: a running one crashes, a crashed one restarts.
    pub fn toggle_server(&mut self, id: NodeId) {
        match self.world.node(id) {
            Some(_) => self.act(Intervention::Crash(id)),
            None => self.act(Intervention::Restart(id)),
        }
    }

    /// RaftScope's R: the leader crashes and comes straight back with only its disk.
    pub fn restart_leader(&mut self) {
        if let Some(leader) = self.world.leader() {
            self.act(Intervention::Crash(leader));
            self.act(Intervention::Restart(leader));
        }
    }

    pub fn restart_all(&mut self) {
        for id in 1..=self.world.config().nodes {
            if self.world.node(id).is_none() {
                self.act(Intervention::Restart(id));
            }
        }
    }

    /// A client request through the leader, or any live server when there is none.
    pub fn request(&mut self, via: Option<NodeId>) {
        let live = (1..=self.world.config().nodes).find(|&n| self.world.node(n).is_some());
        match via.or(self.world.leader()).or(live) {
            Some(n) => self.act(Intervention::Request(n)),
            None => self.alert = Some("every server is down: restart one before sending a request".into()),
        }
    }

    pub fn is_isolated(&self, id: NodeId) -> bool {
        self.world.config().nodes > 1 && self.world.network().is_isolated(id)
    }

    /// Starts over with a new scenario (a new cluster size, a preset, a reset).
    pub fn reset(&mut self, scenario: Scenario) {
        match Model::new(scenario) {
            Ok(fresh) => {
                let (speed, paused, generation) = (self.speed, self.paused, self.generation + 1);
                *self = Model { speed, paused, generation, ..fresh };
            }
            Err(e) => self.alert = Some(e),
        }
    }

    pub fn set_speed(&mut self, speed: f64) {
        self.speed = speed.clamp(MIN_SPEED, MAX_SPEED);
    }

    pub fn role(&self, id: NodeId) -> Option<RoleKind> {
        self.world.node(id).map(|n| n.role_kind())
    }
}

/// Trace hash of `default_config(42)` after 1.5 simulated seconds, pinned natively and checked
/// again in the browser tests.
pub const DEFAULT_WORLD_HASH_SEED_42: &str = "a08a2fbc0dfebbb8";

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        Model::new(Scenario::new(default_config(3))).expect("valid")
    }

    #[test]
    fn clock_follows_wall_time_times_speed_and_skips_gaps() {
        let mut m = model();
        m.set_speed(0.01);
        for _ in 0..100 {
            m.advance(16.0);
        }
        assert_eq!(m.now_us(), 16_000, "1.6 s of wall time at 1/100 is 16 ms");
        let before = m.now_us();
        assert!(!m.advance(5_000.0), "a five-second gap is not simulated");
        assert_eq!(m.now_us(), before);
        m.paused = true;
        assert!(!m.advance(16.0));
        assert_eq!(m.now_us(), before, "paused means no simulation");
    }

    /// The browser test mounts the App with seed 42, runs 1.5 simulated seconds and expects
    /// this same hash: determinism across targets.
    #[test]
    fn default_world_hash_is_pinned() {
        let mut m = Model::new(Scenario::new(default_config(42))).expect("valid");
        m.world.run_until(1_500_000).expect("in range");
        assert_eq!(m.world.trace().hash_hex(), DEFAULT_WORLD_HASH_SEED_42);
    }

    #[test]
    fn slow_speeds_accumulate_fractions() {
        let mut m = model();
        m.set_speed(MIN_SPEED);
        for _ in 0..1000 {
            m.advance(0.5);
        }
        assert_eq!(m.now_us(), 500);
    }

    #[test]
    fn interventions_are_recorded_with_their_time() {
        let mut m = model();
        m.set_speed(1.0);
        while m.world.leader().is_none() {
            m.advance(16.0);
        }
        let leader = m.world.leader().expect("elected");
        m.toggle_server(leader);
        assert_eq!(m.role(leader), None, "clicking a running server crashes it");
        m.toggle_server(leader);
        assert_eq!(m.role(leader), Some(RoleKind::Follower), "clicking a crashed one restarts it");
        let times: Vec<Time> = m.scenario.interventions.iter().map(|t| t.at_us).collect();
        assert_eq!(times, vec![m.now_us(), m.now_us()]);
        assert!(m.intervene(Intervention::Crash(99)).is_err());
    }
}

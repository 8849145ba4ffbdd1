//! A small builder for scenario tests: advance time, intervene, ask questions, and fail with
//! the seed and the command that reproduces the failure.
#![allow(dead_code)]

use raft_playground::raft::{Index, NodeId, RoleKind, Term};
use raft_playground::sim::network::Endpoint;
use raft_playground::sim::trace::TraceEvent;
use raft_playground::sim::{ClientConfig, Intervention, SimConfig, World};

pub struct Sim {
    pub world: World,
    pub seed: u64,
    test: &'static str,
}

impl Sim {
    pub fn new(test: &'static str, nodes: u8, seed: u64) -> Sim {
        Sim::with(test, SimConfig { nodes, seed, ..SimConfig::default() })
    }

    pub fn with(test: &'static str, config: SimConfig) -> Sim {
        let seed = config.seed;
        Sim { world: World::new(config, 1_000_000).expect("valid test config"), seed, test }
    }

    pub fn with_clients(test: &'static str, nodes: u8, seed: u64, count: u8) -> Sim {
        let clients = ClientConfig { count, ..ClientConfig::default() };
        Sim::with(test, SimConfig { nodes, seed, clients, ..SimConfig::default() })
    }

    /// Panics with the seed and the command that reruns this test.
    pub fn fail(&self, message: &str) -> ! {
        panic!(
            "{message}\n  seed {} at {} µs; reproduce: cargo test --test {} {} -- --nocapture\n  violations: {:?}",
            self.seed,
            self.world.now_us(),
            module_path!().split("::").next().unwrap_or("scenarios"),
            self.test,
            self.world.checker().violations()
        )
    }

    pub fn check(&self, ok: bool, message: &str) {
        if !ok {
            self.fail(message);
        }
    }

    pub fn run_ms(&mut self, ms: u64) -> &mut Sim {
        let t = self.world.now_us() + ms * 1000;
        self.world.run_until(t).expect("within the time limit");
        self
    }

    pub fn act(&mut self, i: Intervention) -> &mut Sim {
        let now = self.world.now_us();
        self.world.schedule(now, i).expect("valid intervention");
        self.world.run_until(now).expect("within the time limit");
        self
    }

    pub fn leader(&self) -> Option<NodeId> {
        self.world.leader()
    }

    /// The single leader among `group` whose term is the highest in the group.
    pub fn leader_among(&self, group: &[NodeId]) -> Option<NodeId> {
        let nodes: Vec<_> = group.iter().filter_map(|&id| self.world.node(id)).collect();
        let top = nodes.iter().map(|n| n.term()).max()?;
        let leaders: Vec<NodeId> =
            nodes.iter().filter(|n| n.term() == top && n.role_kind() == RoleKind::Leader).map(|n| n.id()).collect();
        (leaders.len() == 1).then(|| leaders[0])
    }

    /// Advances in 10 ms steps until `group` has a leader, at most `limit_ms`.
    pub fn await_leader(&mut self, group: &[NodeId], limit_ms: u64) -> NodeId {
        for _ in 0..limit_ms / 10 {
            if let Some(l) = self.leader_among(group) {
                return l;
            }
            self.run_ms(10);
        }
        self.fail(&format!("no leader among {group:?} within {limit_ms} ms"))
    }

    pub fn term(&self, id: NodeId) -> Term {
        self.world.node(id).map_or(0, |n| n.term())
    }

    pub fn commit(&self, id: NodeId) -> Index {
        self.world.node(id).map_or(0, |n| n.commit_index())
    }

    pub fn assert_safe(&self) {
        let v = self.world.checker().violations();
        self.check(v.is_empty(), "safety invariant violated");
    }

    /// Raft messages (requests only, or all) sent since trace position `from`.
    pub fn raft_messages_since(&self, from_us: u64, requests_only: bool) -> usize {
        self.world
            .trace()
            .recent()
            .iter()
            .filter(|(t, e)| {
                *t >= from_us
                    && matches!(e, TraceEvent::Sent { from: Endpoint::Node(_), to: Endpoint::Node(_), kind, .. }
                        if !requests_only || matches!(kind.name(), "request-vote" | "append-entries" | "heartbeat"))
            })
            .count()
    }

    pub fn all(&self) -> Vec<NodeId> {
        (1..=self.world.config().nodes).collect()
    }
}

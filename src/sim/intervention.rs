//! What a person (or a preset, or the fault generator) can do to a running world. Every
//! intervention is data with a time, so a scenario is just a seed plus a list of these.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::network::NetConfig;
use crate::raft::{Bug, MAX_NODES, NodeId, Op, ReadMode, Time};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Intervention {
    Crash(NodeId),
    /// Restart from the disk: term, vote and log survive; everything else starts over.
    Restart(NodeId),
    /// Force the server's election timeout now.
    Timeout(NodeId),
    /// A new one-shot client sends one random command to this server, then retries as needed.
    Request(NodeId),
    /// Drop one in-flight packet by id.
    DropMessage(u64),
    /// Cut one server off from all other servers (clients still reach it).
    Isolate(NodeId),
    /// Undo `Isolate` and any cut link touching the server.
    Rejoin(NodeId),
    /// Cut the directed link `from → to`.
    Cut {
        from: NodeId,
        to: NodeId,
    },
    /// Restore the directed link `from → to` after a `Cut` (a partition is undone by `Heal`).
    Mend {
        from: NodeId,
        to: NodeId,
    },
    /// Partition group of each server, in id order; servers talk only within their group.
    Partition(Vec<u8>),
    Heal,
    /// Every server's election timer fires at the same moment: a split vote.
    AlignTimers,
    /// Every server draws a fresh random election timeout.
    SpreadTimers,
    SetNetwork(NetConfig),
    SetTiming {
        election_timeout_min_us: Time,
        election_timeout_max_us: Time,
        heartbeat_interval_us: Time,
    },
    SetBug {
        bug: Bug,
        on: bool,
    },
    /// Self-driven clients stop issuing new requests (outstanding ones still retry).
    StopClients,
    /// The current leader hands leadership to this server (dissertation 3.10).
    Transfer(NodeId),
    /// A new one-shot client sends exactly this command to this server (scripted lessons).
    ClientOp {
        node: NodeId,
        op: Op,
    },
    /// A new server (the next id) starts empty; the leader adds it as a learner and promotes it
    /// once it has caught up (dissertation 4.2.1).
    AddServer,
    /// The leader removes this server from the configuration (4.1).
    RemoveServer(NodeId),
    /// Joint consensus (4.3): these voters leave and `add` new servers join, in one change.
    Replace {
        remove: Vec<NodeId>,
        add: u8,
    },
    /// Switches PreVote, CheckQuorum and the read mode on every server.
    SetProtocol {
        pre_vote: bool,
        check_quorum: bool,
        read_mode: ReadMode,
    },
}

/// Bounds every setting must respect, for interventions, forms, links and the command line.
pub mod limits {
    use crate::raft::Time;
    pub const TIMEOUT_MIN_US: Time = 1_000;
    pub const TIMEOUT_MAX_US: Time = 60_000_000;
    pub const LATENCY_MAX_US: Time = 10_000_000;
    pub const PPM_MAX: u32 = 1_000_000;
}

pub fn check_timing(min_us: Time, max_us: Time, heartbeat_us: Time) -> Result<(), String> {
    use limits::*;
    let range = TIMEOUT_MIN_US..=TIMEOUT_MAX_US;
    if !range.contains(&min_us) || !range.contains(&max_us) {
        return Err(format!("election timeout must be between 1 ms and 60 s, got {}..{} µs", min_us, max_us));
    }
    if min_us > max_us {
        return Err(format!("election timeout minimum {min_us} µs is above its maximum {max_us} µs"));
    }
    if !range.contains(&heartbeat_us) {
        return Err(format!("heartbeat interval must be between 1 ms and 60 s, got {heartbeat_us} µs"));
    }
    Ok(())
}

pub fn check_network(net: &NetConfig) -> Result<(), String> {
    use limits::*;
    if net.latency_max_us > LATENCY_MAX_US {
        return Err(format!("latency must be at most 10 s, got {} µs", net.latency_max_us));
    }
    if net.latency_min_us > net.latency_max_us {
        return Err(format!(
            "latency minimum {} µs is above its maximum {} µs",
            net.latency_min_us, net.latency_max_us
        ));
    }
    if net.loss_ppm > PPM_MAX || net.dup_ppm > PPM_MAX {
        return Err("loss and duplication must be between 0% and 100%".to_string());
    }
    Ok(())
}

impl Intervention {
    /// How many servers exist after this intervention, given `count` before it.
    pub fn servers_after(&self, count: u8) -> u8 {
        match self {
            Intervention::AddServer => count.saturating_add(1).min(MAX_NODES),
            Intervention::Replace { add, .. } => count.saturating_add(*add).min(MAX_NODES),
            _ => count,
        }
    }

    /// What can be checked before knowing how many servers will exist when it runs.
    pub fn validate_shape(&self) -> Result<(), String> {
        match self {
            Intervention::Partition(groups) if groups.len() > usize::from(MAX_NODES) => {
                Err(format!("a partition names at most {MAX_NODES} servers"))
            }
            Intervention::Partition(groups) => self.validate(groups.len() as u8),
            // How many servers exist by then is checked when it runs.
            Intervention::AddServer => Ok(()),
            Intervention::Replace { remove, add } if remove.iter().any(|n| !(1..=MAX_NODES).contains(n)) => {
                Err(format!("a replacement names servers 1 to {MAX_NODES}"))
            }
            Intervention::Replace { remove, add } if remove.is_empty() && *add == 0 || *add > MAX_NODES => {
                Err(format!("a replacement removes or adds at least one server, and adds at most {MAX_NODES}"))
            }
            Intervention::Replace { .. } => Ok(()),
            _ => self.validate(MAX_NODES),
        }
    }

    /// Checks the intervention against a cluster of `nodes` servers.
    pub fn validate(&self, nodes: u8) -> Result<(), String> {
        let node_ok = |n: NodeId| {
            if (1..=nodes).contains(&n) { Ok(()) } else { Err(format!("server {n} does not exist (1..{nodes})")) }
        };
        match self {
            Intervention::Crash(n)
            | Intervention::Restart(n)
            | Intervention::Timeout(n)
            | Intervention::Request(n)
            | Intervention::Isolate(n)
            | Intervention::Rejoin(n)
            | Intervention::Transfer(n)
            | Intervention::RemoveServer(n) => node_ok(*n),
            Intervention::AddServer if nodes >= MAX_NODES => Err(format!("a cluster has at most {MAX_NODES} servers")),
            Intervention::Replace { remove, add } => {
                remove.iter().try_for_each(|&n| node_ok(n))?;
                if usize::from(nodes) + usize::from(*add) > usize::from(MAX_NODES) {
                    return Err(format!("a cluster has at most {MAX_NODES} servers"));
                }
                if remove.is_empty() && *add == 0 {
                    return Err("a replacement removes or adds at least one server".into());
                }
                Ok(())
            }
            Intervention::ClientOp { node, op } if op.key() >= 26 => {
                node_ok(*node).and(Err(format!("keys are a to z, got key number {}", op.key())))
            }
            Intervention::ClientOp { node, .. } => node_ok(*node),
            Intervention::Cut { from, to } | Intervention::Mend { from, to } => node_ok(*from).and(node_ok(*to)),
            // Servers added since the partition was written stay in group 0.
            Intervention::Partition(groups) if groups.len() > usize::from(nodes) => {
                Err(format!("a partition names {} servers, the cluster has {nodes}", groups.len()))
            }
            Intervention::Partition(groups) if groups.iter().any(|&g| g > MAX_NODES) => {
                Err(format!("partition groups are numbered 0..={MAX_NODES}"))
            }
            Intervention::SetNetwork(net) => check_network(net),
            Intervention::SetTiming { election_timeout_min_us, election_timeout_max_us, heartbeat_interval_us } => {
                check_timing(*election_timeout_min_us, *election_timeout_max_us, *heartbeat_interval_us)
            }
            _ => Ok(()),
        }
    }

    /// Explicit words for the trace hash (see `trace`).
    pub fn hash_words(&self, w: &mut dyn FnMut(u64)) {
        use Intervention::*;
        match self {
            Crash(n) => [1, u64::from(*n)].into_iter().for_each(w),
            Restart(n) => [2, u64::from(*n)].into_iter().for_each(w),
            Timeout(n) => [3, u64::from(*n)].into_iter().for_each(w),
            Request(n) => [4, u64::from(*n)].into_iter().for_each(w),
            DropMessage(id) => [5, *id].into_iter().for_each(w),
            Isolate(n) => [6, u64::from(*n)].into_iter().for_each(w),
            Rejoin(n) => [7, u64::from(*n)].into_iter().for_each(w),
            Cut { from, to } => [8, u64::from(*from), u64::from(*to)].into_iter().for_each(w),
            Mend { from, to } => [23, u64::from(*from), u64::from(*to)].into_iter().for_each(w),
            Partition(g) => std::iter::once(9).chain(g.iter().map(|&x| u64::from(x))).for_each(w),
            Heal => w(10),
            AlignTimers => w(11),
            SpreadTimers => w(12),
            SetNetwork(n) => [13, n.latency_min_us, n.latency_max_us, u64::from(n.loss_ppm), u64::from(n.dup_ppm)]
                .into_iter()
                .for_each(w),
            SetTiming { election_timeout_min_us: a, election_timeout_max_us: b, heartbeat_interval_us: c } => {
                [14, *a, *b, *c].into_iter().for_each(w)
            }
            SetBug { bug, on } => [15, *bug as u64, u64::from(*on)].into_iter().for_each(w),
            StopClients => w(16),
            Transfer(n) => [17, u64::from(*n)].into_iter().for_each(w),
            AddServer => w(20),
            RemoveServer(n) => [21, u64::from(*n)].into_iter().for_each(w),
            Replace { remove, add } => {
                std::iter::once(22).chain(remove.iter().map(|&n| u64::from(n))).chain([99, u64::from(*add)]).for_each(w)
            }
            ClientOp { node, op } => {
                let (kind, key, value) = op.code();
                [19, u64::from(*node), u64::from(kind), u64::from(key), u64::from(value)].into_iter().for_each(w)
            }
            SetProtocol { pre_vote, check_quorum, read_mode } => {
                [18, u64::from(*pre_vote), u64::from(*check_quorum), *read_mode as u64].into_iter().for_each(w)
            }
        }
    }
}

impl fmt::Display for Intervention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Intervention::*;
        match self {
            Crash(n) => write!(f, "crash n{n}"),
            Restart(n) => write!(f, "restart n{n}"),
            Timeout(n) => write!(f, "time out n{n}"),
            Request(n) => write!(f, "client request via n{n}"),
            DropMessage(id) => write!(f, "drop message #{id}"),
            Isolate(n) => write!(f, "isolate n{n}"),
            Rejoin(n) => write!(f, "rejoin n{n}"),
            Cut { from, to } => write!(f, "cut n{from} → n{to}"),
            Mend { from, to } => write!(f, "restore n{from} → n{to}"),
            Partition(groups) => write!(f, "partition {groups:?}"),
            Heal => write!(f, "heal the network"),
            AlignTimers => write!(f, "align election timers"),
            SpreadTimers => write!(f, "spread election timers"),
            SetNetwork(n) => write!(
                f,
                "network latency {}–{} ms, loss {}%, duplication {}%",
                n.latency_min_us / 1000,
                n.latency_max_us / 1000,
                super::network::fmt_percent(n.loss_ppm),
                super::network::fmt_percent(n.dup_ppm)
            ),
            SetTiming { election_timeout_min_us: a, election_timeout_max_us: b, heartbeat_interval_us: c } => {
                write!(f, "election timeout {}–{} ms, heartbeat {} ms", a / 1000, b / 1000, c / 1000)
            }
            SetBug { bug, on } => {
                write!(f, "bug {} {}", bug.name(), if *on { "on" } else { "off" })
            }
            StopClients => write!(f, "clients stop sending"),
            Transfer(n) => write!(f, "transfer leadership to n{n}"),
            AddServer => write!(f, "add a server"),
            RemoveServer(n) => write!(f, "remove n{n} from the cluster"),
            Replace { remove, add } => {
                let out: Vec<String> = remove.iter().map(|n| format!("n{n}")).collect();
                write!(f, "replace {{{}}} with {add} new server(s) (joint consensus)", out.join(","))
            }
            ClientOp { node, op } => write!(f, "client sends “{op}” to n{node}"),
            SetProtocol { pre_vote, check_quorum, read_mode } => {
                let on = |b: bool| if b { "on" } else { "off" };
                write!(f, "PreVote {}, CheckQuorum {}, reads {}", on(*pre_vote), on(*check_quorum), read_mode.name())
            }
        }
    }
}

//! The first-visit tour's beats on the live cluster: no preset, no fixed moments. Pressing Next
//! does what the beat says (`Act`), then the player runs the world ahead (it is deterministic,
//! so that run is the one the visitor will see) to find the moment the beat plays to (`Until`).

use crate::raft::{Index, NodeId, RoleKind, Time};
use crate::scenario::stories::{Act, Until};
use crate::sim::client::Stage;
use crate::sim::trace::TraceEvent;
use crate::sim::{Intervention, World};
use crate::ui::core::model::Model;

/// How far ahead a live beat looks for its moment, in simulated time.
pub const LIVE_SEARCH_US: Time = 10_000_000;
/// A live beat pauses this long after its moment, so the messages around it are seen settling.
pub const LIVE_AFTER_US: Time = 20_000;

/// Does what a beat asks of the live cluster.
pub fn act(m: &mut Model, act: Act) -> Result<(), String> {
    let leader = m.world.leader();
    match act {
        Act::Nothing => Ok(()),
        Act::TimeOutFollower => {
            let up = |n: &NodeId| m.world.node(*n).is_some() && Some(*n) != leader;
            let follower = (1..=m.world.servers().len() as NodeId).find(up).ok_or("no follower is up")?;
            m.intervene(Intervention::Timeout(follower))
        }
        Act::Request => m.request(None),
        Act::IsolateLeaderAndRequest => {
            let leader = leader.ok_or("there is no leader to cut off")?;
            m.intervene(Intervention::Isolate(leader))?;
            m.request(Some(leader))
        }
    }
}

/// The moment `until` first holds after now, found by running a copy of the world ahead.
pub fn moment(m: &mut Model, until: Until) -> Option<Time> {
    let from = m.now_us();
    let leader = m.world.leader();
    // The entry the beat is about: the newest the leader holds (a request sent by the act is
    // appended when it arrives, which the run ahead sees).
    let newest = leader.map_or(0, |l| m.world.servers()[usize::from(l) - 1].log().last_index());
    let mut ahead = m.world.checkpoint(0);
    ahead.run_until(from + LIVE_SEARCH_US).ok()?;
    let events = || ahead.trace().recent().iter().filter(|(t, _)| *t > from);
    match until {
        Until::Leader => {
            events().find(|(_, e)| matches!(e, TraceEvent::Role { role: RoleKind::Leader, .. })).map(|(t, _)| *t)
        }
        Until::Replicated => replicated(&ahead, from, leader?),
        Until::LeaderCommitted => committed_on(&ahead, from, leader?, newest),
        Until::FollowersCommitted => {
            let up: Vec<NodeId> = ahead.servers().iter().filter(|s| s.node.is_some()).map(|s| s.id).collect();
            up.iter().map(|&n| committed_on(&ahead, from, n, newest).unwrap_or(from)).max()
        }
        Until::ClientRetried => {
            let timed_out = |stages: &[(Time, Stage)]| stages.iter().any(|(t, s)| *t > from && *s == Stage::TimedOut);
            let op = ahead.history().iter().find(|h| timed_out(&h.stages))?.clone();
            op.returned.as_ref().map(|(t, _)| *t).or_else(|| op.stages.last().map(|(t, _)| *t))
        }
    }
}

/// When the leader's next appended entry is on a majority of the servers.
fn replicated(ahead: &World, from: Time, leader: NodeId) -> Option<Time> {
    let events = ahead.trace().recent();
    let index = events.iter().filter(|(t, _)| *t > from).find_map(|(_, e)| match e {
        TraceEvent::Appended { node, last, .. } if *node == leader => Some(*last),
        _ => None,
    })?;
    let majority = ahead.servers().len() / 2 + 1;
    let mut holders: Vec<NodeId> = Vec::new();
    events.iter().filter(|(t, _)| *t > from).find_map(|(t, e)| {
        if let TraceEvent::Appended { node, first, last } = e
            && (*first..=*last).contains(&index)
            && !holders.contains(node)
        {
            holders.push(*node);
        }
        (holders.len() >= majority).then_some(*t)
    })
}

fn committed_on(ahead: &World, from: Time, node: NodeId, index: Index) -> Option<Time> {
    ahead.trace().recent().iter().filter(|(t, _)| *t > from).find_map(|(t, e)| match e {
        TraceEvent::Committed { node: n, index: i } if *n == node && *i >= index => Some(*t),
        _ => None,
    })
}

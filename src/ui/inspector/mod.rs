//! The inspector as plain data: every fact about one server (its persistent state, its
//! configuration, its volatile indexes, the leader's view of its followers) or one message in
//! flight, in rows of words, computed from the model and tested natively.

mod packet;

#[cfg(target_arch = "wasm32")]
pub mod component;

pub use self::packet::describe_packet;

use crate::raft::{NodeId, RoleKind};
use crate::sim::trace::fmt_time;
use crate::ui::core::model::{Model, Selection};

/// What the inspector shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Inspected {
    Server {
        id: NodeId,
        up: bool,
        isolated: bool,
        /// Up, and another server leads: leadership can be handed to it (3.10).
        can_lead: bool,
        rows: Vec<(String, String)>,
        /// For a leader: (follower, nextIndex, matchIndex).
        progress: Vec<(NodeId, u64, u64)>,
    },
    Message {
        id: u64,
        rows: Vec<(String, String)>,
    },
}

/// The inspector's content for the current selection, if anything is selected and exists.
pub fn inspected(m: &Model) -> Option<Inspected> {
    if let Some(trace) = m.opened.as_deref() {
        return crate::ui::trace::inspected(m, trace);
    }
    match m.selection? {
        Selection::Server(id) => {
            let s = m.world.servers().get(usize::from(id).checked_sub(1)?)?;
            let p = s.persistent();
            let node = s.node.as_ref();
            let mut rows = vec![
                ("state".to_string(), node.map_or("crashed".to_string(), |n| n.role_kind().name().to_string())),
                ("currentTerm".to_string(), p.current_term.to_string()),
                ("votedFor".to_string(), p.voted_for.map_or("—".to_string(), |v| format!("n{v}"))),
                ("log length".to_string(), p.log.last_index().to_string()),
                ("snapshot up to".to_string(), p.log.snapshot_index().to_string()),
            ];
            if let Some(n) = node {
                let (membership, at) = n.membership();
                rows.push(("configuration".to_string(), format!("{membership} (entry {at})")));
                rows.push(("commitIndex".to_string(), n.commit_index().to_string()));
                rows.push(("lastApplied".to_string(), n.last_applied().to_string()));
                if n.role_kind() != RoleKind::Leader {
                    rows.push(("election timeout at".to_string(), fmt_time(n.election_deadline_us())));
                }
            }
            let progress = node
                .and_then(|n| n.progress())
                .map(|p| p.iter().map(|(f, pr)| (f, pr.next_index(), pr.match_index())).collect())
                .unwrap_or_default();
            let leader = m.world.leader();
            let can_lead = node.is_some() && leader.is_some_and(|l| l != id);
            if let Some(t) = leader.and_then(|l| m.world.node(l)).and_then(|l| l.transfer()) {
                rows.push(("leadership".to_string(), format!("being handed to n{}", t.target)));
            }
            Some(Inspected::Server { id, up: node.is_some(), isolated: m.is_isolated(id), can_lead, rows, progress })
        }
        Selection::Message(id) => {
            let packet = m.world.network().get(id)?;
            Some(Inspected::Message { id, rows: describe_packet(packet) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::core::model::first_visit;

    #[test]
    fn a_leader_shows_its_followers_and_a_follower_can_take_over() {
        let mut m = Model::new(first_visit(2)).expect("valid");
        m.seek(2_000_000).unwrap();
        let leader = m.world.leader().expect("elected");
        m.selection = Some(Selection::Server(leader));
        let Some(Inspected::Server { rows, progress, can_lead, up, .. }) = inspected(&m) else { panic!("a server") };
        assert!(up && !can_lead, "the leader cannot take over from itself");
        assert_eq!(progress.len(), 4, "one row per follower");
        let row = |name: &str| rows.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        assert_eq!(row("state").as_deref(), Some("leader"));
        assert!(row("configuration").is_some_and(|c| c.contains("n1")));
        let follower = (1..=5).find(|&n| n != leader).expect("a follower");
        m.selection = Some(Selection::Server(follower));
        let Some(Inspected::Server { can_lead, rows, .. }) = inspected(&m) else { panic!("a server") };
        assert!(can_lead);
        assert!(rows.iter().any(|(k, _)| k == "election timeout at"));
        let id = m.world.network().in_flight().next().map(|p| p.id).expect("a message in flight");
        m.selection = Some(Selection::Message(id));
        assert!(matches!(inspected(&m), Some(Inspected::Message { id: i, .. }) if i == id));
        m.selection = Some(Selection::Server(42));
        assert_eq!(inspected(&m), None, "a server that does not exist shows nothing");
    }
}

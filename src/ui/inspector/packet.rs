//! One message in flight, as the inspector lists it.

use crate::raft::Message;
use crate::sim::client::ClientReply;
use crate::sim::network::{Endpoint, Packet, Payload};
use crate::sim::trace::{fmt_time, render_output};

/// Details of one in-flight packet for the inspector.
pub fn describe_packet(p: &Packet) -> Vec<(String, String)> {
    let ep = |e: Endpoint| match e {
        Endpoint::Node(n) => format!("n{n}"),
        Endpoint::Client(c) => format!("client c{c}"),
    };
    let mut rows = vec![
        ("kind".to_string(), p.payload.kind().name().to_string()),
        ("from → to".to_string(), format!("{} → {}", ep(p.from), ep(p.to))),
        ("sent".to_string(), fmt_time(p.sent_at_us)),
        ("arrives".to_string(), fmt_time(p.deliver_at_us)),
    ];
    let body = match &p.payload {
        Payload::Raft(env) => {
            rows.push(("term".into(), env.term.to_string()));
            match &env.body {
                Message::RequestVote { last_log_index, last_log_term, transfer } => {
                    let why = if *transfer { " (leadership transfer)" } else { "" };
                    format!("last log {last_log_index}@t{last_log_term}{why}")
                }
                Message::PreVote { last_log_index, last_log_term } => {
                    format!("would you vote for me in term {}? last log {last_log_index}@t{last_log_term}", env.term)
                }
                Message::RequestVoteReply { granted } | Message::PreVoteReply { granted } => {
                    format!("vote {}", if *granted { "granted" } else { "refused" })
                }
                Message::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit, read_round } => {
                    format!(
                        "prev {prev_log_index}@t{prev_log_term}, {} entr{}, leader commit {leader_commit}, read round {read_round}",
                        entries.len(),
                        if entries.len() == 1 { "y" } else { "ies" }
                    )
                }
                Message::TimeoutNow => "start an election now: leadership is handed to you".to_string(),
                Message::ReadIndex { ctx } => format!("read #{ctx}: what is the read index?"),
                Message::ReadIndexReply { ctx, index: Some(i) } => format!("read #{ctx}: read index {i}"),
                Message::ReadIndexReply { ctx, index: None } => format!("read #{ctx}: refused"),
                Message::InstallSnapshot { snapshot } => format!(
                    "snapshot up to {}@t{} ({} bytes of state machine), configuration {}",
                    snapshot.index,
                    snapshot.term,
                    snapshot.data.len(),
                    snapshot.membership
                ),
                Message::AppendEntriesReply { success: true, match_index, .. } => {
                    format!("accepted, match {match_index}")
                }
                Message::AppendEntriesReply { conflict_index, conflict_term, .. } => match conflict_term {
                    Some(t) => format!("refused: term {t} from index {conflict_index}"),
                    None => format!("refused: log ends before {conflict_index}"),
                },
            }
        }
        Payload::Request { seq, op, .. } => format!("#{seq}: {op}"),
        Payload::Reply { seq, reply, .. } => match reply {
            ClientReply::Done(output) => format!("#{seq}: {}", render_output(output)),
            ClientReply::Redirect(Some(leader)) => format!("#{seq}: not the leader; try n{leader}"),
            ClientReply::Redirect(None) => format!("#{seq}: not the leader, and no leader known"),
        },
    };
    rows.push(("content".into(), body));
    rows
}

//! Guided scenarios: each preset told as a short story. A beat is a caption tied to a moment
//! of simulated time, with the servers it speaks of; the page runs to each beat, pauses, shows
//! the caption and highlights those servers (The Secret Lives of Data guides this way, but
//! cannot be broken; here every beat is a live, replayable run). Times are in milliseconds of
//! the preset's own script (see `presets.rs`), which is what makes the beats land exactly.

use crate::raft::{Bug, NodeId, Time};

pub struct Beat {
    pub at_ms: Time,
    pub caption: &'static str,
    pub servers: &'static [NodeId],
    /// The kinds of moment on the way to this beat that its caption speaks of: the player
    /// shows them slowly and the stretches between them fast (`ui::story::pace`).
    pub focus: &'static [Focus],
}

/// The kinds of moment a beat can ask to be shown slowly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// From a server becoming candidate (or pre-candidate) to a leader of that election.
    Elections,
    /// A follower deleting entries that conflict with the leader's (section 5.3).
    Overwrites,
    /// A server's commit index advancing.
    Commits,
    Crashes,
    /// Client requests and their answers.
    Clients,
    /// A configuration entry appended, or a snapshot taken or installed.
    Membership,
}

/// What a beat focuses on unless its data says otherwise.
pub const DEFAULT_FOCUS: &[Focus] = &[Focus::Elections, Focus::Overwrites, Focus::Crashes];

pub struct Story {
    pub preset: &'static str,
    pub beats: &'static [Beat],
    /// The bug this story can be replayed with (and what the last beat then shows).
    pub with_bug: Option<(Bug, &'static str)>,
}

const fn beat(at_ms: Time, servers: &'static [NodeId], caption: &'static str) -> Beat {
    Beat { at_ms, caption, servers, focus: DEFAULT_FOCUS }
}

pub const STORIES: [Story; 11] = [
    Story {
        preset: "figure8",
        beats: &[
            beat(
                1,
                &[],
                "Figure 8 of the Raft paper (section 5.4.2): why a leader may not commit an entry from an \
                 earlier term just because a majority stores it. Press Next to play each step.",
            ),
            beat(
                290,
                &[1, 2],
                "(a) S1 leads term 2 and appends entry 2 (term 2), but only S2 receives it before S1 is cut off.",
            ),
            beat(
                390,
                &[5],
                "(b) S1 crashes. S5 wins term 3 with votes from S3, S4 and itself and appends a different \
                 entry at index 2 — which reaches nobody.",
            ),
            beat(
                514,
                &[1, 3, 4],
                "(c) S5 crashes; S1 restarts and wins term 4. It copies its term-2 entry to S3 and S4: now a \
                 majority stores it, but it is not from S1's term. Raft does not count it as committed.",
            ),
            beat(
                700,
                &[5, 2, 3, 4],
                "(d) S1 crashes again; S5 wins term 5 (its log ends in term 3, newer than term 2) and \
                 overwrites index 2 everywhere. Was that entry committed? By Raft's rule it never was: \
                 watch the monitor.",
            ),
            beat(
                1_000,
                &[],
                "(e) Had S1 replicated an entry of its own term 4 to a majority first, S5 could not have \
                 won, and everything before it would be committed. Replay with the bug to see the loss.",
            ),
        ],
        with_bug: Some((
            Bug::CommitPreviousTerm,
            "With commit-previous-term, S1 counted the term-2 entry as committed in (c) and applied it; \
             S5 then overwrote it. The monitor reports the lost committed entry.",
        )),
    },
    Story {
        preset: "split-vote",
        beats: &[
            beat(1, &[], "Every server's election timer is about to fire at the same moment."),
            beat(
                160,
                &[],
                "They all become candidates and vote for themselves: nobody can get a majority (a split vote).",
            ),
            beat(
                700,
                &[],
                "Randomized timeouts break the tie: one server times out first in the next round and wins (5.2).",
            ),
        ],
        with_bug: None,
    },
    Story {
        preset: "leader-isolated",
        beats: &[
            beat(5, &[1], "n1 is about to start an election and lead."),
            beat(1_000, &[1], "n1 is cut off from the other servers. Clients can still reach it."),
            beat(
                1_600,
                &[1],
                "n1 still believes it leads and accepts requests, but they never commit: no majority hears it. \
                 The others elect a new leader; clients time out and retry there.",
            ),
            beat(3_100, &[1], "n1 rejoins, hears the newer term and steps down; its uncommitted entries are replaced."),
        ],
        with_bug: None,
    },
    Story {
        preset: "figure7",
        beats: &[
            beat(600, &[2], "n1 leads and commits entries; n2 is then cut off and misses the next ones."),
            beat(1_100, &[1], "n1 keeps appending alone: entries nobody else has (Figure 7's extra entries)."),
            beat(1_900, &[3, 4, 5], "n3 leads a new term with n4 and n5 and commits entries of its own."),
            beat(2_300, &[1, 2], "After the heal, n3 repairs both: n2 gets what it missed, n1's extra entries go."),
        ],
        with_bug: None,
    },
    Story {
        preset: "disruptive-server",
        beats: &[
            beat(400, &[1], "n1 leads a healthy cluster."),
            beat(2_000, &[5], "n5 is cut off: it times out again and again, raising its term each time."),
            beat(
                2_700,
                &[5, 1],
                "n5 rejoins with its high term and deposes n1 for nothing. Switch PreVote on and replay: n5's \
                 term never moves and n1 stays leader (9.6).",
            ),
        ],
        with_bug: None,
    },
    Story {
        preset: "stale-read",
        beats: &[
            beat(400, &[1], "n1 leads and stores a = 1."),
            beat(1_700, &[1], "n1 is cut off; the others elect a new leader and store a = 2."),
            beat(
                2_200,
                &[1],
                "A client asks the old leader n1 to read a. Through the log (or ReadIndex) n1 cannot answer: \
                 the read waits and the client retries elsewhere.",
            ),
        ],
        with_bug: Some((
            Bug::StaleRead,
            "With stale-read, n1 answered a = 1 at once although a = 2 was committed: the history is not \
             linearizable, and the monitor says which answer was impossible.",
        )),
    },
    Story {
        preset: "transfer",
        beats: &[
            beat(1_000, &[1], "n1 leads while two clients write."),
            beat(
                1_600,
                &[1, 3],
                "n1 hands leadership to n3: it stops taking requests, catches n3 up, sends TimeoutNow.",
            ),
            beat(3_400, &[3, 5], "n3 hands it on to n5. Clients are redirected each time; nothing is lost (3.10)."),
        ],
        with_bug: None,
    },
    Story {
        preset: "membership-bug",
        beats: &[
            beat(250, &[5], "n1 leads {n1..n4} and adds n5; the entry making n5 a voter reaches only n5."),
            beat(
                340,
                &[2, 3],
                "n2 wins term 2 with n3 and n4 and removes n1 at once, before committing anything of its term. \
                 That change commits on n2 and n3, a majority of {n2, n3, n4}.",
            ),
            beat(
                600,
                &[1, 4, 5],
                "n1 returns and wins term 3 with n4 and n5, a majority of its five-server configuration. \
                 Without the bug n2 waits for its no-op and nothing is lost; replay with the bug.",
            ),
        ],
        with_bug: Some((
            Bug::ConfigChangeBeforeTermCommit,
            "With the bug, n1 overwrote the entries n2 and n3 had committed: two majorities that do not \
             overlap. The 2015 fix is to commit an entry of your term before changing the membership.",
        )),
    },
    Story {
        preset: "add-server",
        beats: &[
            beat(2_900, &[1], "Three servers snapshot their state every 8 entries while clients write."),
            beat(3_100, &[4], "n4 joins as a learner: the leader sends it its snapshot, then the entries after it."),
            beat(4_500, &[4], "Caught up, n4 is promoted to voter (4.2.1)."),
        ],
        with_bug: None,
    },
    Story {
        preset: "remove-leader",
        beats: &[
            beat(1_400, &[1], "n1 leads five servers."),
            beat(
                1_520,
                &[1],
                "n1 removes itself: it keeps leading, without counting itself, until the change commits.",
            ),
            beat(2_500, &[], "Once committed, n1 steps down and the others elect a leader among themselves (4.2.2)."),
        ],
        with_bug: None,
    },
    Story {
        preset: "joint-consensus",
        beats: &[
            beat(1_400, &[4, 5], "n4 and n5 will be replaced by two new servers in one change."),
            beat(1_560, &[1], "C_old,new needs a majority of both halves; the leader n1 crashes halfway."),
            beat(3_000, &[], "A new leader finishes the change: C_new is committed (4.3)."),
        ],
        with_bug: None,
    },
];

pub fn story(preset: &str) -> Option<&'static Story> {
    STORIES.iter().find(|s| s.preset == preset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::presets::{PRESETS, find};

    #[test]
    fn every_preset_has_a_story_whose_beats_fit_its_script() {
        for p in &PRESETS {
            let s = story(p.name).unwrap_or_else(|| panic!("preset {} has no story", p.name));
            assert!(s.beats.len() >= 3, "{}", p.name);
            assert!(s.beats.windows(2).all(|w| w[0].at_ms < w[1].at_ms), "{}: beats in time order", p.name);
            let end = find(p.name).expect("preset").duration_us;
            assert!(s.beats.iter().all(|b| b.at_ms * 1000 <= end), "{}: beats within the script", p.name);
        }
    }
}

//! Guided scenarios: each preset told as a short story. A beat is a caption tied to a moment
//! of simulated time, with the servers it speaks of; the page runs to each beat, pauses, shows
//! the caption and highlights those servers (The Secret Lives of Data guides this way, but
//! cannot be broken; here every beat is a live, replayable run). Times are in milliseconds of
//! the preset's own script (see `presets.rs`), which is what makes the beats land exactly.

use crate::raft::{Bug, NodeId, Time};
use crate::scenario::compare::Switch;

pub struct Beat {
    pub at_ms: Time,
    pub caption: &'static str,
    pub servers: &'static [NodeId],
    /// The kinds of moment on the way to this beat that its caption speaks of: the player
    /// shows them slowly and the stretches between them fast (`ui::story::pace`).
    pub focus: &'static [Focus],
    /// On a live cluster (the first-visit tour) a beat has no fixed moment: what the player
    /// does when Next is pressed, and the moment it then plays to, found by running ahead.
    pub live: Option<(Act, Until)>,
}

/// What the first-visit tour does to the live cluster when Next is pressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    Nothing,
    /// Runs out the election timer of the lowest-numbered follower that is up.
    TimeOutFollower,
    /// A client request through the leader.
    Request,
    /// Cuts the leader off, then a client request through it.
    IsolateLeaderAndRequest,
}

/// The moment a live beat plays to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Until {
    /// A leader is elected.
    Leader,
    /// The newest entry is on a majority of the servers.
    Replicated,
    /// The leader's commit index reaches the newest entry.
    LeaderCommitted,
    /// Every server that is up has committed the newest entry.
    FollowersCommitted,
    /// A client request times out and its retry is answered.
    ClientRetried,
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
    /// The story's beats; the last one asks the reader to act (`challenge`).
    pub beats: &'static [Beat],
    /// The bug this story can be replayed with (and what the last beat before the challenge
    /// then shows).
    pub with_bug: Option<(Bug, &'static str)>,
    /// What the last beat asks the reader to make happen, checked from the run.
    pub challenge: Option<Challenge>,
    /// The switches whose lesson this is: the page offers to replay the story with each one
    /// flipped, beside the run as told (`scenario::compare`).
    pub compare: &'static [Switch],
}

/// What a story's last beat asks the reader to make happen; the page checks it from the run
/// after that beat's moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Challenge {
    /// A leader is elected after the challenge begins.
    NewLeader,
    /// A client request times out and is retried.
    ClientRetry,
    /// A server deletes entries that conflict with a leader's.
    Overwrite,
    /// A server takes on a new configuration.
    Membership,
    /// The monitor reports a violation (of safety or linearizability).
    Violation,
}

const fn beat(at_ms: Time, servers: &'static [NodeId], caption: &'static str) -> Beat {
    Beat { at_ms, caption, servers, focus: DEFAULT_FOCUS, live: None }
}

/// A beat whose moments are not the default ones.
const fn beat_on(at_ms: Time, focus: &'static [Focus], servers: &'static [NodeId], caption: &'static str) -> Beat {
    Beat { at_ms, caption, servers, focus, live: None }
}

/// Snapshots and configuration changes, with the client traffic that fills the log.
const MEMBERSHIP: &[Focus] = &[Focus::Membership, Focus::Elections];
/// What clients send and are told, with the elections around it.
const CLIENTS: &[Focus] = &[Focus::Clients, Focus::Elections, Focus::Overwrites];

const fn live(act: Act, until: Until, focus: &'static [Focus], caption: &'static str) -> Beat {
    Beat { at_ms: 0, caption, servers: &[], focus, live: Some((act, until)) }
}

/// The first visit's tour, on the live cluster the visitor sees (no preset): what the Raft
/// paper's consensus module promises, in six beats (Figure 2; sections 5.1–5.4, 8).
pub const FIRST_VISIT: Story = Story {
    preset: "first-visit",
    beats: &[
        live(
            Act::Nothing,
            Until::Leader,
            DEFAULT_FOCUS,
            "Welcome. These five servers run Raft. Each is a follower, a candidate or the leader (square); \
             the ring around a follower is its election timer (5.1). Next ▶ walks through what Raft promises, \
             or close this and play.",
        ),
        live(
            Act::TimeOutFollower,
            Until::Leader,
            &[Focus::Elections],
            "An election: a follower's timer ran out, so it became a candidate in a new term and asked for \
             votes (green). A majority voted for it and it leads that term; at most one leader per term (5.2).",
        ),
        live(
            Act::Request,
            Until::Replicated,
            &[Focus::Clients, Focus::Commits],
            "Replication: a client's request reached the leader, which appended it to its log and sent it to \
             every follower in AppendEntries (orange). The logs beside the cluster show it arriving (5.3).",
        ),
        live(
            Act::Nothing,
            Until::LeaderCommitted,
            &[Focus::Commits],
            "The leader's commit rule: the entry is committed once a majority stores it AND it is from the \
             leader's current term (5.3, 5.4.2). Its cell turns solid on the leader; only then is the client \
             answered.",
        ),
        live(
            Act::Nothing,
            Until::FollowersCommitted,
            &[Focus::Commits],
            "The follower's commit rule: the next AppendEntries carries the leader's commit index, and a \
             follower commits up to it where its log matches the leader's (5.3).",
        ),
        live(
            Act::IsolateLeaderAndRequest,
            Until::ClientRetried,
            &[Focus::Clients, Focus::Elections],
            "A client is never told about an entry that is not committed: the leader was cut off, so its new \
             entry could not reach a majority. The client timed out and retried at the new leader (section 8). \
             Rejoin the old leader from its ⋯ badge, or close this tour and break things yourself.",
        ),
    ],
    with_bug: None,
    challenge: None,
    compare: &[],
};

pub const STORIES: [Story; 11] = [
    Story {
        preset: "figure8",
        beats: &[
            beat(
                1,
                &[],
                "Figure 8 of the Raft paper (section 5.4.2): why a leader may not commit an entry from an \
                 earlier term just because a majority stores it. Watch the logs beside the cluster. Press Next.",
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
                 entry at index 2, which reaches nobody.",
            ),
            beat(
                514,
                &[1, 3, 4],
                "(c) S5 crashes; S1 restarts and wins term 4. It copies its term-2 entry to S3 and S4: now a \
                 majority stores index 2, but the entry is not from S1's term. Raft does not count it as \
                 committed: the cells stay dashed.",
            ),
            beat(
                700,
                &[5, 2, 3, 4],
                "(d) S1 crashes again; S5 wins term 5 (its log ends in term 3, newer than term 2) and \
                 overwrites index 2 everywhere (↺). Was that entry committed? By Raft's rule it never was: \
                 watch the monitor.",
            ),
            beat(
                1_000,
                &[],
                "(e) Had S1 replicated an entry of its own term 4 to a majority first, S5 could not have \
                 won, and everything before it would be committed.",
            ),
            beat(
                1_400,
                &[],
                "Your turn: replay with the bug (the button above) and make a committed entry vanish: play \
                 the story to its end and watch the monitor.",
            ),
        ],
        with_bug: Some((
            Bug::CommitPreviousTerm,
            "With commit-previous-term, S1 counted the term-2 entry as committed in (c) and applied it; \
             S5 then overwrote it. The monitor reports the lost committed entry.",
        )),
        challenge: Some(Challenge::Violation),
        compare: &[Switch::Bug(Bug::CommitPreviousTerm)],
    },
    Story {
        preset: "split-vote",
        beats: &[
            beat(1, &[], "Five servers, no leader yet. Each waits out a random election timeout (5.2)."),
            beat(100, &[], "Every server's election timer is about to fire at the same moment."),
            beat(
                200,
                &[],
                "They all become candidates and vote for themselves: nobody can get a majority (a split vote).",
            ),
            beat(330, &[4], "Each candidate waits a fresh random timeout before trying again; n4's runs out first."),
            beat(
                700,
                &[4],
                "n4 asks for votes in term 2 before anyone else wakes, and wins: randomized timeouts break the \
                 tie (5.2).",
            ),
            beat(
                1_000,
                &[],
                "Your turn: cause another election. Press A to align every timer again, or click the leader \
                 to crash it, and watch a new leader win.",
            ),
        ],
        with_bug: None,
        challenge: Some(Challenge::NewLeader),
        compare: &[Switch::AlignedTimers],
    },
    Story {
        preset: "leader-isolated",
        beats: &[
            beat(5, &[1], "n1 is about to start an election and lead."),
            beat(900, &[1], "n1 leads; two clients write through it and every request commits."),
            beat(1_000, &[1], "n1 is cut off from the other servers. Clients can still reach it."),
            beat(
                1_600,
                &[1],
                "n1 still believes it leads and accepts requests, but they never commit: no majority hears it. \
                 The others elect a new leader; clients time out and retry there.",
            ),
            beat(3_100, &[1], "n1 rejoins, hears the newer term and steps down; its uncommitted entries are replaced."),
            beat(
                3_400,
                &[],
                "Your turn: isolate the new leader (its ⋯ badge, then Isolate) and watch a client's request \
                 time out and retry.",
            ),
        ],
        with_bug: None,
        challenge: Some(Challenge::ClientRetry),
        compare: &[Switch::CheckQuorum],
    },
    Story {
        preset: "figure7",
        beats: &[
            beat(300, &[1], "n1 leads and every request commits on all five servers."),
            beat(600, &[2], "n1 leads and commits entries; n2 is then cut off and misses the next ones."),
            beat(1_100, &[1], "n1 keeps appending alone: entries nobody else has (Figure 7's extra entries)."),
            beat(1_900, &[3, 4, 5], "n3 leads a new term with n4 and n5 and commits entries of its own."),
            beat(2_300, &[1, 2], "After the heal, n3 repairs both: n2 gets what it missed, n1's extra entries go (↺)."),
            beat(
                2_600,
                &[],
                "Your turn: make extra entries yourself. Isolate the leader, send it a request (⋯ → Request), \
                 wait for a new leader, then rejoin it: its extra entries are deleted.",
            ),
        ],
        with_bug: None,
        challenge: Some(Challenge::Overwrite),
        compare: &[],
    },
    Story {
        preset: "disruptive-server",
        beats: &[
            beat(400, &[1], "n1 leads a healthy cluster."),
            beat(
                900,
                &[5],
                "n5 is cut off. It hears no heartbeats, times out and campaigns in term 2; nobody answers.",
            ),
            beat(2_000, &[5], "n5 times out again and again, raising its term each time."),
            beat(
                2_600,
                &[5, 1],
                "n5 rejoins with its high term: n1 sees it in n5's messages and steps down, for nothing.",
            ),
            beat(
                2_800,
                &[1],
                "An election in n5's term elects n1 again: the cluster was healthy all along. PreVote (9.6) \
                 stops this: compare the two runs side by side.",
            ),
            beat(
                3_000,
                &[],
                "Your turn: isolate another follower for a second (⋯ → Isolate, then Rejoin) and watch it \
                 depose the leader when it returns.",
            ),
        ],
        with_bug: None,
        challenge: Some(Challenge::NewLeader),
        compare: &[Switch::PreVote],
    },
    Story {
        preset: "stale-read",
        beats: &[
            beat_on(400, CLIENTS, &[1], "n1 leads and stores a = 1."),
            beat_on(1_000, CLIENTS, &[1], "n1 is cut off; the others elect n5 in term 2. n1 still thinks it leads."),
            beat_on(1_700, CLIENTS, &[5], "A client stores a = 2 through the new leader: committed on a majority."),
            beat_on(
                2_200,
                CLIENTS,
                &[1],
                "A client asks the old leader n1 to read a. Through the log (or ReadIndex) n1 cannot answer: \
                 the read waits and the client retries elsewhere.",
            ),
            beat_on(3_100, CLIENTS, &[1], "n1 rejoins and steps down; the read is answered with a = 2, as it must be."),
            beat_on(
                3_300,
                CLIENTS,
                &[],
                "Your turn: replay with the bug (the button above) and play to the end: the old leader \
                 answers a = 1, and the monitor finds the impossible answer.",
            ),
        ],
        with_bug: Some((
            Bug::StaleRead,
            "With stale-read, n1 answered a = 1 at once although a = 2 was committed: the history is not \
             linearizable, and the monitor says which answer was impossible.",
        )),
        challenge: Some(Challenge::Violation),
        compare: &[Switch::Bug(Bug::StaleRead), Switch::ReadIndex],
    },
    Story {
        preset: "transfer",
        beats: &[
            beat(1_000, &[1], "n1 leads while two clients write."),
            beat(
                1_505,
                &[1, 3],
                "n1 hands leadership to n3: it stops taking requests, catches n3 up, sends TimeoutNow.",
            ),
            beat(1_600, &[3], "n3 starts an election at once, without waiting for a timeout, and wins term 2."),
            beat(3_205, &[3, 5], "n3 hands it on to n5 the same way."),
            beat(3_400, &[5], "n5 leads term 3. Clients were redirected each time; nothing is lost (3.10)."),
            beat(
                3_600,
                &[],
                "Your turn: hand leadership to a server of your choice (its ⋯ badge, then Transfer \
                 leadership) and watch it win.",
            ),
        ],
        with_bug: None,
        challenge: Some(Challenge::NewLeader),
        compare: &[],
    },
    Story {
        preset: "membership-bug",
        beats: &[
            beat(150, &[1], "n1 leads {n1..n4}."),
            beat(250, &[5], "n1 adds n5; the entry making n5 a voter reaches only n5."),
            beat(
                340,
                &[2, 3],
                "n2 wins term 2 with n3 and n4 and removes n1 at once, before committing anything of its term. \
                 That change commits on n2 and n3, a majority of {n2, n3, n4}.",
            ),
            beat(
                490,
                &[1, 4, 5],
                "n1 returns and wins term 3 with n4 and n5, a majority of its five-server configuration.",
            ),
            beat(
                600,
                &[1],
                "Without the bug, n2 waited for its no-op before changing the membership, so nothing \
                 committed is lost.",
            ),
            beat(
                900,
                &[],
                "Your turn: replay with the bug (the button above) and play to the end: n1 overwrites \
                 entries a majority had committed.",
            ),
        ],
        with_bug: Some((
            Bug::ConfigChangeBeforeTermCommit,
            "With the bug, n1 overwrote the entries n2 and n3 had committed: two majorities that do not \
             overlap. The 2015 fix is to commit an entry of your term before changing the membership.",
        )),
        challenge: Some(Challenge::Violation),
        compare: &[Switch::Bug(Bug::ConfigChangeBeforeTermCommit)],
    },
    Story {
        preset: "add-server",
        beats: &[
            beat_on(1_000, MEMBERSHIP, &[1], "n1 leads three servers while clients write."),
            beat_on(
                2_900,
                MEMBERSHIP,
                &[1],
                "Each server snapshots its state every 8 entries and drops the log it covers (section 7).",
            ),
            beat_on(
                3_040,
                MEMBERSHIP,
                &[4],
                "n4 joins as a learner: the leader's log no longer holds the start, so it sends its snapshot.",
            ),
            beat_on(3_100, MEMBERSHIP, &[4], "Then the entries after the snapshot, until n4 has caught up."),
            beat_on(4_500, MEMBERSHIP, &[4], "Caught up, n4 is promoted to voter (4.2.1)."),
            beat_on(
                4_700,
                MEMBERSHIP,
                &[],
                "Your turn: add another server (Settings → Add server) and watch it catch up and become a voter.",
            ),
        ],
        with_bug: None,
        challenge: Some(Challenge::Membership),
        compare: &[],
    },
    Story {
        preset: "remove-leader",
        beats: &[
            beat(1_400, &[1], "n1 leads five servers."),
            beat(
                1_505,
                &[1],
                "n1 removes itself: it keeps leading, without counting itself, until the change commits.",
            ),
            beat(1_530, &[1], "The change is committed: n1 steps down (4.2.2)."),
            beat(1_700, &[5], "The others time out and elect n5 among themselves."),
            beat(2_500, &[], "The cluster goes on with four servers; n1 is no longer asked anything."),
            beat(
                2_800,
                &[],
                "Your turn: remove the new leader too (its ⋯ badge, then Remove) and watch the rest elect another.",
            ),
        ],
        with_bug: None,
        challenge: Some(Challenge::NewLeader),
        compare: &[],
    },
    Story {
        preset: "joint-consensus",
        beats: &[
            beat(1_400, &[4, 5], "n4 and n5 will be replaced by two new servers in one change."),
            beat(1_545, &[6, 7], "The new servers catch up first; then C_old,new is appended."),
            beat(1_560, &[1], "C_old,new needs a majority of both halves; the leader n1 crashes halfway."),
            beat(
                1_800,
                &[5],
                "n5 wins with majorities of both halves and finishes the change: C_new is committed (4.3).",
            ),
            beat(
                3_000,
                &[4],
                "n4, removed, never hears of it and keeps campaigning; the others ignore it while they hear a \
                 leader (4.2.3).",
            ),
            beat(3_200, &[], "Your turn: crash the leader (click it) and watch the new configuration elect another."),
        ],
        with_bug: None,
        challenge: Some(Challenge::NewLeader),
        compare: &[],
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
            assert!(s.beats.len() >= 5, "{}: at least five beats", p.name);
            assert!(s.beats.last().is_some_and(|b| b.caption.starts_with("Your turn")), "{}", p.name);
            assert!(s.beats.windows(2).all(|w| w[0].at_ms < w[1].at_ms), "{}: beats in time order", p.name);
            let end = find(p.name).expect("preset").duration_us;
            assert!(s.beats.iter().all(|b| b.at_ms * 1000 <= end), "{}: beats within the script", p.name);
        }
    }
}

//! The replicated log: entries, term lookups, conflict-checked append, and the up-to-date rule.

use super::quorum::Membership;
use super::{Index, Term};
use serde::{Deserialize, Serialize};

/// An operation of the small key-value language the clients speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Op {
    /// Set `key` to the single value `value`.
    Put { key: u8, value: u32 },
    /// Append `value` to the list stored at `key`.
    Append { key: u8, value: u32 },
    /// Read `key`. With `ReadMode::Log` (the default) a read goes through the log like a
    /// write, which orders it with the writes and makes it linearizable without leases; with
    /// ReadIndex (dissertation 6.4) it never enters the log, and the leader answers it from
    /// its state machine once a heartbeat round has confirmed it still leads.
    Get { key: u8 },
}

impl Op {
    /// `(kind, key, value)` with kind 1 put, 2 append, 3 get (value 0): the stable encoding
    /// links and the trace hash use.
    pub fn code(&self) -> (u8, u8, u32) {
        match *self {
            Op::Put { key, value } => (1, key, value),
            Op::Append { key, value } => (2, key, value),
            Op::Get { key } => (3, key, 0),
        }
    }

    pub fn key(&self) -> u8 {
        match *self {
            Op::Put { key, .. } | Op::Append { key, .. } | Op::Get { key } => key,
        }
    }
}

/// The letter that names key `key` wherever a person reads it (keys wrap after `z`).
pub fn key_letter(key: u8) -> char {
    char::from(b'a' + key % 26)
}

impl std::fmt::Display for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = key_letter;
        match *self {
            Op::Put { key, value } => write!(f, "put {}={value}", name(key)),
            Op::Append { key, value } => write!(f, "append {}+={value}", name(key)),
            Op::Get { key } => write!(f, "get {}", name(key)),
        }
    }
}

/// A client request as stored in the log: `(client, seq)` identifies it across retries, so the
/// state machine can apply it once however many times it was appended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Command {
    pub client: u32,
    pub seq: u64,
    pub op: Op,
}

/// One log entry. `command` is `None` for the no-op a new leader appends in its own term
/// (paper section 8), which lets it commit entries of earlier terms (section 5.4.2), and for a
/// configuration entry, whose `config` takes effect as soon as a server stores it
/// (dissertation 4.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub index: Index,
    pub term: Term,
    pub command: Option<Command>,
    /// Boxed: rare, and entries are copied often.
    pub config: Option<Box<Membership>>,
}

/// Entries `snapshot_index()+1..=last_index()`; everything up to `snapshot_index()` has been
/// compacted into a snapshot (paper section 7), of which the log keeps the last index and
/// term. Index 0 is the empty prefix with term 0.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Log {
    entries: Vec<Entry>,
    snapshot_index: Index,
    snapshot_term: Term,
}

/// What `Log::append_from_leader` did, so the node can report it and the checker can verify it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AppendOutcome {
    /// First index removed because it conflicted (or, with a bug switch, for no reason), and
    /// the term that entry had.
    pub truncated_from: Option<(Index, Term)>,
    /// Indexes newly written, if any.
    pub appended: Option<(Index, Index)>,
}

impl Log {
    pub fn last_index(&self) -> Index {
        self.snapshot_index + self.entries.len() as Index
    }

    pub fn last_term(&self) -> Term {
        self.entries.last().map_or(self.snapshot_term, |e| e.term)
    }

    /// The last index the snapshot covers (0: nothing compacted).
    pub fn snapshot_index(&self) -> Index {
        self.snapshot_index
    }

    pub fn snapshot_term(&self) -> Term {
        self.snapshot_term
    }

    /// Term of the entry at `index`; 0 for index 0; the snapshot's term at its last index;
    /// `None` past the end or inside the snapshot.
    pub fn term_at(&self, index: Index) -> Option<Term> {
        match index {
            0 => Some(0),
            i if i == self.snapshot_index => Some(self.snapshot_term),
            i => self.get(i).map(|e| e.term),
        }
    }

    pub fn get(&self, index: Index) -> Option<&Entry> {
        if index <= self.snapshot_index {
            return None;
        }
        self.entries.get((index - self.snapshot_index - 1) as usize)
    }

    /// Entries `from..=to` (clamped to what the log holds).
    pub fn slice(&self, from: Index, to: Index) -> &[Entry] {
        let start = from.max(self.snapshot_index + 1) - self.snapshot_index - 1;
        let end = to.min(self.last_index()).saturating_sub(self.snapshot_index);
        if start >= end {
            return &[];
        }
        &self.entries[start as usize..end as usize]
    }

    /// Discards entries up to `index` (which the host has snapshotted); `index` must be held.
    pub fn compact(&mut self, index: Index) {
        let term = self.term_at(index).expect("compacting up to an entry the log holds");
        let drop = (index - self.snapshot_index) as usize;
        self.entries.drain(..drop.min(self.entries.len()));
        (self.snapshot_index, self.snapshot_term) = (index, term);
    }

    /// Takes a leader's snapshot (section 7): entries after it are kept when the log holds its
    /// last entry with the same term, otherwise the whole log is replaced.
    pub fn install(&mut self, index: Index, term: Term) {
        if index > self.snapshot_index && self.term_at(index) == Some(term) {
            self.compact(index);
        } else {
            self.entries.clear();
            (self.snapshot_index, self.snapshot_term) = (index, term);
        }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Appends one entry at the end (leader path); returns its index.
    pub fn push(&mut self, term: Term, command: Option<Command>) -> Index {
        let index = self.last_index() + 1;
        self.entries.push(Entry { index, term, command, config: None });
        index
    }

    /// Appends a configuration entry at the end (leader path); returns its index.
    pub fn push_config(&mut self, term: Term, config: Membership) -> Index {
        let index = self.last_index() + 1;
        self.entries.push(Entry { index, term, command: None, config: Some(Box::new(config)) });
        index
    }

    /// The newest configuration entry at or below `index`, if the log holds one.
    pub fn config_at(&self, index: Index) -> Option<(Index, &Membership)> {
        self.slice(1, index).iter().rev().find_map(|e| e.config.as_deref().map(|c| (e.index, c)))
    }

    /// Section 5.4.1: a candidate's log is at least as up to date as ours if its last term is
    /// higher, or equal with an index at least as long.
    pub fn is_up_to_date(&self, last_index: Index, last_term: Term) -> bool {
        (last_term, last_index) >= (self.last_term(), self.last_index())
    }

    /// First index of the term at `index`, used for the conflict hint (section 5.3's
    /// optimisation): the leader can skip a whole term per round trip.
    pub fn first_index_of_term_at(&self, index: Index) -> Index {
        let Some(term) = self.term_at(index) else {
            return self.last_index() + 1;
        };
        let mut i = index;
        while i > self.snapshot_index.max(1) && self.term_at(i - 1) == Some(term) {
            i -= 1;
        }
        i
    }

    /// Last index holding `term`, if the log has any entry of that term.
    pub fn last_index_of_term(&self, term: Term) -> Option<Index> {
        let held = self.entries.iter().rev().find(|e| e.term == term).map(|e| e.index);
        held.or((self.snapshot_index > 0 && self.snapshot_term == term).then_some(self.snapshot_index))
    }

    /// Removes entries from `from` on; returns `from` and the removed entry's term. Entries in
    /// the snapshot are committed and never removed.
    fn truncate(&mut self, from: Index) -> Option<(Index, Term)> {
        assert!(from > self.snapshot_index, "truncating at {from}, inside the snapshot up to {}", self.snapshot_index);
        let term = self.term_at(from)?;
        self.entries.truncate((from - self.snapshot_index - 1) as usize);
        Some((from, term))
    }

    /// The follower side of AppendEntries after the prev-entry check passed: skip entries we
    /// already have, cut at the first conflict, append the rest (Figure 2, receiver steps 3–4).
    /// With `truncate_always` (a bug switch) it cuts after `prev` even when nothing conflicts.
    /// The appended entries move out of `new`; what is left there the log already held.
    pub fn append_from_leader(&mut self, prev: Index, new: &mut Vec<Entry>, truncate_always: bool) -> AppendOutcome {
        let mut outcome = AppendOutcome::default();
        if truncate_always && self.last_index() > prev.max(self.snapshot_index) {
            outcome.truncated_from = self.truncate(prev.max(self.snapshot_index) + 1);
        }
        let mut skip = 0;
        for entry in new.iter() {
            if entry.index <= self.snapshot_index {
                skip += 1; // committed and compacted here already
                continue;
            }
            match self.term_at(entry.index) {
                Some(t) if t == entry.term => skip += 1,
                Some(_) => {
                    outcome.truncated_from = self.truncate(entry.index);
                    break;
                }
                None => break,
            }
        }
        let rest = &new[skip..];
        if let (Some(first), Some(last)) = (rest.first(), rest.last()) {
            assert_eq!(first.index, self.last_index() + 1, "append must continue the log");
            outcome.appended = Some((first.index, last.index));
            self.entries.extend(new.drain(skip..));
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn log_of(terms: &[Term]) -> Log {
        let mut log = Log::default();
        for &t in terms {
            log.push(t, None);
        }
        log
    }

    fn entries(pairs: &[(Index, Term)]) -> Vec<Entry> {
        pairs.iter().map(|&(index, term)| Entry { index, term, command: None, config: None }).collect()
    }

    #[test]
    fn up_to_date_compares_term_then_length() {
        let log = log_of(&[1, 1, 2]);
        assert!(log.is_up_to_date(3, 2));
        assert!(log.is_up_to_date(1, 3));
        assert!(!log.is_up_to_date(5, 1));
        assert!(!log.is_up_to_date(2, 2));
    }

    #[test]
    fn append_skips_matching_and_cuts_conflicts() {
        let mut log = log_of(&[1, 1, 2, 2]);
        let out = log.append_from_leader(1, &mut entries(&[(2, 1), (3, 3)]), false);
        assert_eq!(out.truncated_from, Some((3, 2)));
        assert_eq!(out.appended, Some((3, 3)));
        assert_eq!(log.last_index(), 3);
        assert_eq!(log.term_at(3), Some(3));
        // A stale, shorter message that agrees must not cut anything (the bug switch does).
        let out = log.append_from_leader(1, &mut entries(&[(2, 1)]), false);
        assert_eq!(out, AppendOutcome::default());
        assert_eq!(log.last_index(), 3);
        let out = log.append_from_leader(1, &mut entries(&[(2, 1)]), true);
        assert_eq!(out.truncated_from, Some((2, 1)));
        assert_eq!(log.last_index(), 2);
    }

    #[test]
    fn term_boundaries_for_hints() {
        let log = log_of(&[1, 2, 2, 2, 3]);
        assert_eq!(log.first_index_of_term_at(4), 2);
        assert_eq!(log.last_index_of_term(2), Some(4));
        assert_eq!(log.last_index_of_term(7), None);
        assert_eq!(log.slice(2, 3).len(), 2);
        assert_eq!(log.slice(6, 9).len(), 0);
    }
}

#[cfg(test)]
mod snapshot_tests {
    use super::tests::log_of;
    use super::*;

    /// Section 7: a compacted prefix answers only for its last index; installing a matching
    /// snapshot keeps the entries after it, a conflicting one replaces the log.
    #[test]
    fn compaction_and_install() {
        let mut log = log_of(&[1, 1, 2, 2, 3]);
        log.compact(3);
        assert_eq!((log.snapshot_index(), log.snapshot_term(), log.last_index()), (3, 2, 5));
        assert_eq!((log.term_at(2), log.term_at(3), log.term_at(4)), (None, Some(2), Some(2)));
        assert_eq!(log.slice(1, 9).iter().map(|e| e.index).collect::<Vec<_>>(), vec![4, 5]);
        assert_eq!(log.push(3, None), 6);
        let mut keep = log.clone();
        keep.install(4, 2);
        assert_eq!((keep.snapshot_index(), keep.last_index()), (4, 6));
        let mut replace = log.clone();
        replace.install(5, 9);
        assert_eq!((replace.snapshot_index(), replace.last_index(), replace.last_term()), (5, 5, 9));
        // An AppendEntries overlapping the snapshot skips what is compacted.
        let e = |index, term| Entry { index, term, command: None, config: None };
        let out = log.append_from_leader(2, &mut vec![e(3, 2), e(4, 2), e(5, 3), e(6, 3), e(7, 4)], false);
        assert_eq!(out.appended, Some((7, 7)));
    }
}

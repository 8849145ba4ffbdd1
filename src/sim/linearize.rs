//! Linearizability of the client history against the key-value model.
//!
//! The Wing & Gong search with Lowe's memoisation, as Porcupine implements it: walk the history
//! in real-time order, tentatively linearize any call whose operation the model accepts,
//! backtrack when a return is reached whose call could not be placed, and remember every
//! (set of linearized operations, model state) already explored. Keys are independent in this
//! model, so the history is split per key first, which keeps each search small. A request whose
//! outcome the client never learned may have taken effect at any point after its call, or not
//! at all: it gets a return time of infinity. The search has a step budget; past it the answer
//! is `Unknown`, never a hang.

use std::collections::{BTreeMap, BTreeSet};

use super::check::{Invariant, Violation};
use super::client::{HistoryOp, Output, apply_to_key};
use super::shared::SharedVec;
use super::trace::{fmt_time, render_output};
use crate::raft::{Op, Time};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Linearizable,
    /// A key whose history has no valid order. `witness` is the history index of the operation
    /// whose answer first made that key's history impossible (found by bisecting on return
    /// times), when the budget allowed finding it.
    Violation {
        key: u8,
        ops: usize,
        witness: Option<usize>,
    },
    /// The search budget ran out before an answer.
    Unknown,
}

pub const DEFAULT_BUDGET: u64 = 5_000_000;
/// Memory the memo table of one key's search may take, roughly, before the answer is Unknown.
pub const MAX_MEMO_BYTES: usize = 64 << 20;

#[derive(Clone)]
struct KeyOp {
    op: Op,
    call: u64,
    ret: u64,
    output: Option<Output>,
    /// Position in the history the caller passed.
    at: usize,
}

/// Checks every key, the smallest histories first, each with its share of the step budget
/// (what a small key leaves over goes to the keys after it), so a hard key cannot hide a
/// violation on an easy one. Any key that proves a violation makes the verdict a violation.
pub fn check(history: &SharedVec<HistoryOp>, budget: u64) -> Verdict {
    check_keys(history, None, budget)
}

/// `check` limited to the keys in `only` (every key when `None`): the page checks just the
/// keys whose reads were answered since it last looked.
pub fn check_keys(history: &SharedVec<HistoryOp>, only: Option<&BTreeSet<u8>>, budget: u64) -> Verdict {
    let mut per_key: BTreeMap<u8, Vec<KeyOp>> = BTreeMap::new();
    let wanted = history.iter().enumerate().filter(|(_, h)| only.is_none_or(|keys| keys.contains(&h.op.key())));
    for (at, h) in wanted {
        let (ret, output) = match &h.returned {
            Some((t, o)) => (*t, Some(o.clone())),
            // An unanswered read has no effect on anyone: leave it out.
            None if matches!(h.op, Op::Get { .. }) => continue,
            None => (u64::MAX, None),
        };
        per_key.entry(h.op.key()).or_default().push(KeyOp { op: h.op, call: h.invoke_us, ret, output, at });
    }
    let mut keys: Vec<(u8, Vec<KeyOp>)> = per_key.into_iter().collect();
    keys.sort_by_key(|(key, ops)| (ops.len(), *key));
    let mut left = budget;
    let mut unknown = false;
    for (i, (key, ops)) in keys.iter().enumerate() {
        let share = left / (keys.len() - i) as u64;
        let mut allowance = share;
        let verdict = check_key(ops, &mut allowance);
        left -= share - allowance;
        match verdict {
            Some(true) => {}
            Some(false) => {
                let witness = find_witness(ops, left / 2);
                return Verdict::Violation { key: *key, ops: ops.len(), witness };
            }
            None => unknown = true,
        }
    }
    if unknown { Verdict::Unknown } else { Verdict::Linearizable }
}

/// The verdict as a violation of the `Linearizability` invariant, naming the server that gave
/// the first impossible answer and when (or the end of the run, without a witness).
pub fn violation(history: &SharedVec<HistoryOp>, verdict: &Verdict, now_us: Time) -> Option<Violation> {
    let Verdict::Violation { key, ops, witness } = *verdict else { return None };
    let key_name = crate::raft::log::key_letter(key);
    let mut detail = format!("no order of the {ops} operations on key {key_name} agrees with what the clients saw");
    let (mut time_us, mut nodes) = (now_us, Vec::new());
    if let Some(h) = witness.and_then(|w| history.get(w))
        && let Some((returned_us, output)) = &h.returned
    {
        let by = h.answered_by.map_or(String::new(), |n| format!(" from n{n}"));
        detail = format!(
            "c{} got “{}” for {} at {}{by}: {detail} up to that answer",
            h.client,
            render_output(output),
            h.op,
            fmt_time(*returned_us)
        );
        time_us = *returned_us;
        nodes.extend(h.answered_by);
    }
    Some(Violation { invariant: Invariant::Linearizability, time_us, nodes, detail })
}

/// The history as it stood at time `t`: operations called by then, those that had not
/// returned yet counted as pending (a read among them left out).
fn prefix_at(ops: &[KeyOp], t: u64) -> Vec<KeyOp> {
    let called = ops.iter().filter(|o| o.call <= t);
    let as_then = called.filter_map(|o| match o.ret <= t {
        true => Some(o.clone()),
        false if matches!(o.op, Op::Get { .. }) => None,
        false => Some(KeyOp { ret: u64::MAX, output: None, ..o.clone() }),
    });
    as_then.collect()
}

/// Bisects on return times for the first answer that makes the history impossible: a prefix
/// that is not linearizable stays so as the history grows.
fn find_witness(ops: &[KeyOp], mut budget: u64) -> Option<usize> {
    let mut times: Vec<u64> = ops.iter().map(|o| o.ret).filter(|&r| r != u64::MAX).collect();
    times.sort_unstable();
    times.dedup();
    let (mut lo, mut hi) = (0, times.len().checked_sub(1)?);
    while lo < hi {
        let mid = (lo + hi) / 2;
        match check_key(&prefix_at(ops, times[mid]), &mut budget)? {
            true => lo = mid + 1,
            false => hi = mid,
        }
    }
    ops.iter().find(|o| o.ret == times[lo]).map(|o| o.at)
}

/// The model step for one key: does `op` with its observed output (if any) fit `state`?
fn step(state: &[u32], op: &KeyOp) -> Option<Vec<u32>> {
    let mut next = state.to_vec();
    let output = apply_to_key(&mut next, op.op);
    op.output.as_ref().is_none_or(|seen| *seen == output).then_some(next)
}

const NIL: usize = usize::MAX;

/// Doubly linked list of call and return events; node 0 is the head sentinel.
struct Events {
    next: Vec<usize>,
    prev: Vec<usize>,
    op: Vec<usize>,
    is_call: Vec<bool>,
    partner: Vec<usize>,
}

impl Events {
    fn new(ops: &[KeyOp]) -> Events {
        let mut order: Vec<(u64, bool, usize)> = Vec::with_capacity(ops.len() * 2);
        for (i, o) in ops.iter().enumerate() {
            order.push((o.call, false, i));
            order.push((o.ret, true, i));
        }
        // Calls before returns at equal times: touching operations count as concurrent.
        order.sort_unstable();
        let n = order.len() + 1;
        let mut ev = Events {
            next: (1..=n).map(|i| if i == n { NIL } else { i }).collect(),
            prev: (0..n).map(|i| if i == 0 { NIL } else { i - 1 }).collect(),
            op: vec![0; n],
            is_call: vec![false; n],
            partner: vec![0; n],
        };
        let mut call_node = vec![0; ops.len()];
        for (pos, &(_, is_ret, i)) in order.iter().enumerate() {
            let node = pos + 1;
            ev.op[node] = i;
            ev.is_call[node] = !is_ret;
            if is_ret {
                ev.partner[call_node[i]] = node;
            } else {
                call_node[i] = node;
            }
        }
        ev
    }

    fn unlink(&mut self, node: usize) {
        let (p, n) = (self.prev[node], self.next[node]);
        self.next[p] = n;
        if n != NIL {
            self.prev[n] = p;
        }
    }

    fn relink(&mut self, node: usize) {
        let (p, n) = (self.prev[node], self.next[node]);
        self.next[p] = node;
        if n != NIL {
            self.prev[n] = node;
        }
    }

    fn lift(&mut self, call: usize) {
        self.unlink(call);
        self.unlink(self.partner[call]);
    }

    fn unlift(&mut self, call: usize) {
        self.relink(self.partner[call]);
        self.relink(call);
    }
}

/// What one memo entry costs, roughly: its fingerprint and the ordered set's share of a node.
const MEMO_ENTRY_BYTES: usize = 40;

/// Two independent 64-bit mixes of the bit set and the state (multiply-rotate, as FxHash does,
/// with different odd constants and seeds), so the pair acts as one 128-bit fingerprint.
fn fingerprint(linearized: &[u64], state: &[u32]) -> (u64, u64) {
    let words = linearized.iter().copied().chain([u64::MAX]).chain(state.iter().map(|&v| u64::from(v)));
    words.fold((0x243F_6A88_85A3_08D3, 0x1319_8A2E_0370_7344), |(a, b), w| {
        (
            (a.rotate_left(5) ^ w).wrapping_mul(0x517C_C1B7_2722_0A95),
            (b.rotate_left(7) ^ w).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        )
    })
}

/// `Some(true)` linearizable, `Some(false)` not, `None` out of budget (steps or memory).
fn check_key(ops: &[KeyOp], budget: &mut u64) -> Option<bool> {
    let mut ev = Events::new(ops);
    let mut linearized = vec![0u64; ops.len().div_ceil(64)];
    // Lowe's memo of (operations linearized, state) pairs already explored, kept as 128-bit
    // fingerprints: the full bit set is a word per 64 operations, kilobytes for a long history,
    // for every entry. Two different pairs share a fingerprint with odds near 2^-128 per
    // pair; only then could a branch be skipped that should have been explored.
    let mut seen: BTreeSet<(u64, u64)> = BTreeSet::new();
    let mut memo_bytes = 0usize;
    let mut calls: Vec<(usize, Vec<u32>)> = Vec::new();
    let mut state: Vec<u32> = Vec::new();
    let mut entry = ev.next[0];
    while ev.next[0] != NIL {
        *budget = budget.checked_sub(1)?;
        if ev.is_call[entry] {
            let i = ev.op[entry];
            if let Some(next_state) = step(&state, &ops[i]) {
                linearized[i / 64] |= 1 << (i % 64);
                if seen.insert(fingerprint(&linearized, &next_state)) {
                    memo_bytes += MEMO_ENTRY_BYTES;
                    if memo_bytes > MAX_MEMO_BYTES {
                        return None;
                    }
                    calls.push((entry, std::mem::replace(&mut state, next_state)));
                    ev.lift(entry);
                    entry = ev.next[0];
                    continue;
                }
                linearized[i / 64] &= !(1 << (i % 64));
            }
            entry = ev.next[entry];
        } else {
            let Some((call, previous)) = calls.pop() else {
                return Some(false);
            };
            let i = ev.op[call];
            linearized[i / 64] &= !(1 << (i % 64));
            state = previous;
            ev.unlift(call);
            entry = ev.next[call];
        }
    }
    Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checker over a plain list of operations (the world keeps them in a `SharedVec`).
    fn check(history: &[HistoryOp], budget: u64) -> Verdict {
        super::check(&history.iter().cloned().collect(), budget)
    }

    fn op(client: u32, op: Op, call: u64, ret: Option<(u64, Output)>) -> HistoryOp {
        HistoryOp { client, seq: 1, op, invoke_us: call, returned: ret, answered_by: None, stages: Vec::new() }
    }

    #[test]
    fn concurrent_writes_can_order_either_way() {
        let h = vec![
            op(1, Op::Put { key: 0, value: 1 }, 0, Some((10, Output::Written))),
            op(2, Op::Put { key: 0, value: 2 }, 1, Some((9, Output::Written))),
            op(3, Op::Get { key: 0 }, 11, Some((12, Output::Value(vec![1])))),
        ];
        assert_eq!(check(&h, DEFAULT_BUDGET), Verdict::Linearizable);
    }

    #[test]
    fn stale_read_is_caught() {
        let h = vec![
            op(1, Op::Put { key: 0, value: 1 }, 0, Some((10, Output::Written))),
            op(2, Op::Put { key: 0, value: 2 }, 11, Some((20, Output::Written))),
            op(3, Op::Get { key: 0 }, 21, Some((22, Output::Value(vec![1])))),
        ];
        assert_eq!(check(&h, DEFAULT_BUDGET), Verdict::Violation { key: 0, ops: 3, witness: Some(2) });
    }

    #[test]
    fn unanswered_write_may_or_may_not_happen() {
        let h = vec![
            op(1, Op::Append { key: 1, value: 5 }, 0, None),
            op(2, Op::Get { key: 1 }, 10, Some((11, Output::Value(vec![])))),
            op(3, Op::Get { key: 1 }, 12, Some((13, Output::Value(vec![5])))),
        ];
        assert_eq!(check(&h, DEFAULT_BUDGET), Verdict::Linearizable);
        let h2 = vec![
            op(1, Op::Append { key: 1, value: 5 }, 0, None),
            op(2, Op::Get { key: 1 }, 10, Some((11, Output::Value(vec![5])))),
            op(3, Op::Get { key: 1 }, 12, Some((13, Output::Value(vec![])))),
        ];
        assert!(matches!(check(&h2, DEFAULT_BUDGET), Verdict::Violation { .. }));
    }

    #[test]
    fn budget_gives_unknown() {
        let h: Vec<HistoryOp> =
            (0..40).map(|i| op(i, Op::Append { key: 0, value: i }, 0, Some((1000, Output::Written)))).collect();
        let mut with_read = h.clone();
        with_read.push(op(99, Op::Get { key: 0 }, 2000, Some((2001, Output::Value(vec![7])))));
        assert_eq!(check(&with_read, 1000), Verdict::Unknown);
    }

    /// One hard key that eats any budget, and an easy key beside it whose stale read proves a
    /// violation: the easy key is checked first with its own share, so the verdict is a
    /// violation within the default budget, and the witness is the stale read.
    #[test]
    fn a_hard_key_does_not_hide_a_violation_on_an_easy_one() {
        let mut h: Vec<HistoryOp> =
            (0..60).map(|i| op(i, Op::Append { key: 0, value: i }, 0, Some((1000, Output::Written)))).collect();
        h.push(op(98, Op::Get { key: 0 }, 2000, Some((2001, Output::Value(vec![7, 7, 7])))));
        h.push(op(100, Op::Put { key: 1, value: 1 }, 0, Some((10, Output::Written))));
        h.push(op(101, Op::Put { key: 1, value: 2 }, 11, Some((20, Output::Written))));
        h.push(op(102, Op::Get { key: 1 }, 21, Some((22, Output::Value(vec![1])))));
        let hard_alone: Vec<HistoryOp> = h[..61].to_vec();
        assert_eq!(check(&hard_alone, DEFAULT_BUDGET), Verdict::Unknown, "the hard key alone spends the budget");
        assert_eq!(check(&h, DEFAULT_BUDGET), Verdict::Violation { key: 1, ops: 3, witness: Some(63) });
    }
}

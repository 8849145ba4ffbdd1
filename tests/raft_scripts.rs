//! The consensus module alone, driven by golden scripts (toydb's `testscripts`, etcd's
//! datadriven tests): messages wait in a queue until a command delivers or drops them, so every
//! interleaving is chosen, and each command's output — messages sent, state changes, entries
//! applied, reads answered — is checked in under `tests/scripts/`. After a deliberate change,
//! rewrite the expected output with `UPDATE_GOLDENFILES=1 cargo test --test raft_scripts` and
//! read the diff.
//!
//! Commands (ids are server numbers; `now` starts at 0 and moves only with `advance`):
//! - `cluster nodes=N [prevote=on] [check-quorum=on] [reads=read-index] [bug=NAME] [max-entries=M]`
//! - `setup ID [role=leader|candidate|pre-candidate|follower] [term=T] [vote=V] [log=T/T/…] [commit=C]`
//! - `advance ms=N` · `tick [ID…]` (fire due timers) · `timeout ID` (election timer fires now)
//! - `propose ID [value=V]` · `transfer ID to=T` · `read ID ctx=C`
//! - `deliver [from=ID] [to=ID] [kind=NAME]` (one round of matching queued messages) · `stabilize`
//! - `drop [from=ID] [to=ID] [kind=NAME]` · `isolate ID` · `heal` · `crash ID` · `restart ID`
//! - `inject from=ID to=ID term=T [at=ID] append [prev=I@T] [entries=I@T/…] | vote [last=I@T] | refusal [conflict=I]`
//! - `change ID add=N | promote=N | remove=N | out=A/B in=C/D` (a membership change at leader ID;
//!   `cluster … spare=K` creates K more servers that are in no configuration yet)
//! - `snapshot ID` (compact the log up to what ID has applied)
//! - `status [ID…]`

#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;
use std::error::Error;
use std::fmt::Write as _;

use goldenscript::{Command, Runner};
use raft_playground::prng::{Prng, Stream};
use raft_playground::raft::{
    Bug, Bugs, Command as Cmd, Config, ConfigChange, Entry, Envelope, Membership, Message, Node, NodeEvent, NodeId, Op,
    Outbox, Persistent, ReadMode, RoleKind, Setup,
};

type Res<T> = Result<T, Box<dyn Error>>;

#[derive(Default)]
struct Harness {
    config: Config,
    nodes: Vec<Option<Node>>,
    disks: Vec<Persistent>,
    incarnation: Vec<u32>,
    queue: Vec<Envelope>,
    isolated: BTreeSet<NodeId>,
    now_us: u64,
    seq: u64,
    /// Servers 1..=initial form the cluster; the rest are spares, in no configuration yet.
    initial: u8,
}

fn fmt_entries(entries: &[Entry]) -> String {
    let items: Vec<String> = entries.iter().map(|e| format!("{}@{}", e.index, e.term)).collect();
    format!("[{}]", items.join(" "))
}

fn fmt_envelope(e: &Envelope) -> String {
    let body = match &e.body {
        Message::RequestVote { last_log_index, last_log_term, transfer } => {
            let t = if *transfer { " transfer" } else { "" };
            format!("RequestVote last={last_log_index}@{last_log_term}{t}")
        }
        Message::RequestVoteReply { granted } => format!("RequestVoteReply granted={granted}"),
        Message::PreVote { last_log_index, last_log_term } => format!("PreVote last={last_log_index}@{last_log_term}"),
        Message::PreVoteReply { granted } => format!("PreVoteReply granted={granted}"),
        Message::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit, read_round } => format!(
            "AppendEntries prev={prev_log_index}@{prev_log_term} entries={} commit={leader_commit} round={read_round}",
            fmt_entries(entries)
        ),
        Message::AppendEntriesReply { success, match_index, conflict_index, conflict_term, read_round } => {
            match (success, conflict_term) {
                (true, _) => format!("AppendEntriesReply ok match={match_index} round={read_round}"),
                (false, Some(t)) => {
                    format!("AppendEntriesReply refused conflict={conflict_index}@{t} round={read_round}")
                }
                (false, None) => format!("AppendEntriesReply refused conflict={conflict_index} round={read_round}"),
            }
        }
        Message::TimeoutNow => "TimeoutNow".to_string(),
        Message::InstallSnapshot { snapshot } => {
            format!("InstallSnapshot last={}@{} config={}", snapshot.index, snapshot.term, snapshot.membership)
        }
        Message::ReadIndex { ctx } => format!("ReadIndex ctx={ctx}"),
        Message::ReadIndexReply { ctx, index } => match index {
            Some(i) => format!("ReadIndexReply ctx={ctx} index={i}"),
            None => format!("ReadIndexReply ctx={ctx} refused"),
        },
    };
    format!("n{}@{} → n{} {body}", e.from, e.term, e.to)
}

impl Harness {
    fn size(&self) -> u8 {
        self.nodes.len() as u8
    }

    fn initial_membership(&self, id: NodeId) -> Membership {
        if id <= self.initial { Membership::initial(self.initial) } else { Membership::default() }
    }

    /// `change ID add=N | promote=N | remove=N | out=A/B in=C/D`: asks leader ID for a change.
    fn change(&mut self, cmd: &Command, out: &mut String) -> Res<()> {
        let id = Self::one_id(cmd)?;
        let mut args = cmd.consume_args();
        args.next_pos();
        let ids = |text: &str| -> Res<BTreeSet<NodeId>> {
            text.split(['/', ',']).filter(|s| !s.is_empty()).map(|s| Ok(s.parse()?)).collect()
        };
        let change = if let Some(n) = args.lookup_parse("add")? {
            ConfigChange::AddLearner(n)
        } else if let Some(n) = args.lookup_parse("promote")? {
            ConfigChange::Promote(n)
        } else if let Some(n) = args.lookup_parse("remove")? {
            ConfigChange::Remove(n)
        } else {
            let remove = ids(&args.lookup("out").map_or(String::new(), |a| a.value.clone()))?;
            let add = ids(&args.lookup("in").map_or(String::new(), |a| a.value.clone()))?;
            ConfigChange::Replace { remove, add }
        };
        args.reject_rest()?;
        if let Err(e) = self.on(id, out, |n, _, o| n.change_membership(change, o))? {
            writeln!(out, "refused: {e}")?;
        }
        Ok(())
    }

    fn rng(&self, id: NodeId) -> Prng {
        Prng::new(7, Stream::Node { id, incarnation: self.incarnation[usize::from(id) - 1] })
    }

    fn node(&mut self, id: NodeId) -> Res<&mut Node> {
        let slot = self.nodes.get_mut(usize::from(id).wrapping_sub(1)).ok_or(format!("no server n{id}"))?;
        slot.as_mut().ok_or_else(|| format!("n{id} is down").into())
    }

    /// Runs `f` on node `id` and prints what it produced; messages join the queue.
    fn on<R>(&mut self, id: NodeId, out: &mut String, f: impl FnOnce(&mut Node, u64, &mut Outbox) -> R) -> Res<R> {
        let now = self.now_us;
        let mut outbox = Outbox::default();
        let node = self.node(id)?;
        let result = f(node, now, &mut outbox);
        for event in &outbox.events {
            let line = match *event {
                NodeEvent::RoleChanged { role, term } => format!("n{id}@{term} is {}", role.name()),
                NodeEvent::Voted { candidate, term } => format!("n{id}@{term} votes for n{candidate}"),
                NodeEvent::Appended { first, last } => format!("n{id} appends {first}..={last}"),
                NodeEvent::Truncated { from, term } => format!("n{id} truncates from {from} (term {term})"),
                NodeEvent::Committed { index } => format!("n{id} commits {index}"),
                NodeEvent::Transfer { target, started: true } => format!("n{id} transfers leadership to n{target}"),
                NodeEvent::Transfer { target, started: false } => format!("n{id} abandons transfer to n{target}"),
                NodeEvent::MembershipChanged { index } => {
                    format!("n{id} configuration {} (entry {index})", node.membership().0)
                }
            };
            writeln!(out, "{line}")?;
        }
        for e in &outbox.apply {
            writeln!(out, "n{id} applies {}@{}", e.index, e.term)?;
        }
        if let Some(s) = &outbox.install {
            writeln!(out, "n{id} installs snapshot {}@{}", s.index, s.term)?;
        }
        for r in &outbox.reads {
            writeln!(out, "n{id} read ctx={} ready at index {}", r.ctx, r.index)?;
        }
        for m in &outbox.messages {
            writeln!(out, "{}", fmt_envelope(m))?;
        }
        self.queue.extend(outbox.messages);
        Ok(result)
    }

    fn ids(&self, cmd: &Command) -> Res<Vec<NodeId>> {
        let pos: Vec<NodeId> = cmd.args.iter().filter(|a| a.key.is_none()).map(|a| a.parse()).collect::<Res<_>>()?;
        Ok(if pos.is_empty() { (1..=self.size()).collect() } else { pos })
    }

    fn one_id(cmd: &Command) -> Res<NodeId> {
        cmd.args.iter().find(|a| a.key.is_none()).ok_or("a server id is needed")?.parse()
    }

    fn matches(cmd: &Command, e: &Envelope) -> Res<bool> {
        let mut args = cmd.consume_args();
        let from: Option<NodeId> = args.lookup_parse("from")?;
        let to: Option<NodeId> = args.lookup_parse("to")?;
        let kind = args.lookup("kind").map(|a| a.value.clone());
        Ok(from.is_none_or(|f| f == e.from)
            && to.is_none_or(|t| t == e.to)
            && kind.is_none_or(|k| e.body.kind().name() == k))
    }

    fn deliver(&mut self, cmd: &Command, out: &mut String) -> Res<usize> {
        let queued = std::mem::take(&mut self.queue);
        let mut chosen = Vec::new();
        for e in queued {
            if Self::matches(cmd, &e)? { chosen.push(e) } else { self.queue.push(e) }
        }
        let count = chosen.len();
        for env in chosen {
            let cut = self.isolated.contains(&env.from) || self.isolated.contains(&env.to);
            if cut || self.nodes[usize::from(env.to) - 1].is_none() {
                writeln!(out, "dropped: {}", fmt_envelope(&env))?;
                continue;
            }
            let to = env.to;
            if let Err(e) = self.on(to, out, |n, now, o| n.step(now, env, o))? {
                writeln!(out, "n{to} refuses: {e}")?;
            }
        }
        Ok(count)
    }

    fn status(&mut self, ids: &[NodeId], out: &mut String) -> Res<()> {
        for &id in ids {
            let Some(n) = &self.nodes[usize::from(id) - 1] else {
                writeln!(out, "n{id}: down")?;
                continue;
            };
            let terms: Vec<String> = n.log().entries().iter().map(|e| e.term.to_string()).collect();
            let vote = n.voted_for().map_or("-".to_string(), |v| format!("n{v}"));
            let (membership, at) = n.membership();
            let snap = match n.log().snapshot_index() {
                0 => String::new(),
                i => format!("snapshot={i}@{} ", n.log().snapshot_term()),
            };
            write!(
                out,
                "n{id}@{} {} vote={vote} {snap}log=[{}] commit={} applied={} config={membership}@{at}",
                n.term(),
                n.role_kind().name(),
                terms.join(" "),
                n.commit_index(),
                n.last_applied()
            )?;
            if let Some(p) = n.progress() {
                let rows: Vec<String> = p
                    .iter()
                    .map(|(peer, p)| format!("n{peer}:next={},match={}", p.next_index, p.match_index))
                    .collect();
                write!(out, " progress={{{}}}", rows.join(" "))?;
            }
            writeln!(out)?;
        }
        Ok(())
    }
}

fn parse_switch(value: &str) -> Res<bool> {
    match value {
        "on" | "true" => Ok(true),
        "off" | "false" => Ok(false),
        other => Err(format!("'{other}' is not on or off").into()),
    }
}

/// `I@T` pairs, comma separated.
fn parse_entries(text: &str) -> Res<Vec<Entry>> {
    text.split(['/', ','])
        .filter(|s| !s.is_empty())
        .map(|p| {
            let (i, t) = p.split_once('@').ok_or(format!("'{p}' is not index@term"))?;
            Ok(Entry { index: i.parse()?, term: t.parse()?, command: None, config: None })
        })
        .collect()
}

impl Harness {
    fn cluster(&mut self, cmd: &Command) -> Res<String> {
        let mut args = cmd.consume_args();
        let size: u8 = args.lookup_parse("nodes")?.ok_or("nodes=N is needed")?;
        let mut config = Config::default();
        if let Some(a) = args.lookup("prevote") {
            config.pre_vote = parse_switch(&a.value)?;
        }
        if let Some(a) = args.lookup("check-quorum") {
            config.check_quorum = parse_switch(&a.value)?;
        }
        if let Some(a) = args.lookup("reads") {
            config.read_mode = ReadMode::from_name(&a.value).ok_or("reads=log|read-index")?;
        }
        if let Some(a) = args.lookup("bug") {
            config.bugs = Bugs::none().with(Bug::from_name(&a.value).ok_or("unknown bug")?);
        }
        if let Some(m) = args.lookup_parse("max-entries")? {
            config.max_entries_per_append = m;
        }
        let spare: u8 = args.lookup_parse("spare")?.unwrap_or(0);
        args.reject_rest()?;
        let total = size + spare;
        *self = Harness { config, initial: size, incarnation: vec![0; usize::from(total)], ..Harness::default() };
        for id in 1..=total {
            let node = Node::new(id, self.initial_membership(id), config, Persistent::default(), 0, self.rng(id));
            self.nodes.push(Some(node));
            self.disks.push(Persistent::default());
        }
        Ok(String::new())
    }

    fn setup(&mut self, cmd: &Command) -> Res<String> {
        let id = Self::one_id(cmd)?;
        let mut args = cmd.consume_args();
        args.next_pos();
        let role = match args.lookup("role").map(|a| a.value.as_str()) {
            None | Some("follower") => RoleKind::Follower,
            Some("leader") => RoleKind::Leader,
            Some("candidate") => RoleKind::Candidate,
            Some("pre-candidate") => RoleKind::PreCandidate,
            Some(other) => return Err(format!("unknown role {other}").into()),
        };
        let log_terms = match args.lookup("log") {
            Some(a) => a.value.split(['/', ',']).filter(|s| !s.is_empty()).map(str::parse).collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        let setup = Setup {
            role: Some(role),
            term: args.lookup_parse("term")?.unwrap_or(0),
            voted_for: args.lookup_parse("vote")?,
            log_terms,
            commit_index: args.lookup_parse("commit")?.unwrap_or(0),
        };
        args.reject_rest()?;
        let node = Node::with_setup(id, self.initial, self.config, setup, self.now_us, self.rng(id))?;
        self.nodes[usize::from(id) - 1] = Some(node);
        let mut out = String::new();
        self.status(&[id], &mut out)?;
        Ok(out)
    }

    fn inject(&mut self, cmd: &Command, out: &mut String) -> Res<()> {
        let mut args = cmd.consume_args();
        let from: NodeId = args.lookup_parse("from")?.ok_or("from=ID")?;
        let to: NodeId = args.lookup_parse("to")?.ok_or("to=ID")?;
        let term: u64 = args.lookup_parse("term")?.ok_or("term=T")?;
        let at: Option<NodeId> = args.lookup_parse("at")?;
        let kind = args.next_pos().ok_or("a message kind")?.value.clone();
        let body = match kind.as_str() {
            "append" => {
                let prev = parse_entries(&args.lookup("prev").map_or("0@0".into(), |a| a.value.clone()))?;
                let prev = prev.first().ok_or("prev=I@T")?;
                let entries = parse_entries(&args.lookup("entries").map_or(String::new(), |a| a.value.clone()))?;
                let leader_commit = args.lookup_parse("commit")?.unwrap_or(0);
                Message::AppendEntries {
                    prev_log_index: prev.index,
                    prev_log_term: prev.term,
                    entries,
                    leader_commit,
                    read_round: 0,
                }
            }
            "vote" => {
                let last = parse_entries(&args.lookup("last").map_or("0@0".into(), |a| a.value.clone()))?;
                let last = last.first().ok_or("last=I@T")?;
                Message::RequestVote { last_log_index: last.index, last_log_term: last.term, transfer: false }
            }
            "refusal" => Message::AppendEntriesReply {
                success: false,
                match_index: 0,
                conflict_index: args.lookup_parse("conflict")?.unwrap_or(0),
                conflict_term: None,
                read_round: 0,
            },
            other => return Err(format!("inject knows append, vote and refusal, not {other}").into()),
        };
        args.reject_rest()?;
        let env = Envelope { from, to, term, body };
        writeln!(out, "inject {}", fmt_envelope(&env))?;
        // `at` hands it to another server than the addressed one: the module must refuse it.
        let receiver = at.unwrap_or(to);
        if let Err(e) = self.on(receiver, out, |n, now, o| n.step(now, env, o))? {
            writeln!(out, "n{receiver} refuses: {e}")?;
        }
        Ok(())
    }
}

impl Runner for Harness {
    fn run(&mut self, cmd: &Command) -> Res<String> {
        let mut out = String::new();
        match cmd.name.as_str() {
            "cluster" => return self.cluster(cmd),
            "setup" => return self.setup(cmd),
            "advance" => {
                let ms: u64 = cmd.consume_args().lookup_parse("ms")?.ok_or("ms=N")?;
                self.now_us += ms * 1000;
                writeln!(out, "now {} ms", self.now_us / 1000)?;
            }
            "tick" => {
                for id in self.ids(cmd)? {
                    if self.nodes[usize::from(id) - 1].is_some() {
                        self.on(id, &mut out, |n, now, o| n.tick(now, o))?;
                    }
                }
            }
            "timeout" => self.on(Self::one_id(cmd)?, &mut out, |n, now, o| n.timeout_now(now, o))?,
            "propose" => {
                self.seq += 1;
                let value: u32 = cmd.consume_args().lookup_parse("value")?.unwrap_or(self.seq as u32);
                let command = Cmd { client: 1, seq: self.seq, op: Op::Put { key: 0, value } };
                let r = self.on(Self::one_id(cmd)?, &mut out, |n, _, o| n.propose(command, o))?;
                if let Err(e) = r {
                    writeln!(out, "refused: {e:?}")?;
                }
            }
            "transfer" => {
                let to: NodeId = cmd.consume_args().lookup_parse("to")?.ok_or("to=ID")?;
                if let Err(e) = self.on(Self::one_id(cmd)?, &mut out, |n, now, o| n.transfer_leadership(now, to, o))? {
                    writeln!(out, "refused: {e}")?;
                }
            }
            "read" => {
                let ctx: u64 = cmd.consume_args().lookup_parse("ctx")?.ok_or("ctx=N")?;
                if let Err(e) = self.on(Self::one_id(cmd)?, &mut out, |n, _, o| n.read_index(ctx, o))? {
                    writeln!(out, "refused: {e:?}")?;
                }
            }
            "deliver" => {
                self.deliver(cmd, &mut out)?;
            }
            "stabilize" => {
                let mut all = cmd.clone();
                all.args.clear();
                for _ in 0..1000 {
                    if self.deliver(&all, &mut out)? == 0 {
                        break;
                    }
                }
            }
            "drop" => {
                let queued = std::mem::take(&mut self.queue);
                for e in queued {
                    if Self::matches(cmd, &e)? {
                        writeln!(out, "dropped: {}", fmt_envelope(&e))?;
                    } else {
                        self.queue.push(e);
                    }
                }
            }
            "isolate" => {
                self.isolated.insert(Self::one_id(cmd)?);
            }
            "heal" => self.isolated.clear(),
            "crash" => {
                let id = Self::one_id(cmd)?;
                let node = self.nodes[usize::from(id) - 1].take().ok_or("already down")?;
                self.disks[usize::from(id) - 1] = node.into_persistent();
                writeln!(out, "n{id} crashes")?;
            }
            "restart" => {
                let id = Self::one_id(cmd)?;
                let slot = usize::from(id) - 1;
                self.incarnation[slot] += 1;
                let disk = std::mem::take(&mut self.disks[slot]);
                let initial = self.initial_membership(id);
                self.nodes[slot] = Some(Node::new(id, initial, self.config, disk, self.now_us, self.rng(id)));
                self.status(&[id], &mut out)?;
            }
            "inject" => self.inject(cmd, &mut out)?,
            "change" => self.change(cmd, &mut out)?,
            "snapshot" => {
                let id = Self::one_id(cmd)?;
                let node = self.node(id)?;
                let applied = node.last_applied();
                node.compact(applied, std::sync::Arc::new(Vec::new()));
                self.status(&[id], &mut out)?;
            }
            "status" => {
                let ids = self.ids(cmd)?;
                self.status(&ids, &mut out)?;
            }
            other => return Err(format!("unknown command {other}").into()),
        }
        Ok(out)
    }
}

fn run_script(name: &str) {
    let path = format!("{}/tests/scripts/{name}", env!("CARGO_MANIFEST_DIR"));
    goldenscript::run(&mut Harness::default(), &path).unwrap_or_else(|e| panic!("{path}: {e}"));
}

macro_rules! scripts {
    ($($test:ident => $file:literal),* $(,)?) => {
        $(#[test] fn $test() { run_script($file); })*
    };
}

scripts! {
    election => "election.txt",
    replication => "replication.txt",
    figure8_commit_rule => "commit_rule.txt",
    restart => "restart.txt",
    stale_terms => "stale_terms.txt",
    bad_input => "bad_input.txt",
    prevote_9_6 => "prevote.txt",
    check_quorum_6_2 => "check_quorum.txt",
    transfer_3_10 => "transfer.txt",
    read_index_6_4 => "read_index.txt",
    membership_4 => "membership.txt",
    snapshot_7 => "snapshot.txt",
}

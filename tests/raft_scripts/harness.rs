//! The harness behind the golden scripts: a cluster of `Node`s, a queue of messages that only
//! commands deliver, and one handler per command. Every handler takes its arguments with
//! goldenscript's consumer and refuses whatever is left, so a misspelt argument fails the
//! script instead of being ignored.

use std::collections::BTreeSet;
use std::error::Error;
use std::fmt::Write as _;

use goldenscript::{ArgumentConsumer, Command, Context, Runner};
use raft_playground::prng::{Prng, Stream};
use raft_playground::raft::{
    Bug, Bugs, Command as Cmd, Config, ConfigChange, Entry, Envelope, Kind as MessageKind, Membership, Message, Node,
    NodeEvent, NodeId, NodeSet, Op, Outbox, Persistent, ReadMode, RoleKind, Setup,
};

type Res<T> = Result<T, Box<dyn Error>>;

/// `stabilize` delivers rounds of messages until none is left; a script that is still
/// exchanging messages after this many rounds is livelocked, and the command fails.
const STABILIZE_ROUNDS: usize = 1000;

#[derive(Default)]
pub struct Harness {
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

/// A command's arguments, taken one by one; `done` refuses any left over (goldenscript's
/// `reject_next`), before the command acts.
struct Args<'a>(ArgumentConsumer<'a>);

impl<'a> Args<'a> {
    fn of(cmd: &'a Command) -> Args<'a> {
        Args(cmd.consume_args())
    }

    fn key(&mut self, key: &str) -> Option<&'a str> {
        self.0.take_key(key)
    }

    fn parse<T: std::str::FromStr>(&mut self, key: &str) -> Res<Option<T>>
    where
        T::Err: Error + 'static,
    {
        let Some(value) = self.0.take_key(key) else { return Ok(None) };
        value.parse().map(Some).map_err(|e| format!("{key}={value}: {e}").into())
    }

    fn need<T: std::str::FromStr>(&mut self, key: &str) -> Res<T>
    where
        T::Err: Error + 'static,
    {
        self.parse(key)?.ok_or_else(|| format!("{key}=… is needed").into())
    }

    fn switch(&mut self, key: &str) -> Res<Option<bool>> {
        match self.0.take_key(key) {
            None => Ok(None),
            Some("on" | "true") => Ok(Some(true)),
            Some("off" | "false") => Ok(Some(false)),
            Some(other) => Err(format!("{key}={other}: not on or off").into()),
        }
    }

    /// Every positional argument, as server ids.
    fn ids(&mut self) -> Res<Vec<NodeId>> {
        std::iter::from_fn(|| self.0.next_pos()).map(parse_id).collect()
    }

    fn one_id(&mut self) -> Res<NodeId> {
        parse_id(self.0.next_pos().ok_or("a server id is needed")?)
    }

    fn done(self) -> Res<()> {
        self.0.reject_next()
    }
}

fn parse_id(text: &str) -> Res<NodeId> {
    text.parse().map_err(|e| format!("server '{text}': {e}").into())
}

/// Which queued messages `deliver` and `drop` take: `from=ID`, `to=ID`, `kind=NAME`.
struct Filter {
    from: Option<NodeId>,
    to: Option<NodeId>,
    kind: Option<MessageKind>,
}

impl Filter {
    const ALL: Filter = Filter { from: None, to: None, kind: None };

    fn take(args: &mut Args) -> Res<Filter> {
        let kind = match args.key("kind") {
            Some(name) => Some(MessageKind::from_name(name).ok_or(format!("kind={name}: no such message kind"))?),
            None => None,
        };
        Ok(Filter { from: args.parse("from")?, to: args.parse("to")?, kind })
    }

    fn matches(&self, e: &Envelope) -> bool {
        self.from.is_none_or(|f| f == e.from)
            && self.to.is_none_or(|t| t == e.to)
            && self.kind.is_none_or(|k| e.body.kind() == k)
    }
}

impl Harness {
    fn size(&self) -> u8 {
        self.nodes.len() as u8
    }

    fn initial_membership(&self, id: NodeId) -> Membership {
        if id <= self.initial { Membership::initial(self.initial) } else { Membership::default() }
    }

    fn rng(&self, id: NodeId) -> Prng {
        Prng::new(7, Stream::Node { id, incarnation: self.incarnation[usize::from(id) - 1] })
    }

    fn slot(&self, id: NodeId) -> Res<usize> {
        let slot = usize::from(id).wrapping_sub(1);
        if slot < self.nodes.len() { Ok(slot) } else { Err(format!("no server n{id}").into()) }
    }

    fn node(&mut self, id: NodeId) -> Res<&mut Node> {
        let slot = self.slot(id)?;
        self.nodes[slot].as_mut().ok_or_else(|| format!("n{id} is down").into())
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

    /// Delivers every queued message `filter` takes, in the order they were sent; returns how
    /// many it took.
    fn deliver(&mut self, filter: &Filter, out: &mut String) -> Res<usize> {
        let (chosen, kept) = std::mem::take(&mut self.queue).into_iter().partition(|e| filter.matches(e));
        self.queue = kept;
        let chosen: Vec<Envelope> = chosen;
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

    /// Delivers rounds until the queue is empty; fails if it is not after `STABILIZE_ROUNDS`.
    fn stabilize(&mut self, out: &mut String) -> Res<()> {
        for _ in 0..STABILIZE_ROUNDS {
            if self.deliver(&Filter::ALL, out)? == 0 {
                return Ok(());
            }
        }
        Err(format!("still {} messages queued after {STABILIZE_ROUNDS} rounds", self.queue.len()).into())
    }

    fn drop_matching(&mut self, filter: &Filter, out: &mut String) -> Res<()> {
        let (dropped, kept): (Vec<Envelope>, _) =
            std::mem::take(&mut self.queue).into_iter().partition(|e| filter.matches(e));
        self.queue = kept;
        for e in dropped {
            writeln!(out, "dropped: {}", fmt_envelope(&e))?;
        }
        Ok(())
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
                    .map(|(peer, p)| format!("n{peer}:next={},match={}", p.next_index(), p.match_index()))
                    .collect();
                write!(out, " progress={{{}}}", rows.join(" "))?;
            }
            writeln!(out)?;
        }
        Ok(())
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

/// The commands: each parses all its arguments, refuses the rest, then acts.
impl Harness {
    fn cluster(&mut self, mut args: Args) -> Res<String> {
        let size: u8 = args.need("nodes")?;
        let mut config = Config::default();
        if let Some(on) = args.switch("prevote")? {
            config.pre_vote = on;
        }
        if let Some(on) = args.switch("check-quorum")? {
            config.check_quorum = on;
        }
        if let Some(name) = args.key("reads") {
            config.read_mode = ReadMode::from_name(name).ok_or(format!("reads={name}: log or read-index"))?;
        }
        if let Some(name) = args.key("bug") {
            config.bugs = Bugs::none().with(Bug::from_name(name).ok_or(format!("bug={name}: no such bug"))?);
        }
        if let Some(m) = args.parse("max-entries")? {
            config.max_entries_per_append = m;
        }
        let spare: u8 = args.parse("spare")?.unwrap_or(0);
        args.done()?;
        let total = size + spare;
        *self = Harness { config, initial: size, incarnation: vec![0; usize::from(total)], ..Harness::default() };
        for id in 1..=total {
            let node = Node::new(id, self.initial_membership(id), config, Persistent::default(), 0, self.rng(id));
            self.nodes.push(Some(node));
            self.disks.push(Persistent::default());
        }
        Ok(String::new())
    }

    fn setup(&mut self, mut args: Args) -> Res<String> {
        let id = args.one_id()?;
        let role = match args.key("role") {
            None | Some("follower") => RoleKind::Follower,
            Some("leader") => RoleKind::Leader,
            Some("candidate") => RoleKind::Candidate,
            Some("pre-candidate") => RoleKind::PreCandidate,
            Some(other) => return Err(format!("role={other}: no such role").into()),
        };
        let log_terms = match args.key("log") {
            Some(text) => text.split(['/', ',']).filter(|s| !s.is_empty()).map(str::parse).collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        let setup = Setup {
            role: Some(role),
            term: args.parse("term")?.unwrap_or(0),
            voted_for: args.parse("vote")?,
            log_terms,
            commit_index: args.parse("commit")?.unwrap_or(0),
        };
        args.done()?;
        let slot = self.slot(id)?;
        self.nodes[slot] = Some(Node::with_setup(id, self.initial, self.config, setup, self.now_us, self.rng(id))?);
        let mut out = String::new();
        self.status(&[id], &mut out)?;
        Ok(out)
    }

    /// `change ID add=N | promote=N | remove=N | out=A/B in=C/D`: asks leader ID for a change.
    fn change(&mut self, mut args: Args, out: &mut String) -> Res<()> {
        let id = args.one_id()?;
        let ids = |text: Option<&str>| -> Res<NodeSet> {
            text.unwrap_or("").split(['/', ',']).filter(|s| !s.is_empty()).map(|s| Ok(s.parse()?)).collect()
        };
        let change = if let Some(n) = args.parse("add")? {
            ConfigChange::AddLearner(n)
        } else if let Some(n) = args.parse("promote")? {
            ConfigChange::Promote(n)
        } else if let Some(n) = args.parse("remove")? {
            ConfigChange::Remove(n)
        } else {
            ConfigChange::Replace { remove: ids(args.key("out"))?, add: ids(args.key("in"))? }
        };
        args.done()?;
        if let Err(e) = self.on(id, out, |n, _, o| n.change_membership(change, o))? {
            writeln!(out, "refused: {e}")?;
        }
        Ok(())
    }

    fn inject(&mut self, mut args: Args, out: &mut String) -> Res<()> {
        let from: NodeId = args.need("from")?;
        let to: NodeId = args.need("to")?;
        let term: u64 = args.need("term")?;
        let at: Option<NodeId> = args.parse("at")?;
        let one = |text: &str, what: &str| -> Res<Entry> {
            parse_entries(text)?.into_iter().next().ok_or_else(|| format!("{what}=I@T").into())
        };
        let body = match args.0.next_pos().ok_or("a message kind: append, vote or refusal")? {
            "append" => {
                let prev = one(args.key("prev").unwrap_or("0@0"), "prev")?;
                Message::AppendEntries {
                    prev_log_index: prev.index,
                    prev_log_term: prev.term,
                    entries: parse_entries(args.key("entries").unwrap_or(""))?,
                    leader_commit: args.parse("commit")?.unwrap_or(0),
                    read_round: 0,
                }
            }
            "vote" => {
                let last = one(args.key("last").unwrap_or("0@0"), "last")?;
                Message::RequestVote { last_log_index: last.index, last_log_term: last.term, transfer: false }
            }
            "refusal" => Message::AppendEntriesReply {
                success: false,
                match_index: 0,
                conflict_index: args.parse("conflict")?.unwrap_or(0),
                conflict_term: None,
                read_round: 0,
            },
            other => return Err(format!("inject knows append, vote and refusal, not {other}").into()),
        };
        args.done()?;
        let env = Envelope { from, to, term, body };
        writeln!(out, "inject {}", fmt_envelope(&env))?;
        // `at` hands it to another server than the addressed one: the module must refuse it.
        let receiver = at.unwrap_or(to);
        if let Err(e) = self.on(receiver, out, |n, now, o| n.step(now, env, o))? {
            writeln!(out, "n{receiver} refuses: {e}")?;
        }
        Ok(())
    }

    fn crash(&mut self, id: NodeId, out: &mut String) -> Res<()> {
        let slot = self.slot(id)?;
        let node = self.nodes[slot].take().ok_or(format!("n{id} is down already"))?;
        self.disks[slot] = node.into_persistent();
        writeln!(out, "n{id} crashes")?;
        Ok(())
    }

    fn restart(&mut self, id: NodeId, out: &mut String) -> Res<()> {
        let slot = self.slot(id)?;
        if self.nodes[slot].is_some() {
            return Err(format!("n{id} is running").into());
        }
        self.incarnation[slot] += 1;
        let disk = std::mem::take(&mut self.disks[slot]);
        let initial = self.initial_membership(id);
        self.nodes[slot] = Some(Node::new(id, initial, self.config, disk, self.now_us, self.rng(id)));
        self.status(&[id], out)
    }

    /// The commands that act on one server or none.
    fn act(&mut self, name: &str, mut args: Args, out: &mut String) -> Res<()> {
        match name {
            "advance" => {
                let ms: u64 = args.need("ms")?;
                args.done()?;
                self.now_us += ms * 1000;
                writeln!(out, "now {} ms", self.now_us / 1000)?;
            }
            "timeout" => {
                let id = args.one_id()?;
                args.done()?;
                self.on(id, out, |n, now, o| n.timeout_now(now, o))?;
            }
            "propose" => {
                let id = args.one_id()?;
                let value: Option<u32> = args.parse("value")?;
                args.done()?;
                self.seq += 1;
                let command =
                    Cmd { client: 1, seq: self.seq, op: Op::Put { key: 0, value: value.unwrap_or(self.seq as u32) } };
                if let Err(e) = self.on(id, out, |n, _, o| n.propose(command, o))? {
                    writeln!(out, "refused: {e:?}")?;
                }
            }
            "transfer" => {
                let id = args.one_id()?;
                let to: NodeId = args.need("to")?;
                args.done()?;
                if let Err(e) = self.on(id, out, |n, now, o| n.transfer_leadership(now, to, o))? {
                    writeln!(out, "refused: {e}")?;
                }
            }
            "read" => {
                let id = args.one_id()?;
                let ctx: u64 = args.need("ctx")?;
                args.done()?;
                if let Err(e) = self.on(id, out, |n, _, o| n.read_index(ctx, o))? {
                    writeln!(out, "refused: {e:?}")?;
                }
            }
            "snapshot" => {
                let id = args.one_id()?;
                args.done()?;
                let node = self.node(id)?;
                let applied = node.last_applied();
                node.compact(applied, std::sync::Arc::new(Vec::new()));
                self.status(&[id], out)?;
            }
            _ => self.act_on_cluster(name, args, out)?,
        }
        Ok(())
    }

    /// The commands that act on several servers, the network or the message queue.
    fn act_on_cluster(&mut self, name: &str, mut args: Args, out: &mut String) -> Res<()> {
        match name {
            "tick" | "status" => {
                let ids = args.ids()?;
                args.done()?;
                let ids = if ids.is_empty() { (1..=self.size()).collect() } else { ids };
                if name == "status" {
                    return self.status(&ids, out);
                }
                for id in ids {
                    if self.nodes[self.slot(id)?].is_some() {
                        self.on(id, out, |n, now, o| n.tick(now, o))?;
                    }
                }
            }
            "deliver" | "drop" => {
                let filter = Filter::take(&mut args)?;
                args.done()?;
                if name == "deliver" {
                    self.deliver(&filter, out)?;
                } else {
                    self.drop_matching(&filter, out)?;
                }
            }
            "stabilize" | "heal" => {
                args.done()?;
                if name == "heal" {
                    self.isolated.clear();
                } else {
                    self.stabilize(out)?;
                }
            }
            "isolate" | "crash" | "restart" => {
                let id = args.one_id()?;
                args.done()?;
                match name {
                    "isolate" => drop(self.isolated.insert(id)),
                    "crash" => self.crash(id, out)?,
                    _ => self.restart(id, out)?,
                }
            }
            other => return Err(format!("unknown command {other}").into()),
        }
        Ok(())
    }
}

impl Runner for Harness {
    type Command = Command;

    fn run(&mut self, cmd: &Command, _: &Context) -> Res<String> {
        let args = Args::of(cmd);
        let mut out = String::new();
        match cmd.name.as_str() {
            "cluster" => return self.cluster(args),
            "setup" => return self.setup(args),
            "inject" => self.inject(args, &mut out)?,
            "change" => self.change(args, &mut out)?,
            name => self.act(name, args, &mut out)?,
        }
        Ok(out)
    }
}

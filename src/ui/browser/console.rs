//! `window.raftPlayground`: the same actions as the UI for people (and tests) scripting the
//! page from the developer tools, and a plain-object snapshot of the state. The closures are
//! owned by `ConsoleApi` and removed from `window` when it is dropped.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Object, Reflect};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use yew::Callback;

use crate::raft::NodeId;
use crate::scenario::compare::Switch;
use crate::sim::network::Endpoint;
use crate::sim::{Intervention, Invariant};
use crate::ui::core::model::Model;
use crate::ui::core::state::Action;
use crate::ui::diagram;
use crate::ui::shell::keymap::CONSOLE_ACTIONS;

pub const GLOBAL_NAME: &str = "raftPlayground";

/// The comparison's switch and second run, kept current by the app for `snapshot()`.
pub type CompareSlot = Rc<RefCell<Option<(Switch, Rc<RefCell<Model>>)>>>;

pub struct ConsoleApi {
    _closures: Vec<Closure<dyn Fn(JsValue, JsValue) -> JsValue>>,
}

impl Drop for ConsoleApi {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            let _ = Reflect::delete_property(&w, &JsValue::from_str(GLOBAL_NAME));
        }
    }
}

/// An array of whole numbers 0–255 (at most 64 of them), or `None`.
fn small_numbers(v: &JsValue) -> Option<Vec<u8>> {
    let array = v.dyn_ref::<js_sys::Array>().filter(|a| a.length() <= 64)?;
    let byte = |x: JsValue| x.as_f64().filter(|n| n.fract() == 0.0 && (0.0..=255.0).contains(n)).map(|n| n as u8);
    array.iter().map(byte).collect()
}

/// A number as JavaScript prints it (Rust's float formatting would add to the download).
fn shown(n: f64) -> String {
    js_sys::Number::from(n).to_string_with_radix(10).map(String::from).unwrap_or_default()
}

fn node_arg(v: &JsValue) -> Result<NodeId, String> {
    let n = v.as_f64().ok_or("expected a server id (a number from 1)")?;
    if n.fract() != 0.0 || !(1.0..=15.0).contains(&n) {
        return Err(format!("server id must be a whole number from 1 to 15, got {}", shown(n)));
    }
    Ok(n as NodeId)
}

fn number_arg(v: &JsValue, what: &str) -> Result<f64, String> {
    v.as_f64().filter(|x| x.is_finite()).ok_or_else(|| format!("{what} must be a number"))
}

/// Turns a console call into an action, or a specific error for a bad argument.
fn action_for(name: &str, a: &JsValue, b: &JsValue) -> Result<Action, String> {
    Ok(match name {
        "crash" => Action::Act(Intervention::Crash(node_arg(a)?)),
        "restart" => Action::Act(Intervention::Restart(node_arg(a)?)),
        "timeout" => Action::Act(Intervention::Timeout(node_arg(a)?)),
        "isolate" => Action::Act(Intervention::Isolate(node_arg(a)?)),
        "rejoin" => Action::Act(Intervention::Rejoin(node_arg(a)?)),
        "heal" => Action::Act(Intervention::Heal),
        "transfer" => Action::Transfer(node_arg(a)?),
        "addServer" => Action::AddServer,
        "removeServer" => Action::Act(Intervention::RemoveServer(node_arg(a)?)),
        "replace" => {
            let remove = small_numbers(a)
                .ok_or("replace takes an array of server ids to remove and a count to add, like [1, 2], 2")?;
            let add = number_arg(b, "the number of servers to add")?;
            if add.fract() != 0.0 || !(0.0..=15.0).contains(&add) {
                return Err(format!("replace adds 0 to 15 servers, got {}", shown(add)));
            }
            Action::Act(Intervention::Replace { remove, add: add as u8 })
        }
        "dropMessage" => Action::Act(Intervention::DropMessage(number_arg(a, "message id")? as u64)),
        "request" if a.is_undefined() || a.is_null() => Action::Request(None),
        "request" => Action::Request(Some(node_arg(a)?)),
        "partition" => {
            let groups =
                small_numbers(a).ok_or("partition takes an array with a group number per server, like [0,0,1,1,1]")?;
            Action::Act(Intervention::Partition(groups))
        }
        "compare" => {
            let name = a.as_string().ok_or("compare takes a switch's name, like \"prevote\"")?;
            Action::Compare(Switch::from_name(&name).ok_or_else(|| {
                format!("no switch '{name}': prevote, check-quorum, read-index, aligned-timers or a bug's name")
            })?)
        }
        "closeCompare" => Action::CloseCompare,
        "pause" => Action::SetPaused(true),
        "play" => Action::SetPaused(false),
        "step" => Action::Step,
        "setSpeed" => Action::SetSpeed(number_arg(a, "speed")?),
        "reset" => Action::Reset(number_arg(a, "seed").unwrap_or(1.0) as u64),
        "openTrace" => {
            let text = a
                .as_string()
                .ok_or("openTrace takes the trace's text (JSON Lines), like openTrace(await file.text())")?;
            Action::OpenTrace("console".into(), text.into())
        }
        "closeTrace" => Action::CloseTrace,
        "preset" => {
            Action::LoadPreset(a.as_string().ok_or("preset takes a name")?, number_arg(b, "seed").unwrap_or(1.0) as u64)
        }
        other => return Err(format!("unknown action {other}")),
    })
}

impl ConsoleApi {
    /// Installs `window.raftPlayground`. `seek(ms)` and `advance(ms)` run the simulation
    /// directly (to a time, or by a duration) and pause, so scripts need not wait for frames.
    pub fn install(
        model: Rc<RefCell<Model>>,
        slot: CompareSlot,
        dispatch: Callback<Action>,
    ) -> Result<ConsoleApi, JsValue> {
        let api = Object::new();
        let mut closures = Vec::new();
        for name in CONSOLE_ACTIONS {
            let (model, dispatch) = (model.clone(), dispatch.clone());
            let f = Closure::<dyn Fn(JsValue, JsValue) -> JsValue>::new(move |a: JsValue, b: JsValue| {
                let result = match name {
                    "seek" | "advance" => run_to(&model, name, &a).map(|_| dispatch.emit(Action::Refresh)),
                    _ => action_for(name, &a, &b).map(|action| dispatch.emit(action)),
                };
                match result {
                    Ok(()) => JsValue::TRUE,
                    Err(e) => JsValue::from(js_sys::Error::new(&e)),
                }
            });
            Reflect::set(&api, &JsValue::from_str(name), f.as_ref())?;
            closures.push(f);
        }
        let link_model = model.clone();
        let link = Closure::<dyn Fn(JsValue, JsValue) -> JsValue>::new(move |_: JsValue, _: JsValue| {
            JsValue::from_str(&format!("#{}", link_model.borrow().link()))
        });
        Reflect::set(&api, &JsValue::from_str("link"), link.as_ref())?;
        closures.push(link);
        let snap_model = model.clone();
        let snapshot = Closure::<dyn Fn(JsValue, JsValue) -> JsValue>::new(move |_: JsValue, _: JsValue| {
            let a = snap_model.borrow();
            let compare = slot.borrow().as_ref().map(|(switch, other)| {
                let b = other.borrow();
                let [label_a, label_b] = crate::ui::compare::side_labels(&a, *switch);
                object(&[
                    ("switch", switch.name().into()),
                    ("labels", array([label_a, label_b].into_iter().map(JsValue::from))),
                    ("divergenceUs", optional(crate::ui::compare::divergence(&a, &b))),
                    ("other", snapshot(&b, JsValue::NULL)),
                ])
            });
            snapshot(&a, compare.unwrap_or(JsValue::NULL))
        });
        Reflect::set(&api, &JsValue::from_str("snapshot"), snapshot.as_ref())?;
        closures.push(snapshot);
        let messages_model = model.clone();
        let messages = Closure::<dyn Fn(JsValue, JsValue) -> JsValue>::new(move |a: JsValue, b: JsValue| {
            window_records(&messages_model.borrow(), &a, &b).unwrap_or_else(|e| js_sys::Error::new(&e).into())
        });
        Reflect::set(&api, &JsValue::from_str("messages"), messages.as_ref())?;
        closures.push(messages);
        let window = web_sys::window().ok_or("no window")?;
        Reflect::set(&window, &JsValue::from_str(GLOBAL_NAME), &api)?;
        Ok(ConsoleApi { _closures: closures })
    }
}

fn run_to(model: &Rc<RefCell<Model>>, name: &str, a: &JsValue) -> Result<(), String> {
    let ms = number_arg(a, "time in milliseconds")?;
    if ms < 0.0 {
        return Err("time must not be negative".into());
    }
    let mut m = model.borrow_mut();
    let target = if name == "advance" { m.now_us() + (ms * 1000.0) as u64 } else { (ms * 1000.0) as u64 };
    m.seek(target)
}

/// Every message sent between two simulated times (milliseconds), as far back as the page's
/// trace reaches: the same records the space-time diagram draws. Each is
/// `{id, kind, from, to, sentAtUs}` with `deliverAtUs` if it arrived (or is due) and
/// `droppedAtUs` if it was lost.
fn window_records(m: &Model, a: &JsValue, b: &JsValue) -> Result<JsValue, String> {
    let from_ms = number_arg(a, "from (simulated milliseconds)")?;
    let to_ms = number_arg(b, "to (simulated milliseconds)")?;
    if from_ms < 0.0 || to_ms < from_ms {
        return Err("messages(fromMs, toMs) needs 0 <= fromMs <= toMs".into());
    }
    let records = diagram::messages_between(m, (from_ms * 1000.0) as u64, (to_ms * 1000.0) as u64);
    Ok(array(records.iter().map(|r| {
        let (deliver_at_us, dropped_at_us) = diagram::ends(r);
        let mut fields = vec![
            ("id", number(r.id)),
            ("kind", r.kind.into()),
            ("from", diagram::endpoint_attr(r.from).into()),
            ("to", diagram::endpoint_attr(r.to).into()),
            ("sentAtUs", number(r.sent_at_us)),
        ];
        fields.extend(deliver_at_us.map(|t| ("deliverAtUs", number(t))));
        fields.extend(dropped_at_us.map(|t| ("droppedAtUs", number(t))));
        object(&fields)
    })))
}

/// The console's replies are plain objects written out here: serde's serializer for four
/// structs cost 2.4 KB of the gzipped download.
fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (name, value) in fields {
        // Setting a property of a fresh plain object cannot fail.
        let _ = Reflect::set(&o, &JsValue::from_str(name), value);
    }
    o.into()
}

fn array(items: impl Iterator<Item = JsValue>) -> JsValue {
    items.collect::<js_sys::Array>().into()
}

/// A number, exact up to 2^53 (times, indexes, terms); a BigInt beyond (a link's seed may be).
fn number(v: u64) -> JsValue {
    if v <= 1 << 53 { JsValue::from_f64(v as f64) } else { JsValue::from(v) }
}

fn optional(v: Option<u64>) -> JsValue {
    v.map_or(JsValue::UNDEFINED, number)
}

/// `{simTimeUs, paused, speed, seed, traceHash, leader, servers, messages, violations,
/// clientOps, clientOpsAnswered}`.
fn snapshot(m: &Model, compare: JsValue) -> JsValue {
    let ep = |e: Endpoint| match e {
        Endpoint::Node(n) => format!("n{n}"),
        Endpoint::Client(c) => format!("c{c}"),
    };
    let servers = m.world.servers().iter().map(|s| {
        let node = s.node.as_ref();
        object(&[
            ("id", number(u64::from(s.id))),
            ("up", s.is_up().into()),
            ("role", node.map_or("down", |n| n.role_kind().name()).into()),
            ("term", number(s.persistent().current_term)),
            ("votedFor", optional(s.persistent().voted_for.map(u64::from))),
            ("commitIndex", number(node.map_or(0, |n| n.commit_index()))),
            ("lastApplied", number(node.map_or(0, |n| n.last_applied()))),
            ("lastIndex", number(s.log().last_index())),
            ("logTerms", array(s.log().entries().iter().map(|e| number(e.term)))),
        ])
    });
    let messages = m.world.network().in_flight().map(|p| {
        object(&[
            ("id", number(p.id)),
            ("kind", p.payload.kind().name().into()),
            ("from", ep(p.from).into()),
            ("to", ep(p.to).into()),
            ("sentAtUs", number(p.sent_at_us)),
            ("deliverAtUs", number(p.deliver_at_us)),
        ])
    });
    let checker = m.world.checker();
    let shown = m.shown_violation().filter(|v| v.invariant == Invariant::Linearizability);
    let violations = checker
        .violations()
        .iter()
        .chain(shown)
        .map(|v| JsValue::from(format!("{}: {}", v.invariant.name(), v.detail)));
    let history = m.world.history();
    object(&[
        ("simTimeUs", number(m.now_us())),
        ("paused", m.paused.into()),
        ("speed", m.speed.into()),
        ("seed", number(m.world.config().seed)),
        ("traceHash", m.world.trace().hash_hex().into()),
        ("leader", optional(m.world.leader().map(u64::from))),
        ("leadersElected", number(m.world.stats().leaders_elected)),
        ("compare", compare),
        ("servers", array(servers)),
        ("messages", array(messages)),
        ("violations", array(violations)),
        ("clientOps", number(history.len() as u64)),
        ("clientOpsAnswered", number(history.iter().filter(|h| h.returned.is_some()).count() as u64)),
    ])
}

//! `window.raftPlayground`: the same actions as the UI for people (and tests) scripting the
//! page from the developer tools, and a plain-object snapshot of the state. The closures are
//! owned by `ConsoleApi` and removed from `window` when it is dropped.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Object, Reflect};
use serde::Serialize;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use yew::Callback;

use super::diagram;
use super::model::Model;
use super::state::Action;
use crate::raft::NodeId;
use crate::sim::network::Endpoint;
use crate::sim::{Intervention, Invariant};

pub const GLOBAL_NAME: &str = "raftPlayground";

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
        "pause" => Action::SetPaused(true),
        "play" => Action::SetPaused(false),
        "step" => Action::Step,
        "setSpeed" => Action::SetSpeed(number_arg(a, "speed")?),
        "reset" => Action::Reset(number_arg(a, "seed").unwrap_or(1.0) as u64),
        "preset" => {
            Action::LoadPreset(a.as_string().ok_or("preset takes a name")?, number_arg(b, "seed").unwrap_or(1.0) as u64)
        }
        other => return Err(format!("unknown action {other}")),
    })
}

pub const ACTIONS: [&str; 22] = [
    "crash",
    "transfer",
    "addServer",
    "removeServer",
    "replace",
    "restart",
    "timeout",
    "isolate",
    "rejoin",
    "heal",
    "dropMessage",
    "request",
    "partition",
    "pause",
    "play",
    "step",
    "setSpeed",
    "reset",
    "preset",
    "open",
    "seek",
    "advance",
];

impl ConsoleApi {
    /// Installs `window.raftPlayground`. `seek(ms)` and `advance(ms)` run the simulation
    /// directly (to a time, or by a duration) and pause, so scripts need not wait for frames.
    pub fn install(model: Rc<RefCell<Model>>, dispatch: Callback<Action>) -> Result<ConsoleApi, JsValue> {
        let api = Object::new();
        let mut closures = Vec::new();
        for name in ACTIONS {
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
            serde_wasm_bindgen::to_value(&snapshot(&snap_model.borrow())).unwrap_or(JsValue::NULL)
        });
        Reflect::set(&api, &JsValue::from_str("snapshot"), snapshot.as_ref())?;
        closures.push(snapshot);
        let messages_model = model.clone();
        let messages = Closure::<dyn Fn(JsValue, JsValue) -> JsValue>::new(move |a: JsValue, b: JsValue| {
            match window_records(&messages_model.borrow(), &a, &b) {
                Ok(records) => serde_wasm_bindgen::to_value(&records).unwrap_or(JsValue::NULL),
                Err(e) => JsValue::from(js_sys::Error::new(&e)),
            }
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

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServerSnap {
    id: NodeId,
    up: bool,
    role: &'static str,
    term: u64,
    voted_for: Option<NodeId>,
    commit_index: u64,
    last_applied: u64,
    last_index: u64,
    log_terms: Vec<u64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MessageSnap {
    id: u64,
    kind: &'static str,
    from: String,
    to: String,
    sent_at_us: u64,
    deliver_at_us: u64,
}

/// One message of `messages(fromMs, toMs)`: delivered (or due) or lost.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MessageRecordSnap {
    id: u64,
    kind: &'static str,
    from: String,
    to: String,
    sent_at_us: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    deliver_at_us: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dropped_at_us: Option<u64>,
}

/// Every message sent between two simulated times (milliseconds), as far back as the page's
/// trace reaches: the same records the space-time diagram draws.
fn window_records(m: &Model, a: &JsValue, b: &JsValue) -> Result<Vec<MessageRecordSnap>, String> {
    let from_ms = number_arg(a, "from (simulated milliseconds)")?;
    let to_ms = number_arg(b, "to (simulated milliseconds)")?;
    if from_ms < 0.0 || to_ms < from_ms {
        return Err("messages(fromMs, toMs) needs 0 <= fromMs <= toMs".into());
    }
    let records = diagram::messages_between(m, (from_ms * 1000.0) as u64, (to_ms * 1000.0) as u64);
    Ok(records
        .iter()
        .map(|r| {
            let (deliver_at_us, dropped_at_us) = diagram::ends(r);
            MessageRecordSnap {
                id: r.id,
                kind: r.kind,
                from: diagram::endpoint_attr(r.from),
                to: diagram::endpoint_attr(r.to),
                sent_at_us: r.sent_at_us,
                deliver_at_us,
                dropped_at_us,
            }
        })
        .collect())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Snapshot {
    sim_time_us: u64,
    paused: bool,
    speed: f64,
    seed: u64,
    trace_hash: String,
    leader: Option<NodeId>,
    servers: Vec<ServerSnap>,
    messages: Vec<MessageSnap>,
    violations: Vec<String>,
    client_ops: usize,
    client_ops_answered: usize,
}

fn snapshot(m: &Model) -> Snapshot {
    let ep = |e: Endpoint| match e {
        Endpoint::Node(n) => format!("n{n}"),
        Endpoint::Client(c) => format!("c{c}"),
    };
    Snapshot {
        sim_time_us: m.now_us(),
        paused: m.paused,
        speed: m.speed,
        seed: m.world.config().seed,
        trace_hash: m.world.trace().hash_hex(),
        leader: m.world.leader(),
        servers: m
            .world
            .servers()
            .iter()
            .map(|s| ServerSnap {
                id: s.id,
                up: s.is_up(),
                role: s.node.as_ref().map_or("down", |n| n.role_kind().name()),
                term: s.persistent().current_term,
                voted_for: s.persistent().voted_for,
                commit_index: s.node.as_ref().map_or(0, |n| n.commit_index()),
                last_applied: s.node.as_ref().map_or(0, |n| n.last_applied()),
                last_index: s.log().last_index(),
                log_terms: s.log().entries().iter().map(|e| e.term).collect(),
            })
            .collect(),
        messages: m
            .world
            .network()
            .in_flight()
            .map(|p| MessageSnap {
                id: p.id,
                kind: p.payload.kind().name(),
                from: ep(p.from),
                to: ep(p.to),
                sent_at_us: p.sent_at_us,
                deliver_at_us: p.deliver_at_us,
            })
            .collect(),
        violations: m
            .world
            .checker()
            .violations()
            .iter()
            .chain(m.shown_violation().filter(|v| v.invariant == Invariant::Linearizability))
            .map(|v| format!("{}: {}", v.invariant.name(), v.detail))
            .collect(),
        client_ops: m.world.history().len(),
        client_ops_answered: m.world.history().iter().filter(|h| h.returned.is_some()).count(),
    }
}

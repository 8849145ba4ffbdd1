//! The cluster drawing: servers on a ring, clients in the middle, messages in flight.

use std::rc::Rc;

use yew::prelude::*;

use super::animation::{fly, run_down};
use crate::raft::{NodeId, RoleKind};
use crate::ui::cluster::geometry::{Point, SIZE, half_ring_path, half_turns, term_hue};
use crate::ui::cluster::{CLIENT_RADIUS, ClientDot, LinkView, MessageView, Motion, ServerView};
use crate::ui::core::model::Selection;
use crate::ui::core::num::px;
use crate::ui::core::state::Action;
use crate::ui::shell::dispatch::{Dispatch, use_dispatch};

#[derive(Properties, PartialEq)]
pub struct ClusterProps {
    pub servers: Rc<Vec<ServerView>>,
    pub messages: Rc<Vec<MessageView>>,
    pub clients: Rc<Vec<ClientDot>>,
    pub links: Rc<Vec<LinkView>>,
    /// The clock the browser animates messages and timers on between events.
    pub motion: Motion,
}

#[component]
pub fn Cluster(props: &ClusterProps) -> Html {
    let view_box = format!("0 0 {0} {0}", SIZE as u32);
    html! {
        <svg class="cluster" viewBox={view_box} role="group" aria-label="Raft cluster: click a server to crash or restart it" data-cluster="">
            <Links links={props.links.clone()} />
            // Each list in a group of its own, so Yew matches it by key alone: mixed with other
            // siblings it falls back to matching by position and rebuilds every server and
            // link whenever the number of messages in flight changes.
            <g class="clients">{ for props.clients.iter().map(client_dot) }</g>
            <g class="servers">
                { for props.servers.iter().map(|s| html! {
                    <Server key={s.id} view={s.clone()} motion={props.motion} />
                }) }
            </g>
            // Above the servers: whatever is drawn after an element the compositor animates
            // and overlaps it must be composited too, and with the arcs under the servers'
            // labels and badges Chromium made a dozen extra layers of those (61 in all for
            // fifteen servers).
            <g class="timers">
                { for props.servers.iter().map(|s| html! {
                    <TimerArc key={s.id} id={s.id} center={s.pos} radius={s.radius + TIMER_GAP}
                        timer={s.timer.filter(|_| s.up)} motion={props.motion} />
                }) }
            </g>
            <g class="messages">
                { for props.messages.iter().map(|m| html! {
                    <Flight key={m.id} view={m.clone()} motion={props.motion} />
                }) }
            </g>
        </svg>
    }
}

#[derive(Properties, PartialEq)]
struct LinksProps {
    links: Rc<Vec<LinkView>>,
}

/// The links change only when the network does: a component of their own, so the frames in
/// between skip them (a 15-server ring has 105).
#[component]
fn Links(props: &LinksProps) -> Html {
    let d = use_dispatch();
    html! { <g class="links">{ for props.links.iter().map(|l| link(l, &d)) }</g> }
}

/// A network link: a thin line, cut ones dashed red, with a wide invisible stroke to click.
/// Shift-click cuts only the direction from the lower-numbered server to the higher.
fn link(l: &LinkView, d: &Dispatch) -> Html {
    let (a, b) = (l.a, l.b);
    let onclick = d.reform(move |e: MouseEvent| Action::ToggleLink(a, b, e.shift_key()));
    let on_key = {
        let d = d.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                d.emit(Action::ToggleLink(a, b, e.shift_key()));
            }
        })
    };
    let state = match (l.partitioned, l.cut_ab, l.cut_ba) {
        (true, _, _) => "partitioned".to_string(),
        (false, true, true) => "cut both ways".to_string(),
        (false, true, false) => format!("n{a} → n{b} cut"),
        (false, false, true) => format!("n{b} → n{a} cut"),
        (false, false, false) => "open".to_string(),
    };
    let class = classes!("link", l.cut().then_some("cut"), (l.cut_ab != l.cut_ba).then_some("one-way"));
    let (x1, y1, x2, y2) = (px(l.from.x), px(l.from.y), px(l.to.x), px(l.to.y));
    html! {
        <g key={format!("l{a}-{b}")} class={class} data-link={format!("{a}-{b}")} data-cut={l.cut().to_string()} onclick={onclick}
            onkeydown={on_key} role="button" tabindex="0" aria-label={format!("Link n{a}–n{b}: {state}. Enter cuts or restores it.")}>
            <title>{ format!("link n{a}–n{b}: {state}. Click to cut or restore it; shift-click cuts n{a} → n{b} only.") }</title>
            <line class="wire" x1={x1.clone()} y1={y1.clone()} x2={x2.clone()} y2={y2.clone()} />
            <line class="link-hit" x1={x1} y1={y1} x2={x2} y2={y2} />
        </g>
    }
}

fn client_dot(c: &ClientDot) -> Html {
    let class = classes!("client", c.waiting.then_some("waiting"));
    html! {
        <g key={format!("c{}", c.id)} class={class} data-client={c.id.to_string()}>
            <rect x={px(c.pos.x - CLIENT_RADIUS)} y={px(c.pos.y - CLIENT_RADIUS)} width={px(2.0 * CLIENT_RADIUS)}
                height={px(2.0 * CLIENT_RADIUS)} rx="3" />
            <text x={px(c.pos.x)} y={px(c.pos.y + 4.0)}>{ format!("c{}", c.id) }</text>
        </g>
    }
}

#[derive(Properties, PartialEq)]
struct ServerProps {
    view: ServerView,
    motion: Motion,
}

fn role_name(s: &ServerView) -> &'static str {
    if s.up { s.role.name() } else { "down" }
}

#[component]
fn Server(props: &ServerProps) -> Html {
    let d = use_dispatch();
    let s = &props.view;
    let id = s.id;
    let (x, y, r) = (s.pos.x, s.pos.y, s.radius);
    let hue = term_hue(s.term);
    let fill = if s.up { format!("hsl({hue} 65% 86%)") } else { "#d5d5d5".to_string() };
    let class = classes!(
        "server",
        role_name(s),
        (s.up && s.learner).then_some("learner"),
        (s.up && !s.voter && !s.learner).then_some("outside"),
        s.isolated.then_some("isolated"),
        s.implicated.then_some("implicated"),
        s.highlighted.then_some("highlighted"),
        s.selected.then_some("selected")
    );
    let label = format!(
        "Server {id}, {}{}, term {}{}. Activate to {}.",
        role_name(s),
        match (s.up, s.voter, s.learner) {
            (false, _, _) | (true, true, _) => "",
            (true, false, true) => " (learner)",
            (true, false, false) => " (not a member)",
        },
        s.term,
        if s.isolated { ", isolated" } else { "" },
        if s.up { "crash it" } else { "restart it" }
    );
    // A click or tap crashes the server, or restarts it when it is down; the "⋯" badge opens
    // the inspector with every other action.
    let toggle = d.reform(move |_: MouseEvent| Action::ClickServer(id));
    let key_toggle = {
        let d = d.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                e.prevent_default();
                d.emit(Action::ClickServer(id));
            }
        })
    };
    let inspect = d.reform(move |e: MouseEvent| {
        e.stop_propagation();
        Action::Select(Some(Selection::Server(id)))
    });
    let shape = if s.up && s.role == RoleKind::Leader {
        html! { <rect class="body" x={px(x - r)} y={px(y - r)} width={px(2.0 * r)} height={px(2.0 * r)} rx={px(r * 0.3)} fill={fill} /> }
    } else {
        html! { <circle class="body" cx={px(x)} cy={px(y)} r={px(r)} fill={fill} /> }
    };
    // The "⋯" badge sits up and to the right, clear of the timer's ring (drawn over it).
    let badge = (r + TIMER_GAP + 1.5 + BADGE_RADIUS) * std::f64::consts::FRAC_1_SQRT_2;
    let (bx, by) = (x + badge, y - badge);
    html! {
        <g class={class}>
            <g class="hit" role="button" tabindex="0" aria-label={label} onclick={toggle} onkeydown={key_toggle}
                data-node={id.to_string()} data-role={if s.up { s.role.name() } else { "follower" }}
                data-term={s.term.to_string()} data-state={if s.up { "up" } else { "down" }}
                data-commit={s.commit.to_string()} data-last-index={s.last_index.to_string()}
                data-voter={s.voter.to_string()} data-snapshot-index={s.snapshot_index.to_string()}
                data-config={s.config.clone()}>
                { shape }
                { votes(s) }
            </g>
            // Drawn beside the button, not in it: its label says all this in words, and clicks
            // on the number fall through to the server.
            <text class="term" aria-hidden="true" x={px(x)} y={px(y + r * 0.18)} font-size={px(r * 0.62)}>{ s.term }</text>
            <text class="name" aria-hidden="true" x={px(x)} y={px(y + r + 14.0)}>{ format!("n{id} · {}", role_name(s)) }</text>
            <g class="more" role="button" tabindex="0" aria-label={format!("Inspect server {id}")} onclick={inspect}
                data-inspect={id.to_string()}>
                <circle cx={px(bx)} cy={px(by)} r={px(BADGE_RADIUS)} />
                <text aria-hidden="true" x={px(bx)} y={px(by + 3.5)}>{ "⋯" }</text>
            </g>
        </g>
    }
}

/// The election timer's ring lies this far outside a server's edge.
const TIMER_GAP: f64 = 5.0;
const BADGE_RADIUS: f64 = 9.0;

#[derive(Properties, PartialEq)]
struct TimerArcProps {
    id: NodeId,
    center: Point,
    radius: f64,
    timer: Option<crate::ui::cluster::TimerView>,
    motion: Motion,
}

/// The election timer: an arc round the server that empties as the timeout nears, drawn as
/// two clipped half rings the browser turns (see `geometry::half_turns`).
#[component]
fn TimerArc(p: &TimerArcProps) -> Html {
    let halves = [use_node_ref(), use_node_ref()];
    {
        let halves = halves.clone();
        use_effect_with((p.timer, p.motion), move |&(timer, motion)| {
            let els = [halves[0].cast::<web_sys::Element>(), halves[1].cast::<web_sys::Element>()];
            let running = match (timer, els) {
                (Some(t), [Some(a), Some(b)]) => run_down([&a, &b], &motion, t),
                _ => Vec::new(),
            };
            move || drop(running)
        });
    }
    let Some(timer) = p.timer else { return html! {} };
    let (c, r) = (p.center, p.radius);
    let (right, left) = half_turns(timer.left(p.motion.anchor_sim_us));
    let turned = |deg: f64| format!("transform-origin: {}px {}px; transform: rotate({}deg)", px(c.x), px(c.y), px(deg));
    let clip =
        |x: f64| html! { <rect x={px(x)} y={px(c.y - r - 4.0)} width={px(r + 4.0)} height={px(2.0 * r + 8.0)} /> };
    let (right_id, left_id) = (format!("timer-r{}", p.id), format!("timer-l{}", p.id));
    html! {
        <g class="timer" aria-hidden="true">
            <clipPath id={right_id.clone()}>{ clip(c.x) }</clipPath>
            <clipPath id={left_id.clone()}>{ clip(c.x - r - 4.0) }</clipPath>
            <g clip-path={format!("url(#{right_id})")}>
                <path ref={halves[0].clone()} d={half_ring_path(c, r, true)} style={turned(right)} />
            </g>
            <g clip-path={format!("url(#{left_id})")}>
                <path ref={halves[1].clone()} d={half_ring_path(c, r, false)} style={turned(left)} />
            </g>
        </g>
    }
}

/// A dot per vote a candidate (or pre-vote a pre-candidate) holds, on an arc under the server.
fn votes(s: &ServerView) -> Html {
    if !s.up || !matches!(s.role, RoleKind::Candidate | RoleKind::PreCandidate) {
        return html! {};
    }
    let n = s.votes.len();
    html! {
        <g class="votes" aria-label={format!("{n} votes")}>
        { for s.votes.iter().enumerate().map(|(i, v)| {
            let dx = (i as f64 - (n as f64 - 1.0) / 2.0) * 11.0;
            html! { <circle class="vote" cx={px(s.pos.x + dx)} cy={px(s.pos.y - s.radius * 0.5)} r="4">
                <title>{ format!("vote from n{v}") }</title></circle> }
        }) }
        </g>
    }
}

#[derive(Properties, PartialEq)]
struct FlightProps {
    view: MessageView,
    motion: Motion,
}

/// A message in flight: drawn once where its flight starts, then glided to its receiver by
/// the browser (`motion::fly`); drawn where it is when paused, and where it was lost when
/// dropped.
#[component]
fn Flight(p: &FlightProps) -> Html {
    let node = use_node_ref();
    let m = &p.view;
    {
        let node = node.clone();
        let key = (p.motion, m.start, m.end, m.sent_at_us, m.deliver_at_us, m.vanishing);
        use_effect_with(key, move |&(motion, from, to, sent, deliver, vanishing)| {
            let flying = node
                .cast::<web_sys::Element>()
                .filter(|_| !vanishing)
                .and_then(|el| fly(&el, &motion, (from, to), (sent, deliver)));
            move || drop(flying)
        });
    }
    let id = m.id;
    let class = classes!(
        "msg",
        m.kind,
        m.success.map(|ok| if ok { "ok" } else { "refused" }),
        m.selected.then_some("selected"),
        m.vanishing.then_some("vanishing")
    );
    let onclick = use_dispatch().reform(move |_: MouseEvent| Action::Select(Some(Selection::Message(id))));
    let size = if m.kind == "heartbeat" { 5.0 } else { 7.0 };
    let shape = if m.kind.starts_with("client") {
        html! { <rect x={px(-size)} y={px(-size)} width={px(2.0 * size)} height={px(2.0 * size)} rx="2" /> }
    } else {
        html! { <circle r={px(size)} /> }
    };
    let mark = match m.success {
        Some(true) => "+",
        Some(false) => "−",
        None => "",
    };
    let Point { x, y } = m.pos;
    html! {
        <g ref={node} class={class} style={format!("transform: translate({}px, {}px)", px(x), px(y))} data-msg={m.kind}
            data-msg-id={id.to_string()} onclick={onclick} role="button" aria-label={format!("{} message {id}", m.kind)}>
            { shape }
            if m.success.is_some() { <text aria-hidden="true" y="3.5">{ mark }</text> }
        </g>
    }
}

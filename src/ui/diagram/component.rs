//! The space-time diagram (`ui::diagram` computes it): lanes, arrows, commit ticks, the
//! zoom and pan buttons, click-to-travel and the SVG download.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::raft::{NodeId, RoleKind};
use crate::sim::network::Endpoint;
use crate::ui::cluster::geometry::term_hue;
use crate::ui::core::num::px;
use crate::ui::core::state::Action;
use crate::ui::diagram::{DiagramView, MessageRecord, Span, endpoint_attr, time_at, x_of};
use crate::ui::shell::dispatch::use_dispatch;

/// Drawing units: the diagram's width, the left margin for lane names, and a lane's height.
const WIDTH: f64 = 1000.0;
const LEFT: f64 = 44.0;
const LANE: f64 = 26.0;
const TOP: f64 = 16.0;

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    pub view: Rc<DiagramView>,
    /// The panel's element (the page watches whether it is on screen).
    pub node: NodeRef,
}

fn lane_y(lanes: &[NodeId], e: Endpoint) -> f64 {
    let row = match e {
        Endpoint::Node(n) => lanes.iter().position(|&l| l == n).unwrap_or(lanes.len()),
        Endpoint::Client(_) => lanes.len(),
    };
    TOP + row as f64 * LANE + LANE / 2.0
}

#[component]
pub fn Diagram(p: &DiagramProps) -> Html {
    let d = &p.view;
    let plot = WIDTH - LEFT;
    let x = |t: u64| LEFT + x_of(d, t, plot);
    let height = TOP + (d.lanes.len() + 1) as f64 * LANE + 18.0;
    let dispatch = use_dispatch();
    // A click on the diagram travels to that moment.
    let on_click = {
        let (view, seek) = (p.view.clone(), dispatch.reform(Action::Seek));
        Callback::from(move |e: MouseEvent| {
            let Some(svg) = e.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
            // The drawing keeps its aspect ratio inside the element (xMidYMid meet): undo that.
            let rect = svg.get_bounding_client_rect();
            let scale = (rect.width() / WIDTH).min(rect.height() / height).max(1e-9);
            let offset = (rect.width() - WIDTH * scale) / 2.0;
            let units = (f64::from(e.client_x()) - rect.left() - offset) / scale;
            if units >= LEFT {
                seek.emit(time_at(&view, units - LEFT, plot));
            }
        })
    };
    // Zoom by a factor (2 = twice the time span); pan by a share of the span (negative: back in
    // time; 0 returns to the live edge).
    let zoom = |f: f64| dispatch.reform(move |_: MouseEvent| Action::DiagramZoom(f));
    let pan = |f: f64| dispatch.reform(move |_: MouseEvent| Action::DiagramPan(f));
    html! {
        <section ref={p.node.clone()} class="diagram-panel" aria-label="Space-time diagram">
            <h2>{ "Space-time diagram" }
                <span class="muted small">{ format!("{}–{} ms", (d.from_us + 500) / 1000, (d.to_us + 500) / 1000) }
                    if d.message_count > d.messages.len() {
                        { format!(" · the newest {} of {} messages (zoom in for the rest)", d.messages.len(), d.message_count) }
                    }
                </span>
                <span class="diagram-tools">
                    <button data-action="diagram-back" onclick={pan(-0.5)} aria-label="Earlier">{ "←" }</button>
                    <button data-action="diagram-live" onclick={pan(0.0)} title="Follow the run">{ "Live" }</button>
                    <button data-action="diagram-forward" onclick={pan(0.5)} aria-label="Later">{ "→" }</button>
                    <button data-action="diagram-zoom-in" onclick={zoom(0.5)} aria-label="Zoom in">{ "+" }</button>
                    <button data-action="diagram-zoom-out" onclick={zoom(2.0)} aria-label="Zoom out">{ "−" }</button>
                    <button data-action="export-diagram" onclick={Callback::from(|_: MouseEvent| export_svg())}
                        title="Download the diagram as an SVG file">{ "SVG" }</button>
                </span>
            </h2>
            <svg class="diagram" data-diagram="" data-from-us={d.from_us.to_string()} data-to-us={d.to_us.to_string()}
                data-plot-left={crate::ui::core::num::fixed(LEFT / WIDTH, 4)} viewBox={format!("0 0 {} {}", WIDTH as u32, px(height))} onclick={on_click}
                role="group" aria-label="Messages between servers over time; click to travel to a moment"
                xmlns="http://www.w3.org/2000/svg">
                <defs>
                    <pattern id="down-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                        <rect width="6" height="6" class="down-fill" />
                        <line x1="0" y1="0" x2="0" y2="6" class="down-line" />
                    </pattern>
                    <marker id="arrowhead" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="5" markerHeight="5" orient="auto">
                        <path d="M0,0 L6,3 L0,6 z" class="arrowhead" />
                    </marker>
                </defs>
                { for d.lanes.iter().enumerate().map(|(i, n)| html! {
                    <text class="lane-name" x="4" y={px(TOP + i as f64 * LANE + LANE / 2.0 + 4.0)}>{ format!("n{n}") }</text>
                }) }
                <text class="lane-name" x="4" y={px(TOP + d.lanes.len() as f64 * LANE + LANE / 2.0 + 4.0)}>{ "clients" }</text>
                { for d.spans.iter().map(|s| span(s, &d.lanes, &x)) }
                { for d.messages.iter().map(|m| arrow(m, &d.lanes, &x, d.to_us)) }
                { for d.commits.iter().map(|c| {
                    let y = lane_y(&d.lanes, Endpoint::Node(c.node));
                    html! { <circle class="commit" cx={px(x(c.at_us))} cy={px(y + LANE / 2.0 - 5.0)} r="2.5"
                        data-commit={c.index.to_string()} /> }
                }) }
            </svg>
        </section>
    }
}

fn span(s: &Span, lanes: &[NodeId], x: &impl Fn(u64) -> f64) -> Html {
    let y = lane_y(lanes, Endpoint::Node(s.node)) - LANE / 2.0 + 2.0;
    let (x0, x1) = (x(s.from_us), x(s.to_us));
    let (class, style) = match s.role {
        None => ("span down", "fill: url(#down-hatch)".to_string()),
        Some(role) => {
            let alpha = match role {
                RoleKind::Leader => "0.75",
                RoleKind::Candidate => "0.45",
                RoleKind::PreCandidate => "0.3",
                RoleKind::Follower => "0.18",
            };
            ("span", format!("fill: hsl({} 60% 55% / {alpha})", term_hue(s.term)))
        }
    };
    let role = s.role.map_or("down", |r| r.name());
    html! {
        <rect class={class} x={px(x0)} y={px(y)} width={px((x1 - x0).max(0.5))} height={px(LANE - 4.0)} style={style}
            data-span-role={role} data-term={s.term.to_string()}>
            <title>{ format!("n{} {role}, term {}", s.node, s.term) }</title>
        </rect>
    }
}

fn arrow(m: &MessageRecord, lanes: &[NodeId], x: &impl Fn(u64) -> f64, now: u64) -> Html {
    let (y0, y1) = (lane_y(lanes, m.from), lane_y(lanes, m.to));
    let x0 = x(m.sent_at_us);
    // Where the line ends: delivery, the loss, or (in flight) how far it has come by now.
    let end_us = m.dropped_at_us.or(m.delivered_at_us).unwrap_or(m.deliver_at_us);
    let share = if end_us > m.sent_at_us && m.dropped_at_us.is_some() {
        (m.dropped_at_us.unwrap_or(end_us) - m.sent_at_us) as f64 / (m.deliver_at_us.max(end_us) - m.sent_at_us) as f64
    } else {
        1.0
    };
    let end_x = x(end_us.min(now.max(m.sent_at_us)));
    let end_y = y0 + (y1 - y0) * share.clamp(0.0, 1.0);
    let (deliver, dropped) = crate::ui::diagram::ends(m);
    let (deliver, dropped) = (deliver.map(|t| t.to_string()), dropped.map(|t| t.to_string()));
    let class = classes!("arrow", m.kind, m.dropped_at_us.is_some().then_some("lost"));
    html! {
        <g key={m.id} class={class} data-diagram-msg="" data-msg-id={m.id.to_string()} data-from={endpoint_attr(m.from)}
            data-to={endpoint_attr(m.to)} data-sent-us={m.sent_at_us.to_string()} data-deliver-us={deliver}
            data-dropped-us={dropped}>
            <line x1={px(x0)} y1={px(y0)} x2={px(end_x)} y2={px(end_y)}
                marker-end={m.delivered_at_us.is_some().then_some("url(#arrowhead)")} />
            if m.dropped_at_us.is_some() {
                <path class="cross" d={format!("M{} {} l6 6 m0 -6 l-6 6", px(end_x - 3.0), px(end_y - 3.0))} />
            }
        </g>
    }
}

/// Downloads the diagram as a standalone SVG file.
fn export_svg() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(Some(svg)) = document.query_selector("[data-diagram]") else { return };
    let style = "<style>.span.down{fill:#ccc}.arrow line{stroke:#555;stroke-width:1}.arrow.lost line{stroke:#c8342c}\
                 .cross{stroke:#c8342c;stroke-width:1.5}.commit{fill:#2e8a4f}.lane-name{font:11px sans-serif}</style>";
    let text = svg.outer_html().replacen('>', &format!(">{style}"), 1);
    let href = format!("data:image/svg+xml;charset=utf-8,{}", js_sys::encode_uri_component(&text));
    if let Ok(a) = document.create_element("a") {
        let _ = a.set_attribute("href", &href);
        let _ = a.set_attribute("download", "raft-space-time.svg");
        if let Some(a) = a.dyn_ref::<web_sys::HtmlElement>() {
            a.click();
        }
    }
}

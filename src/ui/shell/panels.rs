//! Side panels: the clock, the invariant monitor, the clients' requests, the event log and the
//! "about this run" facts.

use std::rc::Rc;

use yew::prelude::*;

use crate::sim::trace::fmt_time;
use crate::ui::core::state::Action;
use crate::ui::shell::RequestView;
use crate::ui::shell::dispatch::{Dispatch, on_click, use_dispatch};

pub struct ClockProps {
    pub sim_time_us: u64,
    pub speed_label: AttrValue,
    pub paused: bool,
}

/// The clock changes with every frame the run plays: a plain function, not a component (each
/// component costs the download a copy of Yew's lifecycle code, and this one would re-render
/// every time anyway).
pub fn clock(props: &ClockProps) -> Html {
    html! {
        <div class="clock" data-clock="" data-sim-time-us={props.sim_time_us.to_string()} aria-live="off">
            <span class="time">{ fmt_time(props.sim_time_us) }</span>
            <span class="muted">{ format!(" · {} · {}", props.speed_label, if props.paused { "paused" } else { "running" }) }</span>
        </div>
    }
}

pub struct MonitorProps {
    /// `(invariant, time, servers, explanation)` of the first violation.
    pub violation: Option<(AttrValue, u64, Vec<u8>, AttrValue)>,
    pub count: usize,
}

/// The invariant monitor (a plain function, like the clock beside it); the first violation is
/// one click from the moment it happened.
pub fn monitor(props: &MonitorProps, dispatch: &Dispatch) -> Html {
    match &props.violation {
        None => html! {
            <section class="monitor ok" data-invariants="ok" aria-live="polite">
                <strong>{ "✓ All safety invariants hold" }</strong>
                <span class="muted">{ " (Election Safety, Log Matching, Leader Completeness, State Machine Safety, …)" }</span>
            </section>
        },
        Some((name, at, nodes, detail)) => {
            let servers: Vec<String> = nodes.iter().map(|n| format!("n{n}")).collect();
            html! {
                <section class="monitor violated" data-invariants="violated" role="alert">
                    <strong>{ format!("✗ {name} violated at {}", fmt_time(*at)) }</strong>
                    { " " }<button data-action="goto-violation" onclick={dispatch.reform({ let at = *at; move |_: MouseEvent| Action::Seek(at) })}
                        title="Travel to the moment it happened">{ "Show me" }</button>
                    <p>{ detail.clone() }</p>
                    <p class="muted">{ format!("servers: {}{}", servers.join(", "),
                        if props.count > 1 { format!(" · {} violations in all", props.count) } else { String::new() }) }</p>
                </section>
            }
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct ClientsProps {
    pub requests: Rc<Vec<RequestView>>,
    /// A trace is open: nothing can be sent.
    #[prop_or_default]
    pub read_only: bool,
}

#[component]
pub fn Clients(props: &ClientsProps) -> Html {
    let onclick = on_click(&use_dispatch(), || Action::Request(None));
    html! {
        <section class="clients" aria-label="Client requests">
            <h2>{ "Clients" }
                <button data-action="request" onclick={onclick} disabled={props.read_only}
                    title={if props.read_only { crate::ui::core::model::TRACE_READ_ONLY } else { "Send a client request (C)" }}>{ "Send request" }</button>
            </h2>
            <p class="muted small">{ "A client is only answered once its entry is committed; until then it waits, times out and retries the same request." }</p>
            <ol class="requests">
                { for props.requests.iter().map(request) }
            </ol>
        </section>
    }
}

fn request(r: &RequestView) -> Html {
    let done = r.result.is_some();
    html! {
        <li class={classes!("request", done.then_some("done"))} data-request={format!("{}-{}", r.client, r.seq)}>
            <span class="op">{ format!("c{} #{} {}", r.client, r.seq, r.op) }</span>
            <span class="stages">
                { for r.stages.iter().map(|(label, kind)| html! { <span class={classes!("chip", *kind)}>{ label }</span> }) }
                if let Some(result) = &r.result { <span class="chip result">{ format!("= {result}") }</span> }
            </span>
        </li>
    }
}

#[derive(Properties, PartialEq)]
pub struct EventsProps {
    pub lines: Rc<Vec<(u64, String)>>,
}

#[component]
pub fn Events(props: &EventsProps) -> Html {
    html! {
        <section class="events" aria-label="Recent events">
            <h2>{ "Events" }</h2>
            <ol class="event-lines" tabindex="0" aria-label="Recent events, newest first">{ for props.lines.iter().map(|(n, l)| html! { <li key={*n}>{ l }</li> }) }</ol>
        </section>
    }
}

pub struct AboutProps {
    pub seed: u64,
    pub trace_hash: AttrValue,
    pub events: u64,
    pub interventions: usize,
    pub linearizability: AttrValue,
}

/// The run's identity. A plain function, not a component: its event count changes with every
/// event anyway, and each component costs the download a copy of Yew's lifecycle code.
pub fn about(props: &AboutProps) -> Html {
    html! {
        <section class="about" aria-label="About this run">
            <h2>{ "About this run" }</h2>
            <dl>
                <dt>{ "seed" }</dt><dd data-seed={props.seed.to_string()}>{ props.seed }</dd>
                <dt>{ "trace hash" }</dt><dd data-trace-hash={props.trace_hash.clone()}><code>{ props.trace_hash.clone() }</code></dd>
                <dt>{ "events" }</dt><dd>{ props.events }</dd>
                <dt>{ "your interventions" }</dt><dd>{ props.interventions }</dd>
                <dt>{ "client history" }</dt><dd data-linearizability="">{ props.linearizability.clone() }</dd>
            </dl>
        </section>
    }
}

/// The last share link, selectable, for when the clipboard is not available.
pub fn share(url: &str) -> Html {
    let select = Callback::from(|e: FocusEvent| e.target_unchecked_into::<web_sys::HtmlInputElement>().select());
    html! {
        <section class="share" aria-label="Share link">
            <h2>{ "Share this run" }</h2>
            <p class="muted small">{ "Copied to the clipboard. Whoever opens it sees this run at this moment, paused." }</p>
            <input type="text" readonly=true data-share-link={url.to_string()} value={url.to_string()} onfocus={select} />
        </section>
    }
}

/// What the page refused, and why (a bad form value, a broken link), until dismissed.
pub fn alert(text: &str, dispatch: &Dispatch) -> Html {
    let dismiss = on_click(dispatch, || Action::DismissAlert);
    html! {
        <div class="alert" role="alert">{ text.to_string() }
            <button onclick={dismiss} aria-label="Dismiss">{ "×" }</button>
        </div>
    }
}

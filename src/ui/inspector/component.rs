//! The inspector: everything about one server or one message, and the actions that need no
//! right-click or hover: time out, send a request through it, isolate or rejoin, drop.

use yew::prelude::*;

use crate::raft::NodeId;
use crate::sim::Intervention;
use crate::ui::core::state::Action;
use crate::ui::inspector::Inspected;
use crate::ui::shell::dispatch::use_dispatch;

#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    pub inspected: Inspected,
    /// A trace is open: the actions are disabled, with the reason.
    #[prop_or_default]
    pub read_only: bool,
}

#[component]
pub fn Inspector(props: &InspectorProps) -> Html {
    let d = &use_dispatch();
    let close = d.reform(|_: MouseEvent| Action::Select(None));
    let body = match &props.inspected {
        Inspected::Server { id, up, isolated, can_lead, rows, progress } => {
            server(*id, (*up, *isolated, *can_lead, props.read_only), rows, progress, d)
        }
        Inspected::Message { id, rows } => {
            let id = *id;
            html! {
                <>
                    <h2>{ format!("Message #{id}") }</h2>
                    { table(rows) }
                    <fieldset class="actions" disabled={props.read_only}>
                        <button data-action="drop" onclick={d.reform(move |_: MouseEvent| Action::Act(Intervention::DropMessage(id)))}>
                            { "Drop this message" }</button>
                    </fieldset>
                </>
            }
        }
    };
    html! {
        <section class="inspector" aria-label="Inspector" data-inspector="">
            <button class="close" onclick={close} aria-label="Close the inspector">{ "×" }</button>
            { body }
        </section>
    }
}

fn table(rows: &[(String, String)]) -> Html {
    html! {
        <table class="facts">
            { for rows.iter().map(|(k, v)| html! { <tr><th>{ k }</th><td>{ v }</td></tr> }) }
        </table>
    }
}

fn server(
    id: NodeId,
    (up, isolated, can_lead, read_only): (bool, bool, bool, bool),
    rows: &[(String, String)],
    progress: &[(NodeId, u64, u64)],
    d: &Callback<Action>,
) -> Html {
    let act = |i: Intervention| d.reform(move |_: MouseEvent| Action::Act(i.clone()));
    html! {
        <>
            <h2>{ format!("Server n{id}") }</h2>
            { table(rows) }
            if !progress.is_empty() {
                <table class="progress">
                    <tr><th>{ "follower" }</th><th>{ "nextIndex" }</th><th>{ "matchIndex" }</th></tr>
                    { for progress.iter().map(|(f, next, m)| html! { <tr><td>{ format!("n{f}") }</td><td>{ next }</td><td>{ m }</td></tr> }) }
                </table>
            }
            if read_only {
                <p class="muted small" data-read-only="">{ crate::ui::core::model::TRACE_READ_ONLY }</p>
            }
            <fieldset class="actions" disabled={read_only}>
                if up {
                    <button data-action="crash" onclick={act(Intervention::Crash(id))}>{ "Crash" }</button>
                    <button data-action="timeout" onclick={act(Intervention::Timeout(id))}>{ "Time out now" }</button>
                    <button data-action="request-via" onclick={d.reform(move |_: MouseEvent| Action::Request(Some(id)))}>
                        { "Send a request through it" }</button>
                    <button data-action="remove-server" onclick={act(Intervention::RemoveServer(id))}
                        title="The leader removes it from the configuration, one server at a time (dissertation 4.1)">
                        { "Remove from the cluster" }</button>
                    if can_lead {
                        <button data-action="transfer" onclick={d.reform(move |_: MouseEvent| Action::Transfer(id))}
                            title="The leader brings this server up to date and sends it TimeoutNow (dissertation 3.10)">
                            { "Transfer leadership here" }</button>
                    }
                } else {
                    <button data-action="restart" onclick={act(Intervention::Restart(id))}>{ "Restart" }</button>
                }
                if isolated {
                    <button data-action="rejoin" onclick={act(Intervention::Rejoin(id))}>{ "Rejoin the network" }</button>
                } else {
                    <button data-action="isolate" onclick={act(Intervention::Isolate(id))}>{ "Isolate it" }</button>
                }
            </fieldset>
        </>
    }
}

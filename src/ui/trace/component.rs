//! The trace's controls (wasm only): "Open trace" (a file picker; a file dropped on the page
//! does the same), "Download trace", and the panel of an opened trace. File reads and download
//! addresses are owned here, so dropping them cancels the read or frees the address.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_file::callbacks::{FileReader, read_as_text};
use gloo_file::{Blob, File, ObjectUrl};
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, HtmlAnchorElement, HtmlInputElement};
use yew::prelude::*;

use super::{MAX_TRACE_BYTES, PanelView};
use crate::ui::core::model::TRACE_READ_ONLY;
use crate::ui::core::state::Action;
use crate::ui::shell::dispatch::{Dispatch, on_click, use_dispatch};

type Reading = Rc<RefCell<Option<FileReader>>>;

/// Reads `file` and opens it as a trace; the read lives in `slot` until the next one.
fn read(file: web_sys::File, slot: &Reading, d: &Dispatch) {
    let file = File::from(file);
    let name: Rc<str> = file.name().into();
    if file.size() > MAX_TRACE_BYTES as u64 {
        let why = format!(
            "{name} is {} MB; the page opens traces up to 50 MB (raft-sim check reads any size)",
            file.size() >> 20
        );
        d.emit(Action::Alert(why.into()));
        return;
    }
    let d = d.clone();
    *slot.borrow_mut() = Some(read_as_text(&file, move |result| match result {
        Ok(text) => d.emit(Action::OpenTrace(name, text.into())),
        Err(e) => d.emit(Action::Alert(format!("{name} cannot be read: {e}").into())),
    }));
}

/// Dropping a file anywhere on the page opens it: the page's `ondragover` and `ondrop`. The
/// app calls it with its dispatcher (it provides the context the components read).
#[hook]
pub fn use_trace_drop(d: Dispatch) -> (Callback<DragEvent>, Callback<DragEvent>) {
    let reading: Reading = use_mut_ref(|| None);
    let over = Callback::from(|e: DragEvent| e.prevent_default());
    let drop = Callback::from(move |e: DragEvent| {
        let file = e.data_transfer().and_then(|t| t.files()).and_then(|files| files.get(0));
        if let Some(file) = file {
            e.prevent_default();
            read(file, &reading, &d);
        }
    });
    (over, drop)
}

#[derive(Properties, PartialEq)]
pub struct TraceButtonsProps {
    pub opened: bool,
    /// The run so far in our format (`ui::trace::export`).
    pub export: Callback<(), Result<String, String>>,
}

#[component]
pub fn TraceButtons(p: &TraceButtonsProps) -> Html {
    let d = use_dispatch();
    let reading: Reading = use_mut_ref(|| None);
    let saved: Rc<RefCell<Option<ObjectUrl>>> = use_mut_ref(|| None);
    let input = use_node_ref();
    let pick = {
        let input = input.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(i) = input.cast::<HtmlInputElement>() {
                i.click();
            }
        })
    };
    let chosen = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            let i: HtmlInputElement = e.target_unchecked_into();
            if let Some(file) = i.files().and_then(|l| l.get(0)) {
                read(file, &reading, &d);
            }
            i.set_value("");
        })
    };
    let download = {
        let export = p.export.clone();
        Callback::from(move |_: MouseEvent| match export.emit(()) {
            Ok(text) => save(&text, &saved),
            Err(e) => d.emit(Action::Alert(e.into())),
        })
    };
    let download_title = if p.opened {
        "The opened trace is its file already"
    } else {
        "Save this run as a trace (JSON Lines, the README's format)"
    };
    html! {
        <>
            <button data-action="open-trace" onclick={pick}
                title="Open a trace of any Raft (the README's JSON Lines, or etcd-io/raft's state trace); or drop the file on the page">
                { "Open trace" }</button>
            <input ref={input} type="file" data-control="trace-file" hidden=true accept=".jsonl,.ndjson,.json,.log,.txt"
                onchange={chosen} aria-label="Trace file" />
            <button data-action="download-trace" disabled={p.opened} onclick={download} title={download_title}>{ "Download trace" }</button>
        </>
    }
}

/// Hands `text` to the browser as a file download; the address stays valid until the next one.
fn save(text: &str, saved: &Rc<RefCell<Option<ObjectUrl>>>) {
    let url = ObjectUrl::from(Blob::new_with_options(text, Some("application/x-ndjson")));
    let anchor = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|doc| doc.create_element("a").ok())
        .and_then(|a| a.dyn_into::<HtmlAnchorElement>().ok());
    if let Some(a) = anchor {
        a.set_href(&url);
        a.set_download("raft-run.jsonl");
        a.click();
    }
    *saved.borrow_mut() = Some(url);
}

#[derive(Properties, PartialEq)]
pub struct TracePanelProps {
    pub view: Rc<PanelView>,
}

/// What is open, how far it has played, why it is read-only, and every check's verdict.
#[component]
pub fn TracePanel(p: &TracePanelProps) -> Html {
    let d = use_dispatch();
    let v = &p.view;
    html! {
        <section class="trace-panel" data-trace="" data-trace-line={v.line.to_string()} aria-label="Opened trace">
            <h2>{ format!("Trace: {}", v.name) }
                <button data-action="close-trace" onclick={on_click(&d, || Action::CloseTrace)}>{ "Close trace" }</button></h2>
            <p>{ format!("{} · {} servers · {} events · at line {}", v.format, v.servers, v.records, v.line) }</p>
            if let Some(error) = &v.error {
                <p class="trace-error" data-trace-error="">{ format!("Reading stopped at {error}. The lines before it are loaded.") }</p>
            }
            <p class="muted small" data-read-only="">{ format!("Read-only: {TRACE_READ_ONLY}.") }</p>
            <ul class="checks">
                { for v.checks.iter().map(|(attr, name, status, detail)| html! {
                    <li data-check={attr.clone()} data-status={*status} class={*status}>
                        <strong>{ *name }</strong>{ format!(": {}", status.replace('-', " ")) }
                        if !detail.is_empty() { <span class="muted">{ format!(" — {detail}") }</span> }
                    </li>
                }) }
            </ul>
        </section>
    }
}

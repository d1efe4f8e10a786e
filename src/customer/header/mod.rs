//! The current conversation's controls: status, assignee, topics, Close and Close & Next.
//! Changes show at once (optimistic), roll back with the reason when refused, and offer Undo.

use leptos::prelude::*;
use rapport_core::{Conversation, Status};

use crate::api::Api;
use crate::components::toast::Toasts;
use crate::session::Session;

mod assignee;
mod close_next;
mod controls;
mod topics;
mod writer;

use controls::Controls;
use writer::Writer;

#[component]
pub fn ConversationHeader(
    conv: Conversation,
    /// The conversation as last read; the header follows it (a refresh does not rebuild it).
    #[prop(into)]
    latest: Signal<Option<Conversation>>,
) -> impl IntoView {
    let api = Api::use_api();
    let session = Session::use_session();
    let controls = Controls::new(&conv, Writer::new(api, Toasts::use_toasts(), conv.version), session);
    let id = conv.id.clone();
    Effect::new({
        let id = id.clone();
        move |_| {
            if let Some(c) = latest.get().filter(|c| c.id == id) {
                controls.adopt(c);
            }
        }
    });
    Effect::new(move |_| {
        if let Some(c) = api.written().filter(|c| c.id == id) {
            controls.adopt(c);
        }
    });

    let status = controls.status;
    let status_buttons = Status::ALL
        .into_iter()
        .map(move |s| {
            let disabled = move || status.get() != s && !controls.allowed().contains(&s);
            view! {
                <button
                    class=format!("seg st-btn-{}", s.label().to_lowercase())
                    aria-pressed=move || (status.get() == s).to_string()
                    disabled=disabled
                    data-status=s.label()
                    on:click=move |_| controls.set_status(s)
                >
                    {s.label()}
                </button>
            }
        })
        .collect_view();
    let close_and_next = close_next::close_and_next(controls, conv.customer_id.clone());
    view! {
        <div class="conversation-header" data-testid="conversation-header">
            <div class="segmented" role="group" aria-label="Status">{status_buttons}</div>
            {assignee::assignee_select(controls, session)}
            {topics::topics(controls, session)}
            <Show when=move || controls.topic_hint.get()>
                <p class="hint attention-text" role="alert">"Add a topic to close: this inbox requires one."</p>
            </Show>
            <Show when=move || status.get() != Status::Closed>
                <button id="close-next-btn" class="btn primary" on:click={
                    let close = close_and_next.clone();
                    move |_| close()
                }>"Close & Next"</button>
            </Show>
        </div>
    }
}

//! Replying on any of the customer's channels, or writing an internal note. Drafts are kept per
//! conversation and channel in localStorage on every keystroke, so a reload or a failed send never
//! loses what the agent typed.

use std::collections::BTreeMap;

use leptos::prelude::*;
use rapport_core::query::fill_placeholders;
use rapport_core::{Channel, Conversation, Customer};

use crate::api::{storage, Api};
use crate::components::toast::Toasts;
use crate::session::Session;

use super::outbox::Outbox;

mod draft;
mod send;

use draft::{subject_key, unfilled, Mode};
use send::Draft;

#[component]
pub fn Composer(
    conv: Conversation,
    customer: Customer,
    default_channel: Channel,
    last_subject: Option<String>,
) -> impl IntoView {
    let session = Session::use_session();
    // Written answers only: typed text is not a call.
    let channels: Vec<Channel> = customer
        .reachable_channels()
        .into_iter()
        .filter(|c| c.is_written())
        .collect();
    let channel = if channels.contains(&default_channel) {
        default_channel
    } else {
        channels.first().copied().unwrap_or(Channel::Email)
    };
    // A typed subject is part of the draft too.
    let subject = storage::get(&subject_key(&conv.id)).unwrap_or_else(|| {
        last_subject
            .map(|s| if s.starts_with("Re:") { s } else { format!("Re: {s}") })
            .unwrap_or_default()
    });
    let d = Draft {
        conv: StoredValue::new(conv.id.clone()),
        mode: RwSignal::new(Mode::Reply),
        channel: RwSignal::new(channel),
        text: RwSignal::new(String::new()),
        subject: RwSignal::new(subject),
        error: RwSignal::new(None),
        sending: RwSignal::new(false),
        failed: RwSignal::new(None),
        api: Api::use_api(),
        toasts: Toasts::use_toasts(),
        outbox: Outbox::use_outbox(),
        session,
    };
    // Load the draft of the chosen mode and channel whenever they change.
    Effect::new(move |_| d.text.set(storage::get(&d.key()).unwrap_or_default()));
    // A failed send that went through by Retry (or was discarded) takes its "Not sent" with it;
    // sent, its text leaves the box too.
    Effect::new(move |_| {
        let Some(f) = d.failed.get() else { return };
        if d.outbox.is_waiting(f.unsent) {
            return;
        }
        d.failed.set(None);
        d.error.set(None);
        if d.outbox.was_delivered(f.unsent) && d.text.get_untracked() == f.text {
            d.text.set(String::new());
        }
    });
    let insert_answer = move |answer_id: String| {
        if let Some(filled) = answer_text(session, &customer, &answer_id) {
            let current = d.text.get_untracked();
            d.input(if current.trim().is_empty() {
                filled
            } else {
                format!("{current}\n{filled}")
            });
            focus_text();
        }
    };
    let (mode, text, error) = (d.mode, d.text, d.error);
    let placeholder = move || match mode.get() {
        Mode::Note => "Internal note, only agents see it".to_owned(),
        Mode::Reply => format!("Reply on {} (Ctrl+Enter to send)", d.channel.get().label()),
    };
    let to_fill = move || match unfilled(&text.get()) {
        m if m.is_empty() => String::new(),
        m => format!("To fill in: {}", m.join(", ")),
    };
    let subject_key = StoredValue::new(subject_key(&conv.id));
    view! {
        <section class="composer" class:note-mode=move || mode.get() == Mode::Note aria-label="Composer">
            <div class="composer-bar">
                <div class="segmented" role="radiogroup" aria-label="Reply or note">
                    <button id="mode-reply" role="radio" class="seg" aria-checked=move || (mode.get() == Mode::Reply).to_string() on:click=move |_| mode.set(Mode::Reply)>"Reply"</button>
                    <button id="mode-note" role="radio" class="seg" aria-checked=move || (mode.get() == Mode::Note).to_string() on:click=move |_| mode.set(Mode::Note)>"Note"</button>
                </div>
                <Show when=move || mode.get() == Mode::Reply>
                    <select id="channel-select" aria-label="Channel" prop:value=move || format!("{:?}", d.channel.get())
                        on:change:target=move |ev| {
                            let v = ev.target().value();
                            if let Some(c) = Channel::ALL.into_iter().find(|c| format!("{c:?}") == v) { d.channel.set(c) }
                        }>
                        {channels.iter().map(|c| view! { <option value=format!("{c:?}")>{c.label()}</option> }).collect_view()}
                    </select>
                </Show>
                <select aria-label="Insert an answer" prop:value="" on:change:target=move |ev| insert_answer(ev.target().value())>
                    <option value="">"Answers…"</option>
                    {move || session.directory.with(|d| d.answers.iter().map(|a| view! { <option value=a.id.to_string()>{a.name.clone()}</option> }).collect_view())}
                </select>
            </div>
            <Show when=move || mode.get() == Mode::Reply && d.channel.get() == Channel::Email>
                <input type="text" class="subject-input" aria-label="Subject" prop:value=move || d.subject.get() on:input:target=move |ev| {
                    let value = ev.target().value();
                    let _ = storage::set(&subject_key.get_value(), &value);
                    d.subject.set(value);
                }/>
            </Show>
            <textarea id="composer-text" rows="3" aria-label="Message" placeholder=placeholder
                prop:value=move || text.get()
                on:input:target=move |ev| d.input(ev.target().value())
                on:keydown=move |ev| {
                    if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                        ev.prevent_default();
                        d.send();
                    }
                }
            ></textarea>
            <div class="composer-foot">
                <span class="hint">{to_fill}</span>
                {move || error.get().map(|e| view! { <span class="composer-error" role="alert">{e}</span> })}
                <button id="send-btn" class="btn primary" disabled=move || d.sending.get() on:click=move |_| d.send()>
                    {move || if mode.get() == Mode::Note { "Add note" } else { "Send" }}
                </button>
            </div>
        </section>
    }
}

/// A saved answer with the customer's and the agent's names filled in.
fn answer_text(session: Session, customer: &Customer, answer_id: &str) -> Option<String> {
    let answer = session
        .directory
        .with_untracked(|d| d.answers.iter().find(|a| a.id.as_str() == answer_id).cloned())?;
    let me = session.me();
    let mut values = BTreeMap::new();
    values.insert("customer.firstName", customer.first_name().to_owned());
    values.insert("customer.name", customer.name.clone());
    values.insert(
        "agent.firstName",
        me.as_ref().map(|a| a.first_name().to_owned()).unwrap_or_default(),
    );
    values.insert("agent.name", me.map(|a| a.name).unwrap_or_default());
    Some(fill_placeholders(&answer.body, &values).0)
}

pub fn focus_text() {
    use wasm_bindgen::JsCast;
    if let Some(el) = document().get_element_by_id("composer-text") {
        let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
    }
}

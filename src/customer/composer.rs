//! Replying on any of the customer's channels, or writing an internal note. Drafts are kept per
//! conversation and channel in localStorage on every keystroke, so a reload or a failed send never
//! loses what the agent typed.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use rapport_core::query::fill_placeholders;
use rapport_core::{cmd, Channel, Command, Conversation, Customer};

use crate::api::{new_key, storage, Api};
use crate::components::toast::Toasts;
use crate::session::Session;

use super::outbox::{Outbox, Unsent};

/// A send of this composer that failed: sending the same again reuses its key.
#[derive(Clone)]
struct Failed {
    unsent: u64,
    command: Command,
    key: String,
    text: String,
}

/// What the agent typed after pressing Send: `now` minus the `sent` text it began with; all of
/// `now` if they changed that text meanwhile.
pub fn typed_after(sent: &str, now: &str) -> String {
    match now.strip_prefix(sent) {
        Some(rest) => rest.trim_start().to_owned(),
        None => now.to_owned(),
    }
}

fn keep_draft(key: &str, text: &str) {
    if text.is_empty() {
        storage::remove(key);
    } else {
        let _ = storage::set(key, text);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Reply,
    Note,
}

fn draft_key(conv: &Conversation, mode: Mode, channel: Channel) -> String {
    match mode {
        Mode::Reply => format!("rapport.draft.{}.{channel:?}", conv.id),
        Mode::Note => format!("rapport.draft.{}.note", conv.id),
    }
}

/// Placeholders still in the text, like `{refund.amount}`.
pub fn unfilled(text: &str) -> Vec<String> {
    let (_, missing) = fill_placeholders(text, &BTreeMap::new());
    missing
        .into_iter()
        .filter(|k| !k.is_empty() && !k.contains(char::is_whitespace))
        .collect()
}

#[component]
pub fn Composer(
    conv: Conversation,
    customer: Customer,
    default_channel: Channel,
    last_subject: Option<String>,
) -> impl IntoView {
    let api = Api::use_api();
    let session = Session::use_session();
    let toasts = Toasts::use_toasts();
    let outbox = Outbox::use_outbox();
    // Written answers only: typed text is not a call.
    let channels: Vec<Channel> = customer
        .reachable_channels()
        .into_iter()
        .filter(|c| c.is_written())
        .collect();
    let channel = RwSignal::new(if channels.contains(&default_channel) {
        default_channel
    } else {
        channels.first().copied().unwrap_or(Channel::Email)
    });
    let mode = RwSignal::new(Mode::Reply);
    let key = {
        let conv = conv.clone();
        move || draft_key(&conv, mode.get(), channel.get())
    };
    let text = RwSignal::new(String::new());
    // Load the draft of the chosen mode and channel whenever they change.
    Effect::new({
        let key = key.clone();
        move |_| text.set(storage::get(&key()).unwrap_or_default())
    });
    // A typed subject is part of the draft too.
    let subject_key = format!("rapport.draft.{}.subject", conv.id);
    let subject = RwSignal::new(storage::get(&subject_key).unwrap_or_else(|| {
        last_subject
            .map(|s| if s.starts_with("Re:") { s } else { format!("Re: {s}") })
            .unwrap_or_default()
    }));
    let subject_draft = StoredValue::new(subject_key);
    let error = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);
    // This composer's last send that failed, while it waits in the outbox.
    let failed = RwSignal::new(None::<Failed>);

    let on_input = {
        let key = key.clone();
        move |value: String| {
            // "Write something first." and "Fill in …" answer the text as it was: it changed.
            if error.with_untracked(|e| e.as_deref().is_some_and(|t| !t.starts_with("Not sent"))) {
                error.set(None);
            }
            if value.is_empty() {
                storage::remove(&key());
            } else if storage::set(&key(), &value).is_err() {
                error.set(Some(
                    "This browser's storage is full: the draft is not being saved.".into(),
                ));
            }
            text.set(value);
        }
    };

    let send = {
        let (conv, key) = (conv.clone(), key.clone());
        move || {
            if sending.get_untracked() {
                return;
            }
            let body = text.get_untracked();
            if body.trim().is_empty() {
                error.set(Some("Write something first.".into()));
                return;
            }
            let missing = unfilled(&body);
            if !missing.is_empty() {
                error.set(Some(format!(
                    "Fill in {} before sending.",
                    missing
                        .iter()
                        .map(|m| format!("{{{m}}}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
                return;
            }
            let me = session.agent.get_untracked();
            let (m, ch) = (mode.get_untracked(), channel.get_untracked());
            let conversation_id = conv.id.clone();
            let command = match m {
                Mode::Note => Command::AddNote(cmd::AddNote {
                    conversation_id: conv.id.clone(),
                    agent_id: me,
                    body,
                }),
                Mode::Reply => Command::Reply(cmd::Reply {
                    conversation_id: conv.id.clone(),
                    expected_version: None,
                    agent_id: me,
                    channel: ch,
                    text: body,
                    subject: (ch == Channel::Email)
                        .then(|| subject.get_untracked())
                        .filter(|s| !s.trim().is_empty()),
                }),
            };
            // Too long for the service: said here, at once, with the text kept to shorten.
            if let Err(e) = rapport_core::limits::check(&command) {
                error.set(Some(e.to_string()));
                return;
            }
            let draft = key();
            let sent_text = text.get_untracked();
            // The text that failed, sent again unchanged, is that send again (under its key):
            // never a second copy, whether or not the first attempt in fact arrived.
            let (intent, again) = match failed.get_untracked() {
                Some(f) if f.command == command => (f.key, Some(f.unsent)),
                _ => (new_key(), None),
            };
            let label = match m {
                Mode::Note => "Note".to_owned(),
                Mode::Reply => format!("Reply on {}", ch.label()),
            };
            sending.set(true);
            error.set(None);
            let current_key = key.clone();
            spawn_local(async move {
                let result = api.execute_once(command.clone(), &intent).await;
                // The composer outlives refreshes of the page, so it updates itself (try_: it may
                // be gone by now).
                sending.try_set(false);
                match result {
                    Ok(_) => {
                        if let Some(id) = again {
                            outbox.delivered(id);
                        }
                        failed.try_set(None);
                        // What was typed after Send stays, in the box and as the draft.
                        if current_key() == draft {
                            let now = text.get_untracked();
                            let rest = typed_after(&sent_text, &now);
                            keep_draft(&draft, &rest);
                            text.try_set(rest);
                        } else {
                            storage::remove(&draft);
                        }
                        toasts.info(match m {
                            Mode::Note => "Note added.".to_owned(),
                            Mode::Reply => format!("Sent on {}.", ch.label()),
                        });
                    }
                    // The draft stays in storage and in the box, and the message waits in the
                    // timeline with Retry: nothing is lost.
                    Err(e) => {
                        error.try_set(Some(format!("Not sent: {e}")));
                        if e.is_permanent() {
                            // Show what the refusal contradicts (someone closed it, say) as it is now.
                            api.changed();
                        }
                        let unsent = match again {
                            Some(id) => {
                                outbox.set_error(id, &e);
                                id
                            }
                            None => outbox.add(Unsent {
                                id: 0,
                                conversation: conversation_id,
                                command: command.clone(),
                                key: intent.clone(),
                                draft_key: draft,
                                text: sent_text.clone(),
                                label,
                                error: e.to_string(),
                                permanent: e.is_permanent(),
                            }),
                        };
                        failed.try_set(Some(Failed {
                            unsent,
                            command,
                            key: intent,
                            text: sent_text,
                        }));
                    }
                }
            });
        }
    };

    // A failed send that went through by Retry (or was discarded) takes its "Not sent" with it;
    // sent, its text leaves the box too.
    Effect::new(move |_| {
        let Some(f) = failed.get() else { return };
        if outbox.is_waiting(f.unsent) {
            return;
        }
        failed.set(None);
        error.set(None);
        if outbox.was_delivered(f.unsent) && text.get_untracked() == f.text {
            text.set(String::new());
        }
    });

    let on_input_answer = on_input.clone();
    let insert_answer = move |answer_id: String| {
        let Some(answer) = session
            .directory
            .with_untracked(|d| d.answers.iter().find(|a| a.id.as_str() == answer_id).cloned())
        else {
            return;
        };
        let me = session.me();
        let mut values = BTreeMap::new();
        values.insert("customer.firstName", customer.first_name().to_owned());
        values.insert("customer.name", customer.name.clone());
        values.insert(
            "agent.firstName",
            me.as_ref().map(|a| a.first_name().to_owned()).unwrap_or_default(),
        );
        values.insert("agent.name", me.map(|a| a.name).unwrap_or_default());
        let (filled, _) = fill_placeholders(&answer.body, &values);
        let current = text.get_untracked();
        let next = if current.trim().is_empty() {
            filled
        } else {
            format!("{current}\n{filled}")
        };
        on_input_answer(next);
        focus_text();
    };

    let missing = move || unfilled(&text.get());
    let placeholder = move || match mode.get() {
        Mode::Note => "Internal note, only agents see it".to_owned(),
        Mode::Reply => format!("Reply on {} (Ctrl+Enter to send)", channel.get().label()),
    };
    let send_kb = send.clone();
    view! {
        <section class="composer" class:note-mode=move || mode.get() == Mode::Note aria-label="Composer">
            <div class="composer-bar">
                <div class="segmented" role="radiogroup" aria-label="Reply or note">
                    <button id="mode-reply" role="radio" class="seg" aria-checked=move || (mode.get() == Mode::Reply).to_string() on:click=move |_| mode.set(Mode::Reply)>"Reply"</button>
                    <button id="mode-note" role="radio" class="seg" aria-checked=move || (mode.get() == Mode::Note).to_string() on:click=move |_| mode.set(Mode::Note)>"Note"</button>
                </div>
                <Show when=move || mode.get() == Mode::Reply>
                    <select id="channel-select" aria-label="Channel" prop:value=move || format!("{:?}", channel.get())
                        on:change:target=move |ev| {
                            let v = ev.target().value();
                            if let Some(c) = Channel::ALL.into_iter().find(|c| format!("{c:?}") == v) { channel.set(c) }
                        }>
                        {channels.iter().map(|c| view! { <option value=format!("{c:?}")>{c.label()}</option> }).collect_view()}
                    </select>
                </Show>
                <select aria-label="Insert an answer" prop:value="" on:change:target=move |ev| insert_answer(ev.target().value())>
                    <option value="">"Answers…"</option>
                    {move || session.directory.with(|d| d.answers.iter().map(|a| view! { <option value=a.id.to_string()>{a.name.clone()}</option> }).collect_view())}
                </select>
            </div>
            <Show when=move || mode.get() == Mode::Reply && channel.get() == Channel::Email>
                <input type="text" class="subject-input" aria-label="Subject" prop:value=move || subject.get() on:input:target=move |ev| {
                    let value = ev.target().value();
                    let _ = storage::set(&subject_draft.get_value(), &value);
                    subject.set(value);
                }/>
            </Show>
            <textarea id="composer-text" rows="3" aria-label="Message" placeholder=placeholder
                prop:value=move || text.get()
                on:input:target=move |ev| on_input(ev.target().value())
                on:keydown=move |ev| {
                    if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                        ev.prevent_default();
                        send_kb();
                    }
                }
            ></textarea>
            <div class="composer-foot">
                <span class="hint">
                    {move || {
                        let m = missing();
                        if m.is_empty() { String::new() } else { format!("To fill in: {}", m.join(", ")) }
                    }}
                </span>
                {move || error.get().map(|e| view! { <span class="composer-error" role="alert">{e}</span> })}
                <button id="send-btn" class="btn primary" disabled=move || sending.get() on:click=move |_| send()>
                    {move || if mode.get() == Mode::Note { "Add note" } else { "Send" }}
                </button>
            </div>
        </section>
    }
}

pub fn focus_text() {
    use wasm_bindgen::JsCast;
    if let Some(el) = document().get_element_by_id("composer-text") {
        let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
    }
}

#[cfg(test)]
mod tests {
    use super::{typed_after, unfilled};

    #[test]
    fn unfilled_finds_placeholders_left_in_the_text() {
        assert_eq!(
            unfilled("Refund of {refund.amount} for {order.number}"),
            vec!["refund.amount", "order.number"]
        );
        assert!(unfilled("Plain text, no braces").is_empty());
        assert!(unfilled("A lone { brace and { spaced thing }").is_empty());
    }

    #[test]
    fn what_was_typed_during_a_send_is_kept() {
        assert_eq!(typed_after("First message", "First message"), "");
        assert_eq!(
            typed_after("First message", "First message and the second"),
            "and the second"
        );
        // Changed meanwhile: all of it stays, nothing is thrown away.
        assert_eq!(
            typed_after("First message", "Fist message, edited"),
            "Fist message, edited"
        );
        assert_eq!(typed_after("First message", ""), "");
    }
}

//! The current conversation's controls: status, assignee, topics, Close and Close & Next.
//! Changes show at once (optimistic), roll back with the reason when refused, and offer Undo.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};
use rapport_core::query::View;
use rapport_core::{cmd, Actor, Assignee, Command, Conversation, ConversationState, Status, Store, TopicId};
use wasm_bindgen::JsCast;

use crate::api::Api;
use crate::components::toast::Toasts;
use crate::session::Session;

mod writer;

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
    let toasts = Toasts::use_toasts();
    let navigate = use_navigate();
    let params = use_params_map();
    let id = conv.id.clone();
    let writer = Writer::new(api, toasts, conv.version);
    let inbox = session
        .directory
        .with_untracked(|d| d.inboxes.iter().find(|i| i.id == conv.assignee.inbox_id).cloned());
    let topics_required = inbox.as_ref().is_some_and(|i| i.topics_required_to_close);
    // Who acts is read when they act: "Act as" (or a change of agent) applies at once.
    let inbox_agents = StoredValue::new(inbox.map(|i| i.agent_ids).unwrap_or_default());
    let me_in_inbox = move || {
        let me = session.agent.get();
        inbox_agents.with_value(|agents| agents.contains(&me))
    };
    let actor = move || Actor::agent(&session.agent.get_untracked());

    let status = RwSignal::new(conv.status);
    let assignee = RwSignal::new(conv.assignee.clone());
    let topics = RwSignal::new(conv.topic_ids.clone());
    let topic_hint = RwSignal::new(false);
    // Someone else's change (or ours, read back) arrives as a fresh read, and a write made
    // elsewhere (an Undo in a toast) as its answer. A write still queued here keeps its
    // optimistic state; the answer or read after it brings the final one.
    let adopt = move |c: Conversation| {
        if writer.idle() {
            writer.adopt_version(c.version);
            status.set(c.status);
            assignee.set(c.assignee);
            topics.set(c.topic_ids);
        }
    };
    Effect::new({
        let id = id.clone();
        move |_| {
            if let Some(c) = latest.get().filter(|c| c.id == id) {
                adopt(c);
            }
        }
    });
    Effect::new({
        let id = id.clone();
        move |_| {
            if let Some(c) = api.written().filter(|c| c.id == id) {
                adopt(c);
            }
        }
    });

    let allowed = move || {
        let from = status.get();
        let has_agent = assignee.with(|a| a.agent_id.is_some()) || (from == Status::Closed && me_in_inbox());
        Store::allowed_statuses(from, has_agent)
    };

    let needs_topic = move || topics_required && topics.with(Vec::is_empty);
    let ask_for_topic = move || {
        topic_hint.set(true);
        if let Some(el) = document().get_element_by_id("topic-select") {
            let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
        }
    };

    let set_status = {
        let id = id.clone();
        move |to: Status| {
            let from = status.get_untracked();
            if from == to {
                return;
            }
            if to == Status::Closed && needs_topic() {
                ask_for_topic();
                return;
            }
            let before = ConversationState {
                status: from,
                assignee: assignee.get_untracked(),
            };
            status.set(to);
            let (id, actor) = (id.clone(), actor());
            writer.send(
                move |v| {
                    let command = Command::SetStatus(cmd::SetStatus {
                        conversation_id: id,
                        expected_version: Some(v),
                        status: to,
                        actor: actor.clone(),
                    });
                    (command, Some((before, actor)))
                },
                format!("Status set to {}.", to.label()),
                move || status.set(from),
            );
        }
    };

    let on_assign = {
        let id = id.clone();
        move |value: String| {
            let Some((inbox_id, agent_id)) = value.split_once('|') else {
                return;
            };
            let to = Assignee {
                inbox_id: inbox_id.into(),
                agent_id: (!agent_id.is_empty()).then(|| agent_id.into()),
            };
            let (from, from_status) = (assignee.get_untracked(), status.get_untracked());
            let from_undo = from.clone();
            assignee.set(to.clone());
            status.set(match (&to.agent_id, from_status) {
                (None, _) => Status::New,
                (Some(_), Status::New) => Status::Open,
                (_, s) => s,
            });
            let who = to
                .agent_id
                .as_ref()
                .map(|a| session.agent_name(a))
                .unwrap_or_else(|| format!("{} (unassigned)", session.inbox_name(&to.inbox_id)));
            let (id, actor) = (id.clone(), actor());
            writer.send(
                move |v| {
                    let command = Command::Assign(cmd::Assign {
                        conversation_id: id,
                        expected_version: Some(v),
                        assignee: to,
                        actor: actor.clone(),
                    });
                    let before = ConversationState {
                        status: from_status,
                        assignee: from_undo,
                    };
                    (command, Some((before, actor)))
                },
                format!("Assigned to {who}."),
                move || {
                    assignee.set(from);
                    status.set(from_status);
                },
            );
        }
    };

    let set_topics = {
        let id = id.clone();
        move |next: Vec<TopicId>| {
            let before = topics.get_untracked();
            topics.set(next.clone());
            topic_hint.set(false);
            let (id, actor) = (id.clone(), actor());
            writer.send(
                move |v| {
                    (
                        Command::SetTopics(cmd::SetTopics {
                            conversation_id: id,
                            expected_version: Some(v),
                            topic_ids: next,
                            actor,
                        }),
                        None,
                    )
                },
                "Topics updated.".into(),
                move || topics.set(before),
            );
        }
    };

    let close_and_next = {
        let (id, customer) = (id.clone(), conv.customer_id.clone());
        move |_| {
            if needs_topic() {
                ask_for_topic();
                return;
            }
            let from = status.get_untracked();
            status.set(Status::Closed);
            writer.queue();
            let slug = params
                .with_untracked(|p| p.get("view"))
                .unwrap_or_else(|| "mine".into());
            let (id, actor, me) = (id.clone(), actor(), session.agent.get_untracked());
            let (customer, navigate) = (customer.clone(), navigate.clone());
            spawn_local(async move {
                let close = |v| {
                    Command::SetStatus(cmd::SetStatus {
                        conversation_id: id,
                        expected_version: Some(v),
                        status: Status::Closed,
                        actor,
                    })
                };
                if let Err(e) = writer.run(close).await {
                    status.set(from);
                    toasts.error(e.to_string());
                    return;
                }
                let view = View::from_slug(&slug).unwrap_or(View::Mine);
                let backend = api.backend();
                // The closed one may still head the view (e.g. Closed); the next is among the first few.
                let first = match backend.order(view, Some(me)).await {
                    Ok(ids) => ids.into_iter().take(10).collect(),
                    Err(_) => Vec::new(),
                };
                let next = backend
                    .summaries(first)
                    .await
                    .ok()
                    .and_then(|rows| rows.into_iter().find(|r| r.conversation.customer_id != customer));
                match next {
                    Some(row) => {
                        toasts.info("Closed. Here is the next one.");
                        navigate(
                            &format!("/inbox/{slug}/{}", row.conversation.customer_id),
                            Default::default(),
                        );
                    }
                    None => {
                        toasts.info("Closed. That was the last one in this view.");
                        navigate(&format!("/inbox/{slug}"), Default::default());
                    }
                }
            });
        }
    };

    let status_buttons = {
        let set_status = set_status.clone();
        Status::ALL
            .into_iter()
            .map(move |s| {
                let set_status = set_status.clone();
                let disabled = move || status.get() != s && !allowed().contains(&s);
                view! {
                    <button
                        class=format!("seg st-btn-{}", s.label().to_lowercase())
                        aria-pressed=move || (status.get() == s).to_string()
                        disabled=disabled
                        data-status=s.label()
                        on:click=move |_| set_status(s)
                    >
                        {s.label()}
                    </button>
                }
            })
            .collect_view()
    };

    let assignee_value = move || {
        assignee.with(|a| {
            format!(
                "{}|{}",
                a.inbox_id,
                a.agent_id.as_ref().map(|x| x.as_str()).unwrap_or("")
            )
        })
    };
    let assignee_options = move || {
        session.directory.with(|d| {
            d.inboxes
                .iter()
                .map(|inbox| {
                    let agents = inbox
                        .agent_ids
                        .iter()
                        .map(|a| view! { <option value=format!("{}|{a}", inbox.id)>{session.agent_name(a)}</option> })
                        .collect_view();
                    view! {
                        <optgroup label=inbox.name.clone()>
                            <option value=format!("{}|", inbox.id)>{format!("{}: unassigned", inbox.name)}</option>
                            {agents}
                        </optgroup>
                    }
                })
                .collect_view()
        })
    };

    let topic_options = move || {
        let chosen = topics.get();
        session.directory.with(|d| {
            let parents: Vec<_> = d
                .topics
                .iter()
                .filter(|t| t.parent_id.is_none() && !t.disabled)
                .collect();
            parents
                .into_iter()
                .map(|p| {
                    let family: Vec<_> = std::iter::once(p)
                        .chain(
                            d.topics
                                .iter()
                                .filter(|t| t.parent_id.as_ref() == Some(&p.id) && !t.disabled),
                        )
                        .filter(|t| !chosen.contains(&t.id))
                        .map(|t| view! { <option value=t.id.to_string()>{t.name.clone()}</option> })
                        .collect_view();
                    view! { <optgroup label=p.name.clone()>{family}</optgroup> }
                })
                .collect_view()
        })
    };

    let add_topic = {
        let set_topics = set_topics.clone();
        move |value: String| {
            if value.is_empty() {
                return;
            }
            let mut next = topics.get_untracked();
            next.push(TopicId::from(value));
            set_topics(next);
        }
    };

    let is_closed = move || status.get() == Status::Closed;
    view! {
        <div class="conversation-header" data-testid="conversation-header">
            <div class="segmented" role="group" aria-label="Status">{status_buttons}</div>
            <label class="inline-field">
                <span class="sr-only">"Assignee"</span>
                <select id="assignee-select" aria-label="Assignee" prop:value=assignee_value disabled=is_closed
                    title=move || if is_closed() { "Reopen the conversation to reassign it" } else { "Assign to an inbox and agent" }
                    on:change:target=move |ev| on_assign(ev.target().value())>
                    {assignee_options}
                </select>
            </label>
            <div class="topics" class:attention=move || topic_hint.get()>
                {move || topics.get().into_iter().map(|t| {
                    let name = session.topic_name(&t);
                    let set_topics = set_topics.clone();
                    view! {
                        <span class="topic chip">
                            {name.clone()}
                            <button class="chip-x" aria-label=format!("Remove topic {name}") on:click=move |_| {
                                let next: Vec<TopicId> = topics.get_untracked().into_iter().filter(|x| x != &t).collect();
                                set_topics(next);
                            }>"✕"</button>
                        </span>
                    }
                }).collect_view()}
                <select id="topic-select" aria-label="Add a topic" prop:value="" on:change:target=move |ev| {
                    // Back to "+ Topic" at once: the picker adds, it does not show a choice.
                    let picker = ev.target();
                    add_topic(picker.value());
                    picker.set_value("");
                }>
                    <option value="">"+ Topic"</option>
                    {topic_options}
                </select>
            </div>
            <Show when=move || topic_hint.get()>
                <p class="hint attention-text" role="alert">"Add a topic to close: this inbox requires one."</p>
            </Show>
            <Show when=move || !is_closed()>
                <button id="close-next-btn" class="btn primary" on:click=close_and_next.clone()>"Close & Next"</button>
            </Show>
        </div>
    }
}

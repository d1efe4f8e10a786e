//! The lifelong timeline. Items are grouped into chapters, one per conversation; past chapters
//! are folded (`<details>`, so keyboard and screen readers get it for free), the current one open.
//! Everything from customers or servers is rendered as text nodes, never as HTML.

use leptos::html;
use leptos::prelude::*;
use rapport_core::{Conversation, ConversationId, Direction, Initiator, ItemContent, Status, TaskEvent, TimelineItem};

use super::outbox::UnsentItems;
use super::tasks::TaskSeed;
use crate::api::{Api, CustomerPage};
use crate::components::time::{day, local_offset, stamp};
use crate::components::{ChannelBadge, StatusPill};
use crate::session::Session;

/// Consecutive items of one conversation (or of none: activities and task events).
struct Chapter {
    conversation: Option<Conversation>,
    items: Vec<TimelineItem>,
}

fn chapters(page: &CustomerPage) -> Vec<Chapter> {
    let find = |id: &ConversationId| page.conversations.iter().find(|c| &c.id == id).cloned();
    let mut out: Vec<Chapter> = Vec::new();
    for item in &page.timeline {
        match out.last_mut() {
            Some(last) if last.conversation.as_ref().map(|c| &c.id) == item.conversation_id.as_ref() => {
                last.items.push(item.clone())
            }
            _ => out.push(Chapter {
                conversation: item.conversation_id.as_ref().and_then(find),
                items: vec![item.clone()],
            }),
        }
    }
    out
}

#[component]
pub fn Timeline(page: CustomerPage) -> impl IntoView {
    let session = Session::use_session();
    let offset = local_offset();
    let customer_name = page.customer.name.clone();
    let list = chapters(&page);
    let container = NodeRef::<html::Section>::new();
    // Agents read from the latest message up; start at the bottom.
    Effect::new(move |_| {
        if container.get().is_some() {
            // After layout, or an async backend's page is not tall yet and this does nothing.
            request_animation_frame(move || {
                if let Some(el) = container.try_get_untracked().flatten() {
                    el.set_scroll_top(el.scroll_height());
                }
            });
        }
    });
    let last_conversation = page.conversations.last().map(|c| c.id.clone());
    view! {
        <section class="timeline" data-testid="timeline" aria-label="Timeline" node_ref=container>
            {list.into_iter().map(|chapter| {
                // Each status event reads against the one before it (started, reopened, …).
                let mut prev = None;
                let items = chapter.items.into_iter().map(|item| {
                    let before = prev;
                    if let ItemContent::ConversationStatusChange { status } = item.content {
                        prev = Some(status);
                    }
                    view! { <Item item customer_name=customer_name.clone() before/> }
                }).collect_view();
                match chapter.conversation {
                    None => view! { <div class="loose-items">{items}</div> }.into_any(),
                    Some(conv) => {
                        let current = !conv.status.is_closed() || Some(&conv.id) == last_conversation.as_ref();
                        let dates = match conv.closed_at {
                            Some(end) if day(end, offset) != day(conv.created_at, offset) => format!("{} – {}", day(conv.created_at, offset), day(end, offset)),
                            _ => day(conv.created_at, offset),
                        };
                        let topics = conv.topic_ids.iter().map(|t| session.topic_name(t)).collect::<Vec<_>>().join(", ");
                        view! {
                            <details class="chapter" class:current=current open=current data-testid="chapter">
                                <summary>
                                    <span class="chapter-dates">{dates}</span>
                                    <StatusPill status=conv.status/>
                                    {conv.channels.iter().map(|c| view! { <ChannelBadge channel=*c/> }).collect_view()}
                                    <span class="chapter-topics">{topics}</span>
                                </summary>
                                <div class="chapter-items">{items}</div>
                            </details>
                        }.into_any()
                    }
                }
            }).collect_view()}
            <UnsentItems conversations=page.conversations.iter().map(|c| c.id.clone()).collect()/>
        </section>
    }
}

#[component]
fn Item(item: TimelineItem, customer_name: String, before: Option<Status>) -> impl IntoView {
    let api = Api::use_api();
    let session = Session::use_session();
    let when = stamp(api.now(), item.timestamp, local_offset());
    let who = match &item.initiator {
        Initiator::Customer => customer_name,
        Initiator::Agent { id } => session.agent_name(id),
        Initiator::System => "Rapport".to_owned(),
    };
    let time = view! { <time datetime=item.timestamp.to_rfc3339()>{when}</time> };
    let body = match item.content.clone() {
        ItemContent::ConversationNote { body } => view! {
            <div class="note">
                <div class="item-meta"><span class="author">"Note · " {who}</span>{time}</div>
                <p class="text">{body}</p>
            </div>
        }
        .into_any(),
        ItemContent::ConversationStatusChange { status } => {
            let text = match (before, status) {
                (None, _) => "Conversation started".to_owned(),
                (Some(Status::Closed), _) if item.initiator == Initiator::Customer => {
                    "The customer wrote again within the reopen window: conversation reopened".to_owned()
                }
                (Some(Status::Closed), _) => format!("{who} reopened the conversation"),
                (_, Status::Open) if item.initiator == Initiator::Customer => {
                    "The customer replied: back to Open".to_owned()
                }
                (_, s) => format!("{who} set the status to {}", s.label()),
            };
            event(text, time)
        }
        ItemContent::AssignmentChange { inbox_id, agent_id } => {
            let to = match agent_id {
                Some(a) => format!("{} ({})", session.agent_name(&a), session.inbox_name(&inbox_id)),
                None => format!("{}, unassigned", session.inbox_name(&inbox_id)),
            };
            event(format!("Assigned to {to}"), time)
        }
        ItemContent::TopicChange { added, removed } => {
            let names = |ids: &[rapport_core::TopicId]| {
                ids.iter().map(|t| session.topic_name(t)).collect::<Vec<_>>().join(", ")
            };
            let mut parts = Vec::new();
            if !added.is_empty() {
                parts.push(format!("added {}", names(&added)));
            }
            if !removed.is_empty() {
                parts.push(format!("removed {}", names(&removed)));
            }
            event(format!("{who} {} as topic", parts.join(" and ")), time)
        }
        ItemContent::CustomerActivity { title, body, .. } => view! {
            <div class="activity">
                <div class="item-meta"><span class="author">"Activity"</span>{time}</div>
                <p class="activity-title">{title}</p>
                <p class="text muted">{body}</p>
            </div>
        }
        .into_any(),
        ItemContent::Task { event: e, body, .. } => {
            let verb = match e {
                TaskEvent::Created => "created a task",
                TaskEvent::Commented => "commented on a task",
                TaskEvent::Closed => "closed a task",
                TaskEvent::Reopened => "reopened a task",
            };
            view! {
                <div class="task-event">
                    <div class="item-meta"><span class="author">{who} " " {verb}</span>{time}</div>
                    <p class="text">{body}</p>
                </div>
            }
            .into_any()
        }
        ItemContent::Unknown { kind, .. } => {
            event(format!("An item of a kind this version does not show ({kind})"), time)
        }
        message => {
            let channel = message.channel();
            let outbound = message.direction() == Some(Direction::Outbound);
            let subject = match &message {
                ItemContent::Email { subject, .. } if !subject.is_empty() => Some(subject.clone()),
                _ => None,
            };
            let extra = match &message {
                ItemContent::PhoneCall { duration_secs, .. } if *duration_secs > 0 => {
                    Some(format!("{} min call", duration_secs.div_ceil(60)))
                }
                _ => None,
            };
            let text = message.text().unwrap_or_default().to_owned();
            let html = match &message {
                ItemContent::Email { html: Some(h), .. } if !h.trim().is_empty() => Some(h.clone()),
                _ => None,
            };
            let seed = use_context::<TaskSeed>();
            let quote = format!("Follow up: “{}”", text.chars().take(120).collect::<String>());
            view! {
                <div class="message" class:outbound=outbound class:inbound=!outbound>
                    <div class="item-meta">
                        <span class="author">{who}</span>
                        {channel.map(|c| view! { <ChannelBadge channel=c/> })}
                        {time}
                        {seed.map(|seed| view! {
                            <button class="btn-link item-action" title="Create a task from this message" on:click=move |_| seed.0.set(Some(quote.clone()))>"Task"</button>
                        })}
                    </div>
                    {subject.map(|s| view! { <p class="subject">{s}</p> })}
                    {extra.map(|s| view! { <p class="muted">{s}</p> })}
                    <p class="text">{text}</p>
                    {html.map(|h| view! { <EmailOriginal html=h/> })}
                </div>
            }
            .into_any()
        }
    };
    view! { <article class="item" data-testid="timeline-item" data-kind=item.content.kind()>{body}</article> }
}

/// The email as its sender formatted it, in a frame with every sandbox restriction on: no
/// scripts, no forms, no popups, no same-origin access, so nothing in it can reach the app.
/// Rendered only when asked for (`<details>` mounts it lazily enough for long timelines).
#[component]
fn EmailOriginal(html: String) -> impl IntoView {
    let shown = RwSignal::new(false);
    view! {
        <details class="email-original" on:toggle=move |_| shown.set(true)>
            <summary>"Show the original email"</summary>
            <Show when=move || shown.get()>
                <iframe class="email-frame" sandbox="" referrerpolicy="no-referrer" title="Original email" srcdoc=html.clone()></iframe>
            </Show>
        </details>
    }
}

fn event(text: String, time: impl IntoView + 'static) -> AnyView {
    view! { <div class="event"><span>{text}</span>{time}</div> }.into_any()
}

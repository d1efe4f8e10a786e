//! One timeline item as the agent reads it: who did what, when, on which channel.

use leptos::prelude::*;
use rapport_core::{Direction, Initiator, ItemContent, Status, TaskEvent, TimelineItem};

use crate::api::Api;
use crate::components::time::{stamp, Zone};
use crate::components::ChannelBadge;
use crate::customer::tasks::TaskSeed;
use crate::session::Session;

/// Where an item sits in the timeline, for its row's classes and ARIA position.
pub(super) struct Place {
    pub(super) pos: usize,
    pub(super) in_chapter: bool,
    pub(super) current: bool,
    pub(super) chapter_end: bool,
    pub(super) size_key: String,
}

#[component]
pub(super) fn Item(
    item: TimelineItem,
    customer_name: String,
    before: Option<Option<Status>>,
    place: Place,
    total: Memo<usize>,
) -> impl IntoView {
    let api = Api::use_api();
    let session = Session::use_session();
    let when = stamp(api.now(), item.timestamp, Zone::local());
    let who = match &item.initiator {
        Initiator::Customer => customer_name,
        Initiator::Agent { id, via: None } => session.agent_name(id),
        // An admin's integration acted for the agent: the audit names both.
        Initiator::Agent { id, via: Some(by) } => {
            format!("{} (via {})", session.agent_name(id), session.agent_name(by))
        }
        Initiator::System => "Rapport".to_owned(),
        Initiator::Unknown => "Someone".to_owned(),
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
                (Some(None), _) => "Conversation started".to_owned(),
                (Some(Some(Status::Closed)), _) if item.initiator == Initiator::Customer => {
                    "The customer wrote again within the reopen window: conversation reopened".to_owned()
                }
                (Some(Some(Status::Closed)), _) => format!("{who} reopened the conversation"),
                (_, Status::Open) if item.initiator == Initiator::Customer => {
                    "The customer replied: back to Open".to_owned()
                }
                (_, s) => format!("{who} set the status to {}", s.label()),
            };
            event(text, time)
        }
        ItemContent::AssignmentChange { inbox_id, agent_id } => {
            // Who made the change, always: an assignment is part of the audit trail.
            let inbox = session.inbox_name(&inbox_id);
            let text = match (&item.initiator, agent_id) {
                (Initiator::Agent { id, .. }, Some(a)) if *id == a => format!("{who} took the conversation ({inbox})"),
                (_, Some(a)) => format!("{who} assigned it to {} ({inbox})", session.agent_name(&a)),
                (Initiator::Agent { .. }, None) => format!("{who} moved it to {inbox}, unassigned"),
                (_, None) => format!("Routed to {inbox}, for its next free agent"),
            };
            event(text, time)
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
        ItemContent::CustomerActivity(a) => view! {
            <div class="activity">
                <div class="item-meta"><span class="author">"Activity"</span>{time}</div>
                <p class="activity-title">{a.title}</p>
                <p class="text muted">{a.body}</p>
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
                ItemContent::Email(e) if !e.subject.is_empty() => Some(e.subject.clone()),
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
                ItemContent::Email(e) => e.html.clone().filter(|h| !h.trim().is_empty()),
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
    view! {
        <article class="item" class:in-chapter=place.in_chapter class:current=place.current class:chapter-end=place.chapter_end
            data-testid="timeline-item" data-kind=item.content.kind().to_owned() data-size-key=place.size_key
            aria-posinset=place.pos aria-setsize=move || total.get()>
            {body}
        </article>
    }
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

//! A chapter's head: one conversation's dates, status, channels and topics, as the button that
//! folds or opens it.

use leptos::prelude::*;
use rapport_core::{Conversation, ConversationId};

use crate::components::time::{day, Zone};
use crate::components::{ChannelBadge, StatusPill};
use crate::session::Session;

/// How a head is drawn: its fold, whether it is the current conversation, the key its height
/// is measured by.
pub(super) struct HeadState {
    pub(super) open: bool,
    pub(super) current: bool,
    pub(super) size_key: String,
}

/// `toggle(id, open)`: the agent folds (or opens) it.
pub(super) fn head(
    conv: Conversation,
    state: HeadState,
    session: Session,
    offset: Zone,
    toggle: impl Fn(ConversationId, bool) + Copy + 'static,
) -> impl IntoView {
    let HeadState {
        open,
        current,
        size_key,
    } = state;
    let dates = chapter_dates(&conv, offset);
    let topics = topic_names(session, &conv);
    let id = conv.id.clone();
    view! {
        <h3 class="chapter-head" class:current=current class:open=open data-testid="chapter"
            data-open=open.to_string() data-size-key=size_key>
            <button type="button" class="chapter-toggle" aria-expanded=open.to_string()
                on:click=move |_| toggle(id.clone(), open)>
                <span class="chapter-dates">{dates}</span>
                <StatusPill status=conv.status/>
                {conv.channels.iter().map(|c| view! { <ChannelBadge channel=*c/> }).collect_view()}
                <span class="chapter-topics">{topics}</span>
            </button>
        </h3>
    }
}

pub(super) fn topic_names(session: Session, conv: &Conversation) -> String {
    conv.topic_ids
        .iter()
        .map(|t| session.topic_name(t))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The day it began, and the day it closed when that was another day.
pub(super) fn chapter_dates(conv: &Conversation, offset: Zone) -> String {
    match conv.closed_at {
        Some(end) if day(end, offset) != day(conv.created_at, offset) => {
            format!("{} – {}", day(conv.created_at, offset), day(end, offset))
        }
        _ => day(conv.created_at, offset),
    }
}

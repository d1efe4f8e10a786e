//! The header's state and its writes: status, assignee and topics show a change at once, and
//! roll back with the reason when it is refused. The rules they follow are core's.

use leptos::prelude::*;
use rapport_core::{
    cmd, Actor, Assignee, Command, Conversation, ConversationId, ConversationState, Inbox, Status, Store, TopicId,
};
use wasm_bindgen::JsCast;

use super::writer::Writer;
use crate::session::Session;

/// One `Copy` value the header's parts share.
#[derive(Clone, Copy)]
pub(super) struct Controls {
    id: StoredValue<ConversationId>,
    /// The conversation's inbox as the directory had it when the header was built.
    inbox: StoredValue<Option<Inbox>>,
    pub(super) status: RwSignal<Status>,
    pub(super) assignee: RwSignal<Assignee>,
    pub(super) topics: RwSignal<Vec<TopicId>>,
    /// Set when Close was refused for want of a topic: the picker asks for one.
    pub(super) topic_hint: RwSignal<bool>,
    pub(super) writer: Writer,
    session: Session,
}

impl Controls {
    pub(super) fn new(conv: &Conversation, writer: Writer, session: Session) -> Controls {
        let inbox = session
            .directory
            .with_untracked(|d| d.inboxes.iter().find(|i| i.id == conv.assignee.inbox_id).cloned());
        Controls {
            id: StoredValue::new(conv.id.clone()),
            inbox: StoredValue::new(inbox),
            status: RwSignal::new(conv.status),
            assignee: RwSignal::new(conv.assignee.clone()),
            topics: RwSignal::new(conv.topic_ids.clone()),
            topic_hint: RwSignal::new(false),
            writer,
            session,
        }
    }

    pub(super) fn id(self) -> ConversationId {
        self.id.get_value()
    }

    /// Who acts, read when they act: "Act as" (or a change of agent) applies at once.
    pub(super) fn actor(self) -> Actor {
        Actor::agent(&self.session.agent.get_untracked())
    }

    /// Someone else's change (or ours, read back) arrives as a fresh read, and a write made
    /// elsewhere (an Undo in a toast) as its answer. A write still queued here keeps its
    /// optimistic state; the answer or read after it brings the final one.
    pub(super) fn adopt(self, c: Conversation) {
        if self.writer.idle() {
            self.writer.adopt_version(c.version);
            self.status.set(c.status);
            self.assignee.set(c.assignee);
            self.topics.set(c.topic_ids);
        }
    }

    /// The statuses the agent may pick now (core's transitions).
    pub(super) fn allowed(self) -> Vec<Status> {
        let from = self.status.get();
        let me = self.session.agent.get();
        let me_in_inbox = self
            .inbox
            .with_value(|i| i.as_ref().is_some_and(|i| i.agent_ids.contains(&me)));
        let has_agent = self.assignee.with(|a| a.agent_id.is_some()) || (from == Status::Closed && me_in_inbox);
        Store::allowed_statuses(from, has_agent)
    }

    /// Closing would be refused for want of a topic; the picker asks for one instead.
    pub(super) fn ask_topic_to_close(self) -> bool {
        let needs = self.inbox.with_value(|i| {
            i.as_ref()
                .is_some_and(|i| self.topics.with_untracked(|t| i.close_needs_topic(t)))
        });
        if needs {
            self.topic_hint.set(true);
            if let Some(el) = document().get_element_by_id("topic-select") {
                let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
            }
        }
        needs
    }

    pub(super) fn set_status(self, to: Status) {
        let from = self.status.get_untracked();
        if from == to || (to == Status::Closed && self.ask_topic_to_close()) {
            return;
        }
        let before = ConversationState {
            status: from,
            assignee: self.assignee.get_untracked(),
        };
        self.status.set(to);
        let (id, actor) = (self.id(), self.actor());
        self.writer.send(
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
            move || self.status.set(from),
        );
    }

    /// `value`: `inboxId|agentId`, or `inboxId|` for the inbox's queue.
    pub(super) fn assign(self, value: String) {
        let Some((inbox_id, agent_id)) = value.split_once('|') else {
            return;
        };
        let to = Assignee {
            inbox_id: inbox_id.into(),
            agent_id: (!agent_id.is_empty()).then(|| agent_id.into()),
        };
        let (from, from_status) = (self.assignee.get_untracked(), self.status.get_untracked());
        let before = ConversationState {
            status: from_status,
            assignee: from.clone(),
        };
        self.assignee.set(to.clone());
        self.status
            .set(Store::status_after_assign(from_status, to.agent_id.is_some()));
        let session = self.session;
        let who = to
            .agent_id
            .as_ref()
            .map(|a| session.agent_name(a))
            .unwrap_or_else(|| format!("{} (unassigned)", session.inbox_name(&to.inbox_id)));
        let (id, actor) = (self.id(), self.actor());
        self.writer.send(
            move |v| {
                let command = Command::Assign(cmd::Assign {
                    conversation_id: id,
                    expected_version: Some(v),
                    assignee: to,
                    actor: actor.clone(),
                });
                (command, Some((before, actor)))
            },
            format!("Assigned to {who}."),
            move || {
                self.assignee.set(from);
                self.status.set(from_status);
            },
        );
    }

    pub(super) fn set_topics(self, next: Vec<TopicId>) {
        let before = self.topics.get_untracked();
        self.topics.set(next.clone());
        self.topic_hint.set(false);
        let (id, actor) = (self.id(), self.actor());
        self.writer.send(
            move |v| {
                let command = Command::SetTopics(cmd::SetTopics {
                    conversation_id: id,
                    expected_version: Some(v),
                    topic_ids: next,
                    actor,
                });
                (command, None)
            },
            "Topics updated.".into(),
            move || self.topics.set(before),
        );
    }
}

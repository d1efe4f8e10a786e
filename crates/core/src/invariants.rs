//! The rules that must hold after every command. The property tests call this after each step, and
//! the demo backend calls it on a store loaded from storage, to refuse one that was tampered with.

use std::collections::HashSet;

use crate::model::*;
use crate::store::Store;
use crate::views::ViewIndex;

/// Every broken invariant, as readable sentences; empty when the store is sound.
pub fn violations(store: &Store) -> Vec<String> {
    let mut out = structural(store);
    for conv in store.conversations() {
        audit_replay(store, conv, &mut out);
    }
    out
}

/// The invariants but the audit trail: what an organisation given as data must satisfy (its
/// history may predate the trail, so its items need not replay into each conversation's state).
pub fn structural(store: &Store) -> Vec<String> {
    let mut out = Vec::new();
    if store
        .kept_views()
        .is_some_and(|kept| *kept != ViewIndex::build(store.conversations()))
    {
        out.push("the inbox views kept by the store differ from the conversations".to_owned());
    }
    let mut open_customers = HashSet::new();
    for conv in store.conversations() {
        let id = &conv.id;
        if store.customer(&conv.customer_id).is_err() {
            out.push(format!("{id}: belongs to a missing customer"));
        }
        if !conv.status.is_closed() && !open_customers.insert(conv.customer_id.clone()) {
            out.push(format!("{}: more than one open conversation", conv.customer_id));
        }
        let inbox = match store.inbox(&conv.assignee.inbox_id) {
            Ok(inbox) => inbox,
            Err(_) => {
                out.push(format!("{id}: in a missing inbox"));
                continue;
            }
        };
        match (conv.status, &conv.assignee.agent_id) {
            (Status::New, Some(_)) => out.push(format!("{id}: NEW but has an agent")),
            (Status::Open | Status::Waiting, None) => out.push(format!("{id}: {:?} without an agent", conv.status)),
            _ => {}
        }
        // A closed conversation keeps who had it, also after they left the inbox: its history.
        if let (Some(agent), false) = (&conv.assignee.agent_id, conv.status.is_closed()) {
            if !inbox.agent_ids.contains(agent) {
                out.push(format!("{id}: agent {agent} is not in inbox {}", inbox.id));
            }
        }
        if conv.status.is_closed() != conv.closed_at.is_some() {
            out.push(format!("{id}: closedAt does not match status {:?}", conv.status));
        }
        // No invariant for "closed with the topic its inbox requires": an inbox may require
        // topics from some day on, and what closed before stays as it was. The rule is checked
        // when closing (store/conversation.rs) and tested there.
        for t in &conv.topic_ids {
            if store.topic(t).is_err() {
                out.push(format!("{id}: unknown topic {t}"));
            }
        }
        if conv.version == 0 {
            out.push(format!("{id}: version 0"));
        }
    }
    for (customer, timeline) in store.timelines() {
        if timeline.windows(2).any(|w| w[0].timestamp > w[1].timestamp) {
            out.push(format!("{customer}: timeline out of order"));
        }
        for item in timeline {
            if &item.customer_id != customer {
                out.push(format!("{}: filed under another customer", item.id));
            }
            if let Some(c) = &item.conversation_id {
                match store.conversation(c) {
                    Ok(conv) if &conv.customer_id == customer => {}
                    _ => out.push(format!("{}: points at a conversation of another customer", item.id)),
                }
            }
        }
    }
    for task in store.tasks() {
        if store.customer(&task.customer_id).is_err() {
            out.push(format!("{}: task of a missing customer", task.id));
        }
        if let (Some(agent), TaskStatus::Open) = (&task.assignee.agent_id, task.status) {
            if !store.is_member(&task.assignee.inbox_id, agent) {
                out.push(format!(
                    "{}: open task of {agent}, who is not in inbox {}",
                    task.id, task.assignee.inbox_id
                ));
            }
        }
    }
    out
}

/// Replays a conversation's audit items; they must end in its current status, assignee and topics,
/// which shows that every change left its trace in the timeline.
fn audit_replay(store: &Store, conv: &Conversation, out: &mut Vec<String>) {
    let mut status = None;
    let mut assignee = None;
    let mut topics: Vec<TopicId> = Vec::new();
    for item in store.timeline(&conv.customer_id) {
        if item.conversation_id.as_ref() != Some(&conv.id) {
            continue;
        }
        match &item.content {
            ItemContent::ConversationStatusChange { status: s } => status = Some(*s),
            ItemContent::AssignmentChange { inbox_id, agent_id } => {
                assignee = Some(Assignee {
                    inbox_id: inbox_id.clone(),
                    agent_id: agent_id.clone(),
                })
            }
            ItemContent::TopicChange { added, removed } => {
                topics.retain(|t| !removed.contains(t));
                topics.extend(added.iter().cloned());
            }
            _ => {}
        }
    }
    if status != Some(conv.status) {
        out.push(format!(
            "{}: audit trail says {status:?}, conversation says {:?}",
            conv.id, conv.status
        ));
    }
    if assignee.as_ref() != Some(&conv.assignee) {
        out.push(format!("{}: audit trail assignee differs", conv.id));
    }
    let mut expected = conv.topic_ids.clone();
    expected.sort();
    topics.sort();
    if topics != expected {
        out.push(format!("{}: audit trail topics differ", conv.id));
    }
}

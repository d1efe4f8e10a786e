//! Shared fixtures for the rapport-core integration tests: the fixed seed directory, a fixed clock,
//! and short helpers that apply one command and unwrap the outcome the test expects.
#![allow(dead_code)] // each test binary uses a different subset

use chrono::{DateTime, Duration, TimeZone, Utc};
use rapport_core::*;

/// A fixed "now"; tests move time forward from here explicitly.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().expect("valid date")
}

pub fn hours(h: i64) -> Duration {
    Duration::hours(h)
}

pub fn agent(id: &str) -> AgentId {
    AgentId::from(id)
}

pub fn inbox(id: &str) -> InboxId {
    InboxId::from(id)
}

pub fn topic(id: &str) -> TopicId {
    TopicId::from(id)
}

/// An empty store over the seed directory (inboxes support/email/voice/billing, agents ag1..ag10).
pub fn store() -> Store {
    Store::new(rapport_core::seed::directory())
}

/// A customer reachable by email, phone (so SMS, voice, WhatsApp) and chat — but not Messenger
/// or Instagram, which the refusal tests rely on.
pub fn new_customer(store: &mut Store, now: DateTime<Utc>, name: &str) -> CustomerId {
    let slug: String = name.to_lowercase().split_whitespace().collect::<Vec<_>>().join(".");
    let customer = NewCustomer {
        name: name.to_owned(),
        emails: vec![format!("{slug}@example.com")],
        phones: vec![format!("+1 (555) 010-{:04}", store.customers().count() + 4400)],
        handles: vec![Handle {
            channel: Channel::Chat,
            value: format!("{slug}-chat"),
        }],
        address: None,
        custom_attributes: Default::default(),
    };
    match store.apply(now, &Command::CreateCustomer(cmd::CreateCustomer { customer })) {
        Ok(Outcome::Customer { customer_id }) => customer_id,
        other => panic!("creating a customer: {other:?}"),
    }
}

pub fn inbound_cmd(customer: &CustomerId, channel: Channel, text: &str) -> Command {
    Command::Inbound(cmd::Inbound {
        customer_id: customer.clone(),
        channel,
        text: text.to_owned(),
        subject: None,
    })
}

/// The customer writes in; returns where it went and how it was routed.
pub fn inbound(
    store: &mut Store,
    now: DateTime<Utc>,
    customer: &CustomerId,
    channel: Channel,
) -> (ConversationId, Routing) {
    match store.apply(now, &inbound_cmd(customer, channel, "Hello, I need help")) {
        Ok(Outcome::Conversation {
            conversation_id,
            routing: Some(routing),
        }) => (conversation_id, routing),
        other => panic!("inbound: {other:?}"),
    }
}

pub fn assign_cmd(conv: &ConversationId, inbox_id: &str, agent_id: Option<&str>) -> Command {
    Command::Assign(cmd::Assign {
        conversation_id: conv.clone(),
        expected_version: None,
        assignee: Assignee {
            inbox_id: inbox(inbox_id),
            agent_id: agent_id.map(agent),
        },
        actor: Actor::System,
    })
}

pub fn reply_cmd(conv: &ConversationId, agent_id: &str, channel: Channel, text: &str) -> Command {
    Command::Reply(cmd::Reply {
        conversation_id: conv.clone(),
        expected_version: None,
        agent_id: agent(agent_id),
        channel,
        text: text.to_owned(),
        subject: None,
    })
}

pub fn status_cmd(conv: &ConversationId, status: Status, by: &str) -> Command {
    Command::SetStatus(cmd::SetStatus {
        conversation_id: conv.clone(),
        expected_version: None,
        status,
        actor: Actor::agent(&agent(by)),
    })
}

pub fn topics_cmd(conv: &ConversationId, topics: &[&str], by: &str) -> Command {
    Command::SetTopics(cmd::SetTopics {
        conversation_id: conv.clone(),
        expected_version: None,
        topic_ids: topics.iter().map(|t| topic(t)).collect(),
        actor: Actor::agent(&agent(by)),
    })
}

/// Applies a command that must succeed.
pub fn ok(store: &mut Store, now: DateTime<Utc>, command: &Command) -> Outcome {
    store
        .apply(now, command)
        .unwrap_or_else(|e| panic!("{command:?} was refused: {e:?}"))
}

/// Applies a command that must be refused, checks the store did not change, returns the error.
pub fn refused(store: &mut Store, now: DateTime<Utc>, command: &Command) -> CoreError {
    let before = store.clone();
    let err = match store.apply(now, command) {
        Err(e) => e,
        Ok(out) => panic!("{command:?} was accepted ({out:?}) but should have been refused"),
    };
    assert!(*store == before, "a refused command changed the store: {err:?}");
    err
}

pub fn conv(store: &Store, id: &ConversationId) -> Conversation {
    store.conversation(id).expect("conversation exists").clone()
}

/// A conversation in `inbox_id` owned by `agent_id` (status OPEN), for a fresh customer.
pub fn open_conversation(
    store: &mut Store,
    now: DateTime<Utc>,
    name: &str,
    channel: Channel,
    inbox_id: &str,
    agent_id: &str,
) -> (CustomerId, ConversationId) {
    let customer = new_customer(store, now, name);
    let (id, _) = inbound(store, now, &customer, channel);
    ok(store, now, &assign_cmd(&id, inbox_id, Some(agent_id)));
    assert_eq!(conv(store, &id).status, Status::Open);
    (customer, id)
}

/// Kinds (wire names) of the timeline items appended after the first `from` items.
pub fn new_item_kinds(store: &Store, customer: &CustomerId, from: usize) -> Vec<String> {
    store.timeline(customer)[from..]
        .iter()
        .map(|i| i.content.kind().to_owned())
        .collect()
}

//! What a write says: the [`Command`]s the store accepts, their payloads, and what a write
//! returns. These are serialized into the command logs of databases and into demo saves, so
//! their JSON must not change.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::*;

/// Who performs a command: `{"type": "AGENT", "id": …}` or `{"type": "SYSTEM"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE", try_from = "ActorWire")]
pub enum Actor {
    Agent { id: AgentId },
    System,
}

/// `Actor` as read: a plain struct decodes in a fraction of the code a tagged enum needs, and an
/// actor sits in most commands (the demo's engine is measured in bytes).
#[derive(Deserialize)]
struct ActorWire {
    #[serde(rename = "type")]
    kind: ActorKind,
    #[serde(default)]
    id: Option<AgentId>,
}

#[derive(Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum ActorKind {
    Agent,
    System,
}

impl TryFrom<ActorWire> for Actor {
    type Error = &'static str;

    fn try_from(wire: ActorWire) -> Result<Actor, &'static str> {
        match (wire.kind, wire.id) {
            (ActorKind::Agent, Some(id)) => Ok(Actor::Agent { id }),
            (ActorKind::Agent, None) => Err("an AGENT actor needs an `id`"),
            (ActorKind::System, _) => Ok(Actor::System),
        }
    }
}

impl Actor {
    pub fn agent(id: &AgentId) -> Self {
        Actor::Agent { id: id.clone() }
    }

    pub(super) fn initiator(&self) -> Initiator {
        match self {
            Actor::Agent { id } => Initiator::agent(id),
            Actor::System => Initiator::System,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewCustomer {
    pub name: String,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub handles: Vec<Handle>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub custom_attributes: BTreeMap<String, String>,
}

/// Every write the domain accepts. `expected_version`, when given, must equal the
/// conversation's current version or the write is refused as a conflict.
///
/// Each variant holds a struct of the same name (public as `rapport_core::cmd`). An internally
/// tagged newtype variant of a struct serializes exactly like a struct variant, so the JSON is
/// `{"command": "SET_STATUS", "conversationId": …}` either way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Command {
    CreateCustomer(CreateCustomer),
    Inbound(Inbound),
    Reply(Reply),
    AddNote(AddNote),
    Assign(Assign),
    SetStatus(SetStatus),
    SetTopics(SetTopics),
    Undo(Undo),
    AddActivity(AddActivity),
    CreateTask(CreateTask),
    CommentTask(CommentTask),
    SetTaskStatus(SetTaskStatus),
    CreateAgent(CreateAgent),
    SetMembership(SetMembership),
    CreateInbox(CreateInbox),
    UpdateInbox(UpdateInbox),
}

impl Command {
    /// Whether it changes the directory (agents, inboxes, memberships): an administrator's act,
    /// whose event tells desks to read the directory again.
    pub fn changes_directory(&self) -> bool {
        matches!(
            self,
            Command::CreateAgent(_) | Command::SetMembership(_) | Command::CreateInbox(_) | Command::UpdateInbox(_)
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCustomer {
    pub customer: NewCustomer,
}

/// The customer writes or calls in on `channel`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inbound {
    pub customer_id: CustomerId,
    pub channel: Channel,
    pub text: String,
    #[serde(default)]
    pub subject: Option<String>,
}

/// An agent answers the customer on `channel`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reply {
    pub conversation_id: ConversationId,
    #[serde(default)]
    pub expected_version: Option<u64>,
    pub agent_id: AgentId,
    pub channel: Channel,
    pub text: String,
    #[serde(default)]
    pub subject: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddNote {
    pub conversation_id: ConversationId,
    pub agent_id: AgentId,
    pub body: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assign {
    pub conversation_id: ConversationId,
    #[serde(default)]
    pub expected_version: Option<u64>,
    pub assignee: Assignee,
    pub actor: Actor,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetStatus {
    pub conversation_id: ConversationId,
    #[serde(default)]
    pub expected_version: Option<u64>,
    pub status: Status,
    pub actor: Actor,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetTopics {
    pub conversation_id: ConversationId,
    #[serde(default)]
    pub expected_version: Option<u64>,
    pub topic_ids: Vec<TopicId>,
    pub actor: Actor,
}

/// Takes back a change of status or assignee: if the conversation still is as that change
/// left it (`undone`), it returns to the state before it (`restore`), whatever else (topics,
/// notes) happened since. Refused, with who changed it, when status or assignee moved on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Undo {
    pub conversation_id: ConversationId,
    pub undone: ConversationState,
    pub restore: ConversationState,
    pub actor: Actor,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddActivity {
    pub customer_id: CustomerId,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTask {
    pub customer_id: CustomerId,
    pub body: String,
    #[serde(deserialize_with = "crate::dates::de")]
    pub due_at: DateTime<Utc>,
    pub assignee: Assignee,
    pub agent_id: AgentId,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentTask {
    pub task_id: TaskId,
    pub agent_id: AgentId,
    pub body: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetTaskStatus {
    pub task_id: TaskId,
    pub status: TaskStatus,
    pub agent_id: AgentId,
}

/// A new agent joins the directory (an administrator's act); an account then signs in as them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateAgent {
    pub name: String,
    pub email_address: String,
    /// The inboxes they join at once.
    #[serde(default)]
    pub inbox_ids: Vec<InboxId>,
    pub actor: Actor,
}

/// An agent joins (`member`) or leaves an inbox. Leaving is refused while they still own an
/// open or waiting conversation or an open task there: nothing may be left with nobody able to
/// see it in their lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetMembership {
    pub inbox_id: InboxId,
    pub agent_id: AgentId,
    pub member: bool,
    pub actor: Actor,
}

/// A new inbox (an administrator's act). Its channels must be routed nowhere else yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateInbox {
    pub name: String,
    #[serde(default)]
    pub channels: Vec<Channel>,
    pub reopen_window_hours: u32,
    #[serde(default)]
    pub topics_required_to_close: bool,
    /// The agents who join it at once.
    #[serde(default)]
    pub agent_ids: Vec<AgentId>,
    pub actor: Actor,
}

/// An inbox's settings changed (an administrator's act); a field left out keeps its value.
/// They apply from now on: a conversation closed before topics were required stays as it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateInbox {
    pub inbox_id: InboxId,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub channels: Option<Vec<Channel>>,
    #[serde(default)]
    pub reopen_window_hours: Option<u32>,
    #[serde(default)]
    pub topics_required_to_close: Option<bool>,
    pub actor: Actor,
}

/// What an undo compares and restores: a conversation's status and who has it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationState {
    pub status: Status,
    pub assignee: Assignee,
}

impl ConversationState {
    pub fn of(conv: &Conversation) -> ConversationState {
        ConversationState {
            status: conv.status,
            assignee: conv.assignee.clone(),
        }
    }
}

/// How an inbound contact was routed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Routing {
    /// Added to the customer's open conversation.
    Appended,
    /// A closed conversation inside its reopen window came back.
    Reopened,
    /// No open conversation and none reopenable: a new one in the same timeline.
    Started,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE", rename_all_fields = "camelCase")]
pub enum Outcome {
    Customer {
        customer_id: CustomerId,
    },
    Conversation {
        conversation_id: ConversationId,
        routing: Option<Routing>,
    },
    Item {
        item_id: ItemId,
    },
    Task {
        task_id: TaskId,
    },
    Agent {
        agent_id: AgentId,
    },
    Inbox {
        inbox_id: InboxId,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_actor_reads_and_writes_the_json_it_always_had() {
        let agent = Actor::agent(&AgentId::from("ag1"));
        assert_eq!(
            serde_json::to_string(&agent).ok().as_deref(),
            Some(r#"{"type":"AGENT","id":"ag1"}"#)
        );
        assert_eq!(
            serde_json::to_string(&Actor::System).ok().as_deref(),
            Some(r#"{"type":"SYSTEM"}"#)
        );
        for (text, expected) in [
            (r#"{"type":"AGENT","id":"ag1"}"#, Some(agent)),
            (
                r#"{"id":"ag1","type":"AGENT"}"#,
                Some(Actor::agent(&AgentId::from("ag1"))),
            ),
            (r#"{"type":"SYSTEM"}"#, Some(Actor::System)),
            (r#"{"type":"AGENT"}"#, None),
            (r#"{"type":"ROBOT","id":"x"}"#, None),
            (r#"{"id":"ag1"}"#, None),
        ] {
            assert_eq!(serde_json::from_str::<Actor>(text).ok(), expected, "{text}");
        }
    }
}

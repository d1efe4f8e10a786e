//! The domain's data types. Field and enum names follow Gladly's public REST API where it has
//! the concept, so the same types serialize to the HTTP contract without a mapping layer.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Ids are shared, not copied: every timeline item names its customer and conversation, and at
/// 140k items separate strings were a third of the demo's memory.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Arc<str>);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.into())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s.into())
            }
        }
    };
}

id_type!(
    /// Opaque; never shown to people (no ticket numbers).
    CustomerId
);
id_type!(ConversationId);
id_type!(ItemId);
id_type!(TopicId);
id_type!(AgentId);
id_type!(InboxId);
id_type!(TeamId);
id_type!(TaskId);
id_type!(AnswerId);

/// Where a message travels. Names as the channel values of Gladly's events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Channel {
    Chat,
    Email,
    Sms,
    #[serde(rename = "PHONE_CALL")]
    Phone,
    Voicemail,
    Whatsapp,
    #[serde(rename = "FB_MESSENGER")]
    FacebookMessenger,
    InstagramDirect,
}

impl Channel {
    pub const ALL: [Channel; 8] = [
        Channel::Chat,
        Channel::Email,
        Channel::Sms,
        Channel::Phone,
        Channel::Voicemail,
        Channel::Whatsapp,
        Channel::FacebookMessenger,
        Channel::InstagramDirect,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Channel::Chat => "Chat",
            Channel::Email => "Email",
            Channel::Sms => "SMS",
            Channel::Phone => "Voice",
            Channel::Voicemail => "Voicemail",
            Channel::Whatsapp => "WhatsApp",
            Channel::FacebookMessenger => "Messenger",
            Channel::InstagramDirect => "Instagram",
        }
    }

    /// Which kind of address reaches a customer on this channel.
    pub fn address_kind(self) -> AddressKind {
        match self {
            Channel::Email => AddressKind::Email,
            Channel::Sms | Channel::Phone | Channel::Voicemail | Channel::Whatsapp => AddressKind::Phone,
            Channel::Chat | Channel::FacebookMessenger | Channel::InstagramDirect => AddressKind::Handle(self),
        }
    }

    /// Channels an agent can answer on (a voicemail is answered by a call or a message).
    pub fn can_reply(self) -> bool {
        !matches!(self, Channel::Voicemail)
    }

    /// Channels an answer is written on: what the composer offers (a call is made, not typed).
    pub fn is_written(self) -> bool {
        self.can_reply() && self != Channel::Phone
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressKind {
    Email,
    Phone,
    Handle(Channel),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// In an inbox, no agent yet.
    New,
    /// An agent owns it and the customer is waiting on the agent.
    Open,
    /// The agent replied; waiting on the customer.
    Waiting,
    Closed,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::New, Status::Open, Status::Waiting, Status::Closed];

    pub fn label(self) -> &'static str {
        match self {
            Status::New => "New",
            Status::Open => "Open",
            Status::Waiting => "Waiting",
            Status::Closed => "Closed",
        }
    }

    pub fn is_closed(self) -> bool {
        self == Status::Closed
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Direction {
    Inbound,
    Outbound,
}

/// An email address or phone number of a customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactPoint {
    pub original: String,
    #[serde(default)]
    pub primary: bool,
    /// e.g. "MOBILE", "HOME", "WORK" for phones.
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "type")]
    pub label: Option<String>,
}

/// A messaging identity (chat visitor, Messenger, Instagram) of a customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Handle {
    pub channel: Channel,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    pub id: CustomerId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default)]
    pub emails: Vec<ContactPoint>,
    #[serde(default)]
    pub phones: Vec<ContactPoint>,
    #[serde(default)]
    pub handles: Vec<Handle>,
    #[serde(default)]
    pub external_customer_ids: BTreeMap<String, String>,
    #[serde(default)]
    pub custom_attributes: BTreeMap<String, String>,
    #[serde(deserialize_with = "crate::dates::de")]
    pub created_at: DateTime<Utc>,
}

impl Customer {
    pub fn first_name(&self) -> &str {
        self.name.split_whitespace().next().unwrap_or(&self.name)
    }

    /// Addresses that reach this customer on `channel`, primary first.
    pub fn contacts_for(&self, channel: Channel) -> Vec<&str> {
        let mut points: Vec<(&str, bool)> = match channel.address_kind() {
            AddressKind::Email => self.emails.iter().map(|c| (c.original.as_str(), c.primary)).collect(),
            AddressKind::Phone => self.phones.iter().map(|c| (c.original.as_str(), c.primary)).collect(),
            AddressKind::Handle(ch) => self
                .handles
                .iter()
                .filter(|h| h.channel == ch)
                .map(|h| (h.value.as_str(), false))
                .collect(),
        };
        points.sort_by_key(|(_, primary)| !primary);
        points.into_iter().map(|(a, _)| a).collect()
    }

    /// Channels the customer can be reached on, in `Channel::ALL` order.
    pub fn reachable_channels(&self) -> Vec<Channel> {
        Channel::ALL
            .into_iter()
            .filter(|c| c.can_reply() && !self.contacts_for(*c).is_empty())
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assignee {
    pub inbox_id: InboxId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<AgentId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "ConversationWire")]
pub struct Conversation {
    pub id: ConversationId,
    pub customer_id: CustomerId,
    pub status: Status,
    pub assignee: Assignee,
    #[serde(default)]
    pub topic_ids: Vec<TopicId>,
    #[serde(deserialize_with = "crate::dates::de")]
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "crate::dates::de_opt")]
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "crate::dates::de")]
    pub updated_at: DateTime<Utc>,
    /// Bumped by every change; a write naming an older version is refused as a conflict.
    pub version: u64,
    /// Channels used in this conversation, in first-use order.
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// When the customer's oldest unanswered message arrived; None when nobody is waiting on us.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "crate::dates::de_opt")]
    pub customer_waiting_since: Option<DateTime<Utc>>,
    #[serde(default)]
    #[serde(deserialize_with = "crate::dates::de_opt")]
    pub last_activity_at: Option<DateTime<Utc>>,
    /// How often a closed conversation came back inside the reopen window.
    #[serde(default)]
    pub reopen_count: u32,
}

/// A conversation as servers send it: ours (`assignee`, `version`, `updatedAt`), or Gladly's
/// documented shape (flat `agentId`/`inboxId`, neither version nor update time; concurrency then
/// rests on the ETag).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConversationWire {
    id: ConversationId,
    customer_id: CustomerId,
    status: Status,
    #[serde(default)]
    assignee: Option<Assignee>,
    #[serde(default)]
    agent_id: Option<AgentId>,
    #[serde(default)]
    inbox_id: Option<InboxId>,
    #[serde(default)]
    topic_ids: Vec<TopicId>,
    #[serde(deserialize_with = "crate::dates::de")]
    created_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "crate::dates::de_opt")]
    closed_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::dates::de_opt")]
    updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    version: u64,
    #[serde(default)]
    channels: Vec<Channel>,
    #[serde(default, deserialize_with = "crate::dates::de_opt")]
    customer_waiting_since: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::dates::de_opt")]
    last_activity_at: Option<DateTime<Utc>>,
    #[serde(default)]
    reopen_count: u32,
}

impl TryFrom<ConversationWire> for Conversation {
    type Error = String;

    fn try_from(w: ConversationWire) -> Result<Conversation, String> {
        let assignee = match (w.assignee, w.inbox_id) {
            (Some(a), _) => a,
            (None, Some(inbox_id)) => Assignee {
                inbox_id,
                agent_id: w.agent_id,
            },
            (None, None) => return Err("a conversation needs `assignee` or `inboxId`".to_owned()),
        };
        Ok(Conversation {
            id: w.id,
            customer_id: w.customer_id,
            status: w.status,
            assignee,
            topic_ids: w.topic_ids,
            created_at: w.created_at,
            closed_at: w.closed_at,
            updated_at: w
                .updated_at
                .or(w.last_activity_at)
                .or(w.closed_at)
                .unwrap_or(w.created_at),
            version: w.version,
            channels: w.channels,
            customer_waiting_since: w.customer_waiting_since,
            last_activity_at: w.last_activity_at,
            reopen_count: w.reopen_count,
        })
    }
}

/// Who caused a timeline item.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Initiator {
    Customer,
    Agent {
        id: AgentId,
        /// The admin whose integration token did this on the agent's behalf (the audit names
        /// both); absent when the agent acted themselves.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<AgentId>,
    },
    /// Automations, the simulator, integrations.
    System,
    /// A server named someone this app cannot tell (another type, or an agent without an id):
    /// the item still shows, from "someone".
    #[default]
    Unknown,
}

impl Initiator {
    /// An agent acting themselves.
    pub fn agent(id: &AgentId) -> Self {
        Initiator::Agent {
            id: id.clone(),
            via: None,
        }
    }
}

/// Lenient on purpose: an odd initiator must not drop the whole item. Gladly's `API` and
/// `AUTOMATION` are the system acting.
impl<'de> Deserialize<'de> for Initiator {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            #[serde(default, rename = "type")]
            kind: Option<String>,
            #[serde(default)]
            id: Option<serde_json::Value>,
            #[serde(default)]
            via: Option<serde_json::Value>,
        }
        let w = Wire::deserialize(d)?;
        let via = w
            .via
            .as_ref()
            .and_then(serde_json::Value::as_str)
            .filter(|i| !i.is_empty())
            .map(AgentId::from);
        let id =
            w.id.as_ref()
                .and_then(serde_json::Value::as_str)
                .filter(|i| !i.is_empty());
        Ok(match (w.kind.as_deref(), id) {
            (Some("CUSTOMER"), _) => Initiator::Customer,
            (Some("AGENT"), Some(id)) => Initiator::Agent {
                id: AgentId::from(id),
                via,
            },
            (Some("SYSTEM" | "API" | "AUTOMATION"), _) => Initiator::System,
            _ => Initiator::Unknown,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineItem {
    pub id: ItemId,
    pub customer_id: CustomerId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<ConversationId>,
    #[serde(deserialize_with = "crate::dates::de")]
    pub timestamp: DateTime<Utc>,
    /// Optional in Gladly's shape; missing means unknown.
    #[serde(default)]
    pub initiator: Initiator,
    #[serde(with = "crate::content_codec")]
    pub content: ItemContent,
}

/// The body of a timeline item; `type` names as Gladly's item content types.
/// A kind this build does not know decodes into `Unknown` and still renders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE", rename_all_fields = "camelCase")]
pub enum ItemContent {
    ChatMessage {
        content: String,
        direction: Direction,
    },
    /// Boxed, like the activity: the two big kinds would otherwise set the size of every item.
    Email(Box<EmailContent>),
    Sms {
        content: String,
        direction: Direction,
    },
    PhoneCall {
        direction: Direction,
        #[serde(default)]
        duration_secs: u32,
        #[serde(default)]
        summary: String,
    },
    Voicemail {
        #[serde(default)]
        duration_secs: u32,
        #[serde(default)]
        transcript: String,
    },
    FacebookMessage {
        content: String,
        direction: Direction,
    },
    InstagramDirect {
        content: String,
        direction: Direction,
    },
    #[serde(rename = "WHATSAPP")]
    WhatsApp {
        content: String,
        direction: Direction,
    },
    ConversationNote {
        body: String,
    },
    ConversationStatusChange {
        status: Status,
    },
    TopicChange {
        #[serde(default)]
        added: Vec<TopicId>,
        #[serde(default)]
        removed: Vec<TopicId>,
    },
    AssignmentChange {
        inbox_id: InboxId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent_id: Option<AgentId>,
    },
    CustomerActivity(Box<ActivityContent>),
    Task {
        task_id: TaskId,
        event: TaskEvent,
        body: String,
    },
    /// A kind this build does not know: kept verbatim (boxed: rare, and a JSON value is big).
    #[serde(skip)]
    Unknown {
        kind: String,
        raw: Box<serde_json::Value>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailContent {
    pub subject: String,
    pub content: String,
    /// Raw HTML as received; only ever shown inside a sandboxed frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: Vec<String>,
    pub direction: Direction,
}

/// Something the customer did elsewhere (an order, a review), from an integration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityContent {
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskEvent {
    Created,
    Commented,
    Closed,
    Reopened,
}

impl ItemContent {
    /// A message on `channel` in `direction`, of the item kind that channel uses.
    pub fn message(channel: Channel, direction: Direction, text: String, subject: Option<String>) -> Self {
        match channel {
            Channel::Chat => ItemContent::ChatMessage {
                content: text,
                direction,
            },
            Channel::Email => ItemContent::Email(Box::new(EmailContent {
                subject: subject.unwrap_or_default(),
                content: text,
                html: None,
                from: String::new(),
                to: Vec::new(),
                direction,
            })),
            Channel::Sms => ItemContent::Sms {
                content: text,
                direction,
            },
            Channel::Phone => ItemContent::PhoneCall {
                direction,
                duration_secs: 0,
                summary: text,
            },
            Channel::Voicemail => ItemContent::Voicemail {
                duration_secs: 0,
                transcript: text,
            },
            Channel::Whatsapp => ItemContent::WhatsApp {
                content: text,
                direction,
            },
            Channel::FacebookMessenger => ItemContent::FacebookMessage {
                content: text,
                direction,
            },
            Channel::InstagramDirect => ItemContent::InstagramDirect {
                content: text,
                direction,
            },
        }
    }

    /// The channel of a message item; None for events and notes.
    pub fn channel(&self) -> Option<Channel> {
        Some(match self {
            ItemContent::ChatMessage { .. } => Channel::Chat,
            ItemContent::Email(_) => Channel::Email,
            ItemContent::Sms { .. } => Channel::Sms,
            ItemContent::PhoneCall { .. } => Channel::Phone,
            ItemContent::Voicemail { .. } => Channel::Voicemail,
            ItemContent::WhatsApp { .. } => Channel::Whatsapp,
            ItemContent::FacebookMessage { .. } => Channel::FacebookMessenger,
            ItemContent::InstagramDirect { .. } => Channel::InstagramDirect,
            _ => return None,
        })
    }

    pub fn direction(&self) -> Option<Direction> {
        match self {
            ItemContent::ChatMessage { direction, .. }
            | ItemContent::Sms { direction, .. }
            | ItemContent::PhoneCall { direction, .. }
            | ItemContent::WhatsApp { direction, .. }
            | ItemContent::FacebookMessage { direction, .. }
            | ItemContent::InstagramDirect { direction, .. } => Some(*direction),
            ItemContent::Email(e) => Some(e.direction),
            ItemContent::Voicemail { .. } => Some(Direction::Inbound),
            _ => None,
        }
    }

    /// Plain text of a message or note, for previews and search.
    pub fn text(&self) -> Option<&str> {
        match self {
            ItemContent::ChatMessage { content, .. }
            | ItemContent::Sms { content, .. }
            | ItemContent::WhatsApp { content, .. }
            | ItemContent::FacebookMessage { content, .. }
            | ItemContent::InstagramDirect { content, .. }
            | ItemContent::ConversationNote { body: content } => Some(content),
            ItemContent::Email(e) => Some(&e.content),
            ItemContent::PhoneCall { summary, .. } => Some(summary),
            ItemContent::Voicemail { transcript, .. } => Some(transcript),
            ItemContent::CustomerActivity(a) => Some(&a.title),
            ItemContent::Task { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The wire name of the kind, e.g. "EMAIL"; the same as the serialized `type`. A plain
    /// match: going through a JSON value cost the bundle a whole serializer.
    pub fn kind(&self) -> &str {
        match self {
            ItemContent::ChatMessage { .. } => "CHAT_MESSAGE",
            ItemContent::Email(_) => "EMAIL",
            ItemContent::Sms { .. } => "SMS",
            ItemContent::PhoneCall { .. } => "PHONE_CALL",
            ItemContent::Voicemail { .. } => "VOICEMAIL",
            ItemContent::FacebookMessage { .. } => "FACEBOOK_MESSAGE",
            ItemContent::InstagramDirect { .. } => "INSTAGRAM_DIRECT",
            ItemContent::WhatsApp { .. } => "WHATSAPP",
            ItemContent::ConversationNote { .. } => "CONVERSATION_NOTE",
            ItemContent::ConversationStatusChange { .. } => "CONVERSATION_STATUS_CHANGE",
            ItemContent::TopicChange { .. } => "TOPIC_CHANGE",
            ItemContent::AssignmentChange { .. } => "ASSIGNMENT_CHANGE",
            ItemContent::CustomerActivity(_) => "CUSTOMER_ACTIVITY",
            ItemContent::Task { .. } => "TASK",
            ItemContent::Unknown { kind, .. } => kind,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Topic {
    pub id: TopicId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<TopicId>,
    #[serde(default)]
    pub disabled: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    pub id: AgentId,
    pub name: String,
    pub email_address: String,
}

impl Agent {
    pub fn first_name(&self) -> &str {
        self.name.split_whitespace().next().unwrap_or(&self.name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inbox {
    pub id: InboxId,
    pub name: String,
    /// Agents who may own conversations in this inbox.
    pub agent_ids: Vec<AgentId>,
    /// New contacts on these channels land here; the first inbox takes the rest.
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// A customer writing within this many hours of a close reopens the same conversation.
    pub reopen_window_hours: u32,
    /// Closing needs at least one topic.
    #[serde(default)]
    pub topics_required_to_close: bool,
}

impl Inbox {
    /// Whether closing a conversation with these topics is refused for want of one.
    pub fn close_needs_topic(&self, topics: &[TopicId]) -> bool {
        self.topics_required_to_close && topics.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub agent_ids: Vec<AgentId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskStatus {
    Open,
    Closed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskComment {
    pub id: ItemId,
    pub agent_id: AgentId,
    pub body: String,
    #[serde(deserialize_with = "crate::dates::de")]
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub id: TaskId,
    pub customer_id: CustomerId,
    pub body: String,
    #[serde(deserialize_with = "crate::dates::de")]
    pub due_at: DateTime<Utc>,
    pub assignee: Assignee,
    pub status: TaskStatus,
    #[serde(deserialize_with = "crate::dates::de")]
    pub created_at: DateTime<Utc>,
    pub created_by: AgentId,
    #[serde(default)]
    pub comments: Vec<TaskComment>,
    pub version: u64,
}

/// A saved reply. `{customer.firstName}`-style placeholders are filled before sending.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    pub id: AnswerId,
    pub name: String,
    pub body: String,
}

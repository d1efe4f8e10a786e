//! The store and every rule that changes it. All writes go through [`Store::apply`] with a
//! [`Command`], so the demo backend, the server and the tests share one implementation, and a
//! list of `(time, command)` pairs replays to the same state.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, CoreResult};
use crate::model::*;
use crate::views::ViewIndex;

/// Who performs a command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Actor {
    Agent { id: AgentId },
    System,
}

impl Actor {
    pub fn agent(id: &AgentId) -> Self {
        Actor::Agent { id: id.clone() }
    }

    fn initiator(&self) -> Initiator {
        match self {
            Actor::Agent { id } => Initiator::Agent { id: id.clone() },
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "command",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum Command {
    CreateCustomer {
        customer: NewCustomer,
    },
    /// The customer writes or calls in on `channel`.
    Inbound {
        customer_id: CustomerId,
        channel: Channel,
        text: String,
        #[serde(default)]
        subject: Option<String>,
    },
    /// An agent answers the customer on `channel`.
    Reply {
        conversation_id: ConversationId,
        #[serde(default)]
        expected_version: Option<u64>,
        agent_id: AgentId,
        channel: Channel,
        text: String,
        #[serde(default)]
        subject: Option<String>,
    },
    AddNote {
        conversation_id: ConversationId,
        agent_id: AgentId,
        body: String,
    },
    Assign {
        conversation_id: ConversationId,
        #[serde(default)]
        expected_version: Option<u64>,
        assignee: Assignee,
        actor: Actor,
    },
    SetStatus {
        conversation_id: ConversationId,
        #[serde(default)]
        expected_version: Option<u64>,
        status: Status,
        actor: Actor,
    },
    SetTopics {
        conversation_id: ConversationId,
        #[serde(default)]
        expected_version: Option<u64>,
        topic_ids: Vec<TopicId>,
        actor: Actor,
    },
    /// Takes back a change of status or assignee: if the conversation still is as that change
    /// left it (`undone`), it returns to the state before it (`restore`), whatever else (topics,
    /// notes) happened since. Refused, with who changed it, when status or assignee moved on.
    Undo {
        conversation_id: ConversationId,
        undone: ConversationState,
        restore: ConversationState,
        actor: Actor,
    },
    AddActivity {
        customer_id: CustomerId,
        title: String,
        body: String,
        link: Option<String>,
    },
    CreateTask {
        customer_id: CustomerId,
        body: String,
        #[serde(deserialize_with = "crate::dates::de")]
        due_at: DateTime<Utc>,
        assignee: Assignee,
        agent_id: AgentId,
    },
    CommentTask {
        task_id: TaskId,
        agent_id: AgentId,
        body: String,
    },
    SetTaskStatus {
        task_id: TaskId,
        status: TaskStatus,
        agent_id: AgentId,
    },
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
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Directory {
    pub org_name: String,
    pub inboxes: Vec<Inbox>,
    pub agents: Vec<Agent>,
    pub teams: Vec<Team>,
    pub topics: Vec<Topic>,
    pub answers: Vec<Answer>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Store {
    pub directory: Directory,
    customers: BTreeMap<CustomerId, Customer>,
    conversations: BTreeMap<ConversationId, Conversation>,
    /// Each customer's lifelong timeline, oldest first.
    timelines: BTreeMap<CustomerId, Vec<TimelineItem>>,
    tasks: BTreeMap<TaskId, Task>,
    next_seq: u64,
    /// Customer → their conversations, oldest first. Derived; rebuilt by `reindex`.
    #[serde(skip)]
    by_customer: HashMap<CustomerId, Vec<ConversationId>>,
    /// The inbox views, updated by every write. Derived; None while the seed generator writes
    /// (it rebuilds them once at the end) and after deserializing until `reindex`.
    #[serde(skip)]
    views: Option<ViewIndex>,
    /// Conversations the command being applied has taken out of `views` to change.
    #[serde(skip)]
    touched: Vec<ConversationId>,
}

impl Store {
    pub fn new(directory: Directory) -> Self {
        Store {
            directory,
            views: Some(ViewIndex::default()),
            ..Store::default()
        }
    }

    /// A store holding exactly these records (see `snapshot`, which checks them first).
    pub(crate) fn from_parts(
        directory: Directory,
        customers: Vec<Customer>,
        conversations: Vec<Conversation>,
        timelines: BTreeMap<CustomerId, Vec<TimelineItem>>,
        tasks: Vec<Task>,
        next_seq: u64,
    ) -> Self {
        let mut store = Store {
            directory,
            customers: customers.into_iter().map(|c| (c.id.clone(), c)).collect(),
            conversations: conversations.into_iter().map(|c| (c.id.clone(), c)).collect(),
            timelines,
            tasks: tasks.into_iter().map(|t| (t.id.clone(), t)).collect(),
            next_seq,
            ..Store::default()
        };
        store.reindex();
        store
    }

    /// The inbox views: the ones kept up to date, or built now when none are kept.
    pub fn views(&self) -> Cow<'_, ViewIndex> {
        match &self.views {
            Some(v) => Cow::Borrowed(v),
            None => Cow::Owned(ViewIndex::build(self.conversations.values())),
        }
    }

    /// The views as kept, for the invariant check that they match a fresh build.
    pub fn kept_views(&self) -> Option<&ViewIndex> {
        self.views.as_ref()
    }

    /// Stops updating the views on each write, for a bulk of writes followed by `resume_views`.
    pub(crate) fn pause_views(&mut self) {
        self.views = None;
    }

    /// Builds the views once and keeps them up to date again.
    pub(crate) fn resume_views(&mut self) {
        self.views = Some(ViewIndex::build(self.conversations.values()));
    }

    /// Rebuilds derived indexes; call after deserializing.
    pub fn reindex(&mut self) {
        let mut by_customer: HashMap<CustomerId, Vec<ConversationId>> = HashMap::new();
        let mut convs: Vec<&Conversation> = self.conversations.values().collect();
        convs.sort_by_key(|c| c.created_at);
        for c in convs {
            by_customer.entry(c.customer_id.clone()).or_default().push(c.id.clone());
        }
        self.by_customer = by_customer;
        self.resume_views();
    }

    // ----- reads -----

    pub fn customer(&self, id: &CustomerId) -> CoreResult<&Customer> {
        self.customers.get(id).ok_or_else(|| not_found("customer", id.as_str()))
    }

    pub fn customers(&self) -> impl Iterator<Item = &Customer> {
        self.customers.values()
    }

    pub fn conversation(&self, id: &ConversationId) -> CoreResult<&Conversation> {
        self.conversations
            .get(id)
            .ok_or_else(|| not_found("conversation", id.as_str()))
    }

    pub fn conversations(&self) -> impl Iterator<Item = &Conversation> {
        self.conversations.values()
    }

    /// The customer's conversations, oldest first.
    pub fn conversations_of(&self, customer: &CustomerId) -> impl Iterator<Item = &Conversation> {
        self.by_customer
            .get(customer)
            .into_iter()
            .flatten()
            .filter_map(|id| self.conversations.get(id))
    }

    /// The one conversation of this customer that is not closed, if any.
    pub fn open_conversation_of(&self, customer: &CustomerId) -> Option<&Conversation> {
        self.conversations_of(customer).find(|c| !c.status.is_closed())
    }

    pub fn timeline(&self, customer: &CustomerId) -> &[TimelineItem] {
        self.timelines.get(customer).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Gives back a timeline's spare capacity. A generator calls it when done with a customer:
    /// a growing `Vec` keeps up to half its room empty, which at 10k customers is megabytes.
    pub fn shrink_timeline(&mut self, customer: &CustomerId) {
        if let Some(t) = self.timelines.get_mut(customer) {
            t.shrink_to_fit();
        }
    }

    pub fn timelines(&self) -> impl Iterator<Item = (&CustomerId, &Vec<TimelineItem>)> {
        self.timelines.iter()
    }

    pub fn task(&self, id: &TaskId) -> CoreResult<&Task> {
        self.tasks.get(id).ok_or_else(|| not_found("task", id.as_str()))
    }

    pub fn tasks(&self) -> impl Iterator<Item = &Task> {
        self.tasks.values()
    }

    pub fn inbox(&self, id: &InboxId) -> CoreResult<&Inbox> {
        self.directory
            .inboxes
            .iter()
            .find(|i| &i.id == id)
            .ok_or_else(|| not_found("inbox", id.as_str()))
    }

    pub fn agent(&self, id: &AgentId) -> CoreResult<&Agent> {
        self.directory
            .agents
            .iter()
            .find(|a| &a.id == id)
            .ok_or_else(|| not_found("agent", id.as_str()))
    }

    pub fn topic(&self, id: &TopicId) -> CoreResult<&Topic> {
        self.directory
            .topics
            .iter()
            .find(|t| &t.id == id)
            .ok_or_else(|| not_found("topic", id.as_str()))
    }

    /// The statuses an agent may pick for a conversation in `from`, given whether it has an agent.
    pub fn allowed_statuses(from: Status, has_agent: bool) -> Vec<Status> {
        Status::ALL
            .into_iter()
            .filter(|to| *to != from && check_transition(from, *to, has_agent).is_ok())
            .collect()
    }

    // ----- writes -----

    /// Applies one command at time `now`. On error nothing has changed.
    pub fn apply(&mut self, now: DateTime<Utc>, command: &Command) -> CoreResult<Outcome> {
        let result = self.run(now, command);
        // What the command changed goes back into the views in its new state (also after a
        // refusal: whatever state the conversation is in, the views follow it).
        for id in std::mem::take(&mut self.touched) {
            if let (Some(views), Some(c)) = (self.views.as_mut(), self.conversations.get(&id)) {
                views.insert(c);
            }
        }
        result
    }

    fn run(&mut self, now: DateTime<Utc>, command: &Command) -> CoreResult<Outcome> {
        match command {
            Command::CreateCustomer { customer } => self.create_customer(now, customer),
            Command::Inbound {
                customer_id,
                channel,
                text,
                subject,
            } => self.inbound(now, customer_id, *channel, text, subject.clone()),
            Command::Reply {
                conversation_id,
                expected_version,
                agent_id,
                channel,
                text,
                subject,
            } => self.reply(
                now,
                conversation_id,
                *expected_version,
                agent_id,
                *channel,
                text,
                subject.clone(),
            ),
            Command::AddNote {
                conversation_id,
                agent_id,
                body,
            } => self.add_note(now, conversation_id, agent_id, body),
            Command::Assign {
                conversation_id,
                expected_version,
                assignee,
                actor,
            } => self.assign(now, conversation_id, *expected_version, assignee, actor),
            Command::SetStatus {
                conversation_id,
                expected_version,
                status,
                actor,
            } => self.set_status(now, conversation_id, *expected_version, *status, actor),
            Command::Undo {
                conversation_id,
                undone,
                restore,
                actor,
            } => self.undo(now, conversation_id, undone, restore, actor),
            Command::SetTopics {
                conversation_id,
                expected_version,
                topic_ids,
                actor,
            } => self.set_topics(now, conversation_id, *expected_version, topic_ids, actor),
            Command::AddActivity {
                customer_id,
                title,
                body,
                link,
            } => {
                self.customer(customer_id)?;
                non_empty(title, "The activity needs a title.")?;
                let content = ItemContent::CustomerActivity(Box::new(ActivityContent {
                    title: title.clone(),
                    body: body.clone(),
                    link: link.clone(),
                }));
                let item_id = self.push_item(now, customer_id, None, Initiator::System, content);
                Ok(Outcome::Item { item_id })
            }
            Command::CreateTask {
                customer_id,
                body,
                due_at,
                assignee,
                agent_id,
            } => self.create_task(now, customer_id, body, *due_at, assignee, agent_id),
            Command::CommentTask {
                task_id,
                agent_id,
                body,
            } => self.comment_task(now, task_id, agent_id, body),
            Command::SetTaskStatus {
                task_id,
                status,
                agent_id,
            } => self.set_task_status(now, task_id, *status, agent_id),
        }
    }

    fn next_id(&mut self, prefix: &str) -> String {
        self.next_seq += 1;
        format!("{prefix}{:x}", self.next_seq)
    }

    fn create_customer(&mut self, now: DateTime<Utc>, new: &NewCustomer) -> CoreResult<Outcome> {
        let name = new.name.trim();
        non_empty(name, "A customer needs a name.")?;
        let points = |list: &[String]| -> Vec<ContactPoint> {
            list.iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .enumerate()
                .map(|(i, s)| ContactPoint {
                    original: s.to_owned(),
                    primary: i == 0,
                    label: None,
                })
                .collect()
        };
        let id = CustomerId::from(self.next_id("cu"));
        let customer = Customer {
            id: id.clone(),
            name: name.to_owned(),
            image: None,
            address: new.address.clone(),
            emails: points(&new.emails),
            phones: points(&new.phones),
            handles: new.handles.clone(),
            external_customer_ids: BTreeMap::new(),
            custom_attributes: new.custom_attributes.clone(),
            created_at: now,
        };
        self.customers.insert(id.clone(), customer);
        Ok(Outcome::Customer { customer_id: id })
    }

    fn inbound(
        &mut self,
        now: DateTime<Utc>,
        customer_id: &CustomerId,
        channel: Channel,
        text: &str,
        subject: Option<String>,
    ) -> CoreResult<Outcome> {
        self.customer(customer_id)?;
        non_empty(text, "An inbound message needs some text.")?;
        let (conv_id, routing) = match self.open_conversation_of(customer_id) {
            Some(open) => (open.id.clone(), Routing::Appended),
            None => match self.reopenable(now, customer_id) {
                Some(id) => (id, Routing::Reopened),
                None => (self.start_conversation(now, customer_id, channel)?, Routing::Started),
            },
        };
        if routing == Routing::Reopened {
            let conv = self.conv_mut(&conv_id)?;
            // Back to the agent who had it, if any; otherwise into the inbox's queue.
            let status = if conv.assignee.agent_id.is_some() {
                Status::Open
            } else {
                Status::New
            };
            conv.status = status;
            conv.closed_at = None;
            conv.reopen_count += 1;
            self.record_status(now, customer_id, &conv_id, Initiator::Customer, status);
        }
        let content = ItemContent::message(channel, Direction::Inbound, text.to_owned(), subject);
        self.push_item(now, customer_id, Some(&conv_id), Initiator::Customer, content);
        let conv = self.conv_mut(&conv_id)?;
        if conv.status == Status::Waiting {
            conv.status = Status::Open;
            self.record_status(now, customer_id, &conv_id, Initiator::Customer, Status::Open);
        }
        let conv = self.conv_mut(&conv_id)?;
        conv.customer_waiting_since.get_or_insert(now);
        touch(conv, now, Some(channel));
        Ok(Outcome::Conversation {
            conversation_id: conv_id,
            routing: Some(routing),
        })
    }

    /// The customer's most recently closed conversation, if still inside its inbox's window.
    /// (Not simply the newest one: an agent may have reopened and closed an older one since.)
    fn reopenable(&self, now: DateTime<Utc>, customer_id: &CustomerId) -> Option<ConversationId> {
        let last = self
            .conversations_of(customer_id)
            .filter(|c| c.closed_at.is_some())
            .max_by_key(|c| c.closed_at)?;
        let closed_at = last.closed_at?;
        let window = self.inbox(&last.assignee.inbox_id).ok()?.reopen_window_hours;
        (now - closed_at <= Duration::hours(i64::from(window))).then(|| last.id.clone())
    }

    fn start_conversation(
        &mut self,
        now: DateTime<Utc>,
        customer_id: &CustomerId,
        channel: Channel,
    ) -> CoreResult<ConversationId> {
        let inbox_id = self
            .directory
            .inboxes
            .iter()
            .find(|i| i.channels.contains(&channel))
            .or_else(|| self.directory.inboxes.first())
            .map(|i| i.id.clone())
            .ok_or_else(|| CoreError::Invalid("There is no inbox to route the contact to.".into()))?;
        let id = ConversationId::from(self.next_id("co"));
        let conv = Conversation {
            id: id.clone(),
            customer_id: customer_id.clone(),
            status: Status::New,
            assignee: Assignee {
                inbox_id: inbox_id.clone(),
                agent_id: None,
            },
            topic_ids: Vec::new(),
            created_at: now,
            closed_at: None,
            updated_at: now,
            version: 1,
            channels: Vec::new(),
            customer_waiting_since: None,
            last_activity_at: Some(now),
            reopen_count: 0,
        };
        if let Some(views) = self.views.as_mut() {
            views.insert(&conv);
        }
        self.conversations.insert(id.clone(), conv);
        self.by_customer
            .entry(customer_id.clone())
            .or_default()
            .push(id.clone());
        self.record_assignment(now, customer_id, &id, Initiator::Customer, inbox_id, None);
        self.record_status(now, customer_id, &id, Initiator::Customer, Status::New);
        Ok(id)
    }

    #[allow(clippy::too_many_arguments)]
    fn reply(
        &mut self,
        now: DateTime<Utc>,
        conv_id: &ConversationId,
        expected: Option<u64>,
        agent_id: &AgentId,
        channel: Channel,
        text: &str,
        subject: Option<String>,
    ) -> CoreResult<Outcome> {
        self.agent(agent_id)?;
        let conv = self.writable(conv_id, expected)?.clone();
        if conv.status.is_closed() {
            return Err(CoreError::ConversationClosed);
        }
        if !channel.can_reply() {
            return Err(CoreError::ChannelNotReplyable(channel));
        }
        if self.customer(&conv.customer_id)?.contacts_for(channel).is_empty() {
            return Err(CoreError::NoContactForChannel(channel));
        }
        non_empty(text, "The reply is empty.")?;
        let inbox = self.inbox(&conv.assignee.inbox_id)?;
        // Answering an unassigned conversation takes it, so it never waits without an owner.
        let take = conv.assignee.agent_id.is_none();
        if take && !inbox.agent_ids.contains(agent_id) {
            return Err(CoreError::NotInInboxToTake {
                inbox: inbox.name.clone(),
            });
        }
        let actor = Actor::agent(agent_id);
        let customer = conv.customer_id.clone();
        if take {
            let assignee = Assignee {
                inbox_id: conv.assignee.inbox_id.clone(),
                agent_id: Some(agent_id.clone()),
            };
            self.conv_mut(conv_id)?.assignee = assignee.clone();
            self.record_assignment(
                now,
                &customer,
                conv_id,
                actor.initiator(),
                assignee.inbox_id,
                assignee.agent_id,
            );
        }
        let content = ItemContent::message(channel, Direction::Outbound, text.to_owned(), subject);
        self.push_item(now, &customer, Some(conv_id), actor.initiator(), content);
        if conv.status != Status::Waiting {
            self.conv_mut(conv_id)?.status = Status::Waiting;
            self.record_status(now, &customer, conv_id, actor.initiator(), Status::Waiting);
        }
        let conv = self.conv_mut(conv_id)?;
        conv.customer_waiting_since = None;
        touch(conv, now, Some(channel));
        Ok(Outcome::Conversation {
            conversation_id: conv_id.clone(),
            routing: None,
        })
    }

    fn add_note(
        &mut self,
        now: DateTime<Utc>,
        conv_id: &ConversationId,
        agent_id: &AgentId,
        body: &str,
    ) -> CoreResult<Outcome> {
        self.agent(agent_id)?;
        non_empty(body, "The note is empty.")?;
        let customer = self.conversation(conv_id)?.customer_id.clone();
        let item_id = self.push_item(
            now,
            &customer,
            Some(conv_id),
            Initiator::Agent { id: agent_id.clone() },
            ItemContent::ConversationNote { body: body.to_owned() },
        );
        touch(self.conv_mut(conv_id)?, now, None);
        Ok(Outcome::Item { item_id })
    }

    fn assign(
        &mut self,
        now: DateTime<Utc>,
        conv_id: &ConversationId,
        expected: Option<u64>,
        assignee: &Assignee,
        actor: &Actor,
    ) -> CoreResult<Outcome> {
        let conv = self.writable(conv_id, expected)?.clone();
        if conv.status.is_closed() {
            return Err(CoreError::ConversationClosed);
        }
        let inbox = self.inbox(&assignee.inbox_id)?;
        if let Some(agent) = &assignee.agent_id {
            self.agent(agent)?;
            if !inbox.agent_ids.contains(agent) {
                return Err(CoreError::AgentNotInInbox);
            }
        }
        if &conv.assignee == assignee {
            return Ok(Outcome::Conversation {
                conversation_id: conv_id.clone(),
                routing: None,
            });
        }
        let status = match (&assignee.agent_id, conv.status) {
            (None, _) => Status::New,
            (Some(_), Status::New) => Status::Open,
            (Some(_), s) => s,
        };
        let customer = conv.customer_id.clone();
        let c = self.conv_mut(conv_id)?;
        c.assignee = assignee.clone();
        c.status = status;
        self.record_assignment(
            now,
            &customer,
            conv_id,
            actor.initiator(),
            assignee.inbox_id.clone(),
            assignee.agent_id.clone(),
        );
        if status != conv.status {
            self.record_status(now, &customer, conv_id, actor.initiator(), status);
        }
        touch(self.conv_mut(conv_id)?, now, None);
        Ok(Outcome::Conversation {
            conversation_id: conv_id.clone(),
            routing: None,
        })
    }

    fn undo(
        &mut self,
        now: DateTime<Utc>,
        conv_id: &ConversationId,
        undone: &ConversationState,
        restore: &ConversationState,
        actor: &Actor,
    ) -> CoreResult<Outcome> {
        let conv = self.conversation(conv_id)?.clone();
        if ConversationState::of(&conv) != *undone {
            return Err(CoreError::ChangedSince(self.last_changed_by(&conv)));
        }
        let to = restore;
        if matches!(
            (to.status, &to.assignee.agent_id),
            (Status::New, Some(_)) | (Status::Open | Status::Waiting, None)
        ) {
            return Err(CoreError::Invalid(
                "That is not a state a conversation can be in.".into(),
            ));
        }
        let inbox = self.inbox(&to.assignee.inbox_id)?;
        if let Some(agent) = &to.assignee.agent_id {
            self.agent(agent)?;
            if !inbox.agent_ids.contains(agent) {
                return Err(CoreError::AgentNotInInbox);
            }
        }
        if to.status == Status::Closed && inbox.topics_required_to_close && conv.topic_ids.is_empty() {
            return Err(CoreError::TopicsRequired);
        }
        if conv.status.is_closed() && !to.status.is_closed() && self.open_conversation_of(&conv.customer_id).is_some() {
            return Err(CoreError::AlreadyOpen);
        }
        let customer = conv.customer_id.clone();
        if conv.assignee != to.assignee {
            self.conv_mut(conv_id)?.assignee = to.assignee.clone();
            let (inbox_id, agent_id) = (to.assignee.inbox_id.clone(), to.assignee.agent_id.clone());
            self.record_assignment(now, &customer, conv_id, actor.initiator(), inbox_id, agent_id);
        }
        if conv.status != to.status {
            let c = self.conv_mut(conv_id)?;
            c.status = to.status;
            c.closed_at = (to.status == Status::Closed).then_some(now);
            self.record_status(now, &customer, conv_id, actor.initiator(), to.status);
        }
        touch(self.conv_mut(conv_id)?, now, None);
        Ok(Outcome::Conversation {
            conversation_id: conv_id.clone(),
            routing: None,
        })
    }

    /// Who made the latest change of status or assignee, as the timeline names them.
    fn last_changed_by(&self, conv: &Conversation) -> String {
        let initiator = self
            .timeline(&conv.customer_id)
            .iter()
            .rev()
            .filter(|i| i.conversation_id.as_ref() == Some(&conv.id))
            .find(|i| {
                matches!(
                    i.content,
                    ItemContent::ConversationStatusChange { .. } | ItemContent::AssignmentChange { .. }
                )
            })
            .map(|i| &i.initiator);
        match initiator {
            Some(Initiator::Agent { id }) => self.agent(id).map_or_else(|_| "Someone".to_owned(), |a| a.name.clone()),
            Some(Initiator::Customer) => "The customer".to_owned(),
            _ => "Someone".to_owned(),
        }
    }

    fn set_status(
        &mut self,
        now: DateTime<Utc>,
        conv_id: &ConversationId,
        expected: Option<u64>,
        status: Status,
        actor: &Actor,
    ) -> CoreResult<Outcome> {
        let conv = self.writable(conv_id, expected)?.clone();
        let done = Outcome::Conversation {
            conversation_id: conv_id.clone(),
            routing: None,
        };
        if conv.status == status {
            return Ok(done);
        }
        let inbox = self.inbox(&conv.assignee.inbox_id)?;
        // Reopening an ownerless conversation makes it the reopening agent's.
        let take = match actor {
            Actor::Agent { id }
                if conv.status.is_closed() && conv.assignee.agent_id.is_none() && status == Status::Open =>
            {
                if !inbox.agent_ids.contains(id) {
                    return Err(CoreError::NotInInboxToTake {
                        inbox: inbox.name.clone(),
                    });
                }
                Some(id.clone())
            }
            _ => None,
        };
        check_transition(conv.status, status, conv.assignee.agent_id.is_some() || take.is_some())?;
        if status == Status::Closed && inbox.topics_required_to_close && conv.topic_ids.is_empty() {
            return Err(CoreError::TopicsRequired);
        }
        if conv.status.is_closed() {
            // Reopening: only if no other conversation of this customer is open.
            if self.open_conversation_of(&conv.customer_id).is_some() {
                return Err(CoreError::AlreadyOpen);
            }
            if let Some(agent) = &conv.assignee.agent_id {
                if !inbox.agent_ids.contains(agent) {
                    return Err(CoreError::AgentNotInInbox);
                }
            }
        }
        let customer = conv.customer_id.clone();
        if let Some(agent) = take {
            let inbox_id = conv.assignee.inbox_id.clone();
            self.conv_mut(conv_id)?.assignee.agent_id = Some(agent.clone());
            self.record_assignment(now, &customer, conv_id, actor.initiator(), inbox_id, Some(agent));
        }
        let c = self.conv_mut(conv_id)?;
        c.status = status;
        c.closed_at = (status == Status::Closed).then_some(now);
        if status == Status::Closed {
            c.customer_waiting_since = None;
        }
        self.record_status(now, &customer, conv_id, actor.initiator(), status);
        touch(self.conv_mut(conv_id)?, now, None);
        Ok(done)
    }

    fn set_topics(
        &mut self,
        now: DateTime<Utc>,
        conv_id: &ConversationId,
        expected: Option<u64>,
        topic_ids: &[TopicId],
        actor: &Actor,
    ) -> CoreResult<Outcome> {
        let conv = self.writable(conv_id, expected)?.clone();
        let mut wanted: Vec<TopicId> = Vec::new();
        for id in topic_ids {
            if !wanted.contains(id) {
                wanted.push(id.clone());
            }
        }
        let added: Vec<TopicId> = wanted.iter().filter(|t| !conv.topic_ids.contains(t)).cloned().collect();
        for id in &added {
            let topic = self.topic(id)?;
            if topic.disabled {
                return Err(CoreError::TopicDisabled(topic.name.clone()));
            }
        }
        let removed: Vec<TopicId> = conv.topic_ids.iter().filter(|t| !wanted.contains(t)).cloned().collect();
        let done = Outcome::Conversation {
            conversation_id: conv_id.clone(),
            routing: None,
        };
        if added.is_empty() && removed.is_empty() {
            return Ok(done);
        }
        if conv.status.is_closed() && wanted.is_empty() && self.inbox(&conv.assignee.inbox_id)?.topics_required_to_close
        {
            return Err(CoreError::TopicsRequired);
        }
        self.conv_mut(conv_id)?.topic_ids = wanted;
        self.push_item(
            now,
            &conv.customer_id,
            Some(conv_id),
            actor.initiator(),
            ItemContent::TopicChange { added, removed },
        );
        touch(self.conv_mut(conv_id)?, now, None);
        Ok(done)
    }

    fn create_task(
        &mut self,
        now: DateTime<Utc>,
        customer_id: &CustomerId,
        body: &str,
        due_at: DateTime<Utc>,
        assignee: &Assignee,
        agent_id: &AgentId,
    ) -> CoreResult<Outcome> {
        self.customer(customer_id)?;
        self.agent(agent_id)?;
        non_empty(body, "The task needs a description.")?;
        let inbox = self.inbox(&assignee.inbox_id)?;
        if let Some(a) = &assignee.agent_id {
            if !inbox.agent_ids.contains(a) {
                return Err(CoreError::AgentNotInInbox);
            }
        }
        let id = TaskId::from(self.next_id("ta"));
        let task = Task {
            id: id.clone(),
            customer_id: customer_id.clone(),
            body: body.to_owned(),
            due_at,
            assignee: assignee.clone(),
            status: TaskStatus::Open,
            created_at: now,
            created_by: agent_id.clone(),
            comments: Vec::new(),
            version: 1,
        };
        self.tasks.insert(id.clone(), task);
        let conv = self.open_conversation_of(customer_id).map(|c| c.id.clone());
        self.push_task_event(
            now,
            customer_id,
            conv.as_ref(),
            agent_id,
            &id,
            TaskEvent::Created,
            body.to_owned(),
        );
        Ok(Outcome::Task { task_id: id })
    }

    fn comment_task(
        &mut self,
        now: DateTime<Utc>,
        task_id: &TaskId,
        agent_id: &AgentId,
        body: &str,
    ) -> CoreResult<Outcome> {
        self.agent(agent_id)?;
        self.task(task_id)?;
        non_empty(body, "The comment is empty.")?;
        let comment_id = ItemId::from(self.next_id("tc"));
        let task = self
            .tasks
            .get_mut(task_id)
            .ok_or_else(|| not_found("task", task_id.as_str()))?;
        task.comments.push(TaskComment {
            id: comment_id,
            agent_id: agent_id.clone(),
            body: body.to_owned(),
            created_at: now,
        });
        task.version += 1;
        let customer = task.customer_id.clone();
        self.push_task_event(
            now,
            &customer,
            None,
            agent_id,
            task_id,
            TaskEvent::Commented,
            body.to_owned(),
        );
        Ok(Outcome::Task {
            task_id: task_id.clone(),
        })
    }

    fn set_task_status(
        &mut self,
        now: DateTime<Utc>,
        task_id: &TaskId,
        status: TaskStatus,
        agent_id: &AgentId,
    ) -> CoreResult<Outcome> {
        self.agent(agent_id)?;
        let task = self
            .tasks
            .get_mut(task_id)
            .ok_or_else(|| not_found("task", task_id.as_str()))?;
        if task.status == status {
            return Ok(Outcome::Task {
                task_id: task_id.clone(),
            });
        }
        task.status = status;
        task.version += 1;
        let (customer, body) = (task.customer_id.clone(), task.body.clone());
        let event = if status == TaskStatus::Closed {
            TaskEvent::Closed
        } else {
            TaskEvent::Reopened
        };
        self.push_task_event(now, &customer, None, agent_id, task_id, event, body);
        Ok(Outcome::Task {
            task_id: task_id.clone(),
        })
    }

    // ----- helpers -----

    /// The conversation, if the caller's version is current.
    fn writable(&self, id: &ConversationId, expected: Option<u64>) -> CoreResult<&Conversation> {
        let conv = self.conversation(id)?;
        match expected {
            Some(v) if v != conv.version => Err(CoreError::Conflict {
                expected: v,
                current: conv.version,
            }),
            _ => Ok(conv),
        }
    }

    /// The only way to change a conversation: it leaves the views until the command is done.
    fn conv_mut(&mut self, id: &ConversationId) -> CoreResult<&mut Conversation> {
        let conv = self
            .conversations
            .get_mut(id)
            .ok_or_else(|| not_found("conversation", id.as_str()))?;
        if let Some(views) = self.views.as_mut() {
            if !self.touched.contains(id) {
                views.remove(conv);
                self.touched.push(id.clone());
            }
        }
        Ok(conv)
    }

    /// The audit item of a status change.
    fn record_status(
        &mut self,
        now: DateTime<Utc>,
        customer: &CustomerId,
        conversation: &ConversationId,
        initiator: Initiator,
        status: Status,
    ) {
        self.push_item(
            now,
            customer,
            Some(conversation),
            initiator,
            ItemContent::ConversationStatusChange { status },
        );
    }

    /// The audit item of an assignment change.
    fn record_assignment(
        &mut self,
        now: DateTime<Utc>,
        customer: &CustomerId,
        conversation: &ConversationId,
        initiator: Initiator,
        inbox_id: InboxId,
        agent_id: Option<AgentId>,
    ) {
        self.push_item(
            now,
            customer,
            Some(conversation),
            initiator,
            ItemContent::AssignmentChange { inbox_id, agent_id },
        );
    }

    /// A task's event in its customer's timeline.
    #[allow(clippy::too_many_arguments)]
    fn push_task_event(
        &mut self,
        now: DateTime<Utc>,
        customer: &CustomerId,
        conversation: Option<&ConversationId>,
        agent: &AgentId,
        task_id: &TaskId,
        event: TaskEvent,
        body: String,
    ) {
        let content = ItemContent::Task {
            task_id: task_id.clone(),
            event,
            body,
        };
        self.push_item(
            now,
            customer,
            conversation,
            Initiator::Agent { id: agent.clone() },
            content,
        );
    }

    fn push_item(
        &mut self,
        now: DateTime<Utc>,
        customer: &CustomerId,
        conversation: Option<&ConversationId>,
        initiator: Initiator,
        content: ItemContent,
    ) -> ItemId {
        let id = ItemId::from(self.next_id("it"));
        let timeline = self.timelines.entry(customer.clone()).or_default();
        // The clock may be behind an imported item; never break the timeline's order.
        let timestamp = timeline.last().map_or(now, |last| last.timestamp.max(now));
        timeline.push(TimelineItem {
            id: id.clone(),
            customer_id: customer.clone(),
            conversation_id: conversation.cloned(),
            timestamp,
            initiator,
            content,
        });
        id
    }
}

/// The status machine. `has_agent` is whether the conversation has an owner.
pub fn check_transition(from: Status, to: Status, has_agent: bool) -> CoreResult<()> {
    use Status::*;
    match (from, to) {
        (a, b) if a == b => Ok(()),
        // New ⇄ Open only through assignment.
        (_, New) => Err(CoreError::InvalidTransition { from, to }),
        (New, Open | Waiting) => Err(CoreError::NeedsAgent),
        (Open, Waiting) | (Waiting, Open) => Ok(()),
        (_, Closed) => Ok(()),
        (Closed, Open) if has_agent => Ok(()),
        (Closed, Open) => Err(CoreError::NeedsAgent),
        (Closed, Waiting) => Err(CoreError::InvalidTransition { from, to }),
        _ => Err(CoreError::InvalidTransition { from, to }),
    }
}

fn touch(conv: &mut Conversation, now: DateTime<Utc>, channel: Option<Channel>) {
    conv.version += 1;
    conv.updated_at = now;
    conv.last_activity_at = Some(now);
    if let Some(ch) = channel {
        if !conv.channels.contains(&ch) {
            conv.channels.push(ch);
        }
    }
}

fn not_found(kind: &'static str, id: &str) -> CoreError {
    CoreError::NotFound {
        kind,
        id: id.to_owned(),
    }
}

fn non_empty(text: &str, message: &str) -> CoreResult<()> {
    if text.trim().is_empty() {
        Err(CoreError::Invalid(message.to_owned()))
    } else {
        Ok(())
    }
}

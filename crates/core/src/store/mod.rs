//! The store and every rule that changes it. All writes go through [`Store::apply`] with a
//! [`Command`], so the demo backend, the server and the tests share one implementation, and a
//! list of `(time, command)` pairs replays to the same state.
//!
//! This module holds the store, its lookups and the dispatch of commands; the rules live by
//! concern in `conversation` (messages, owner, status, topics, undo), `tasks`, `customers`
//! (customers and their activities) and `directory` (agents and inbox memberships). None of
//! them depends on `query`, which reads the store.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, CoreResult};
use crate::model::*;
use crate::views::ViewIndex;

pub(crate) mod commands;
mod conversation;
mod customers;
mod directory;
mod tasks;

pub use commands::{Actor, Command, ConversationState, NewCustomer, Outcome, Routing};
pub use conversation::check_transition;
pub use directory::{REOPEN_WINDOW_HOURS_DEFAULT, REOPEN_WINDOW_HOURS_MAX};

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
    /// The admin on whose integration token the command being applied runs (see `apply_via`).
    #[serde(skip)]
    via: Option<AgentId>,
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

    /// A conversation's status once assigned: to nobody, New (back to the inbox's queue); to an
    /// agent, Open when it was New, else as it was.
    pub fn status_after_assign(from: Status, to_agent: bool) -> Status {
        match (to_agent, from) {
            (false, _) => Status::New,
            (true, Status::New) => Status::Open,
            (true, s) => s,
        }
    }

    // ----- writes -----

    /// Applies one command at time `now`. On error nothing has changed.
    pub fn apply(&mut self, now: DateTime<Utc>, command: &Command) -> CoreResult<Outcome> {
        self.apply_via(now, command, None)
    }

    /// `apply`, done by `via` (an admin's integration) on behalf of the command's agent: every
    /// item the agent's action records names both.
    pub fn apply_via(&mut self, now: DateTime<Utc>, command: &Command, via: Option<&AgentId>) -> CoreResult<Outcome> {
        self.via = via.cloned();
        let result = self.run(now, command);
        self.via = None;
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
            Command::CreateCustomer(c) => self.create_customer(now, c),
            Command::Inbound(c) => self.inbound(now, c),
            Command::Reply(c) => self.reply(now, c),
            Command::AddNote(c) => self.add_note(now, c),
            Command::Assign(c) => self.assign(now, c),
            Command::SetStatus(c) => self.set_status(now, c),
            Command::Undo(c) => self.undo(now, c),
            Command::SetTopics(c) => self.set_topics(now, c),
            Command::AddActivity(c) => self.add_activity(now, c),
            Command::CreateTask(c) => self.create_task(now, c),
            Command::CommentTask(c) => self.comment_task(now, c),
            Command::SetTaskStatus(c) => self.set_task_status(now, c),
            Command::CreateAgent(c) => self.create_agent(c),
            Command::SetMembership(c) => self.set_membership(c),
            Command::CreateInbox(c) => self.create_inbox(c),
            Command::UpdateInbox(c) => self.update_inbox(c),
        }
    }

    fn next_id(&mut self, prefix: &str) -> String {
        self.next_seq += 1;
        format!("{prefix}{:x}", self.next_seq)
    }

    fn push_item(
        &mut self,
        now: DateTime<Utc>,
        customer: &CustomerId,
        conversation: Option<&ConversationId>,
        mut initiator: Initiator,
        content: ItemContent,
    ) -> ItemId {
        if let (Initiator::Agent { via, .. }, Some(by)) = (&mut initiator, &self.via) {
            *via = Some(by.clone());
        }
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

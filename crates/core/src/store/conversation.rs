//! The rules of a conversation: contacts coming in and routed, replies and notes, its owner,
//! status and topics, and undoing a change of status or owner.

use chrono::{DateTime, Duration, Utc};

use super::commands::{
    Actor, AddNote, Assign, ConversationState, Inbound, Outcome, Reply, Routing, SetStatus, SetTopics, Undo,
};
use super::{non_empty, not_found, Store};
use crate::error::{CoreError, CoreResult};
use crate::model::*;

impl Store {
    pub(super) fn inbound(&mut self, now: DateTime<Utc>, c: &Inbound) -> CoreResult<Outcome> {
        let (customer_id, channel, text) = (&c.customer_id, c.channel, c.text.as_str());
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
            // Back to the agent who had it, if they are still in its inbox; otherwise (nobody
            // had it, or they left the inbox since) into the inbox's queue.
            let assignee = self.conversation(&conv_id)?.assignee.clone();
            let kept = assignee
                .agent_id
                .as_ref()
                .is_some_and(|a| self.is_member(&assignee.inbox_id, a));
            let conv = self.conv_mut(&conv_id)?;
            let left = assignee.agent_id.is_some() && !kept;
            let status = if kept {
                Status::Open
            } else {
                conv.assignee.agent_id = None;
                Status::New
            };
            conv.status = status;
            conv.closed_at = None;
            conv.reopen_count += 1;
            if left {
                let inbox = assignee.inbox_id.clone();
                self.record_assignment(now, customer_id, &conv_id, Initiator::System, inbox, None);
            }
            self.record_status(now, customer_id, &conv_id, Initiator::Customer, status);
        }
        let content = ItemContent::message(channel, Direction::Inbound, text.to_owned(), c.subject.clone());
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

    pub(super) fn reply(&mut self, now: DateTime<Utc>, c: &Reply) -> CoreResult<Outcome> {
        let (conv_id, agent_id, channel, text) = (&c.conversation_id, &c.agent_id, c.channel, c.text.as_str());
        self.agent(agent_id)?;
        let conv = self.writable(conv_id, c.expected_version)?.clone();
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
        let content = ItemContent::message(channel, Direction::Outbound, text.to_owned(), c.subject.clone());
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

    pub(super) fn add_note(&mut self, now: DateTime<Utc>, c: &AddNote) -> CoreResult<Outcome> {
        let (conv_id, agent_id, body) = (&c.conversation_id, &c.agent_id, c.body.as_str());
        self.agent(agent_id)?;
        non_empty(body, "The note is empty.")?;
        let customer = self.conversation(conv_id)?.customer_id.clone();
        let item_id = self.push_item(
            now,
            &customer,
            Some(conv_id),
            Initiator::agent(agent_id),
            ItemContent::ConversationNote { body: body.to_owned() },
        );
        touch(self.conv_mut(conv_id)?, now, None);
        Ok(Outcome::Item { item_id })
    }

    pub(super) fn assign(&mut self, now: DateTime<Utc>, c: &Assign) -> CoreResult<Outcome> {
        let (conv_id, assignee, actor) = (&c.conversation_id, &c.assignee, &c.actor);
        let conv = self.writable(conv_id, c.expected_version)?.clone();
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
        let status = Store::status_after_assign(conv.status, assignee.agent_id.is_some());
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

    pub(super) fn undo(&mut self, now: DateTime<Utc>, c: &Undo) -> CoreResult<Outcome> {
        let (conv_id, undone, restore, actor) = (&c.conversation_id, &c.undone, &c.restore, &c.actor);
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
        if to.status == Status::Closed && inbox.close_needs_topic(&conv.topic_ids) {
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
            Some(Initiator::Agent { id, .. }) => {
                self.agent(id).map_or_else(|_| "Someone".to_owned(), |a| a.name.clone())
            }
            Some(Initiator::Customer) => "The customer".to_owned(),
            _ => "Someone".to_owned(),
        }
    }

    pub(super) fn set_status(&mut self, now: DateTime<Utc>, c: &SetStatus) -> CoreResult<Outcome> {
        let (conv_id, status, actor) = (&c.conversation_id, c.status, &c.actor);
        let conv = self.writable(conv_id, c.expected_version)?.clone();
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
        if status == Status::Closed && inbox.close_needs_topic(&conv.topic_ids) {
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

    pub(super) fn set_topics(&mut self, now: DateTime<Utc>, c: &SetTopics) -> CoreResult<Outcome> {
        let (conv_id, topic_ids, actor) = (&c.conversation_id, &c.topic_ids, &c.actor);
        let conv = self.writable(conv_id, c.expected_version)?.clone();
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
        if conv.status.is_closed() && self.inbox(&conv.assignee.inbox_id)?.close_needs_topic(&wanted) {
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

//! Tasks: follow-ups on a customer, each with its events in the customer's timeline.

use chrono::{DateTime, Utc};

use super::commands::{CommentTask, CreateTask, Outcome, SetTaskStatus};
use super::{non_empty, not_found, Store};
use crate::error::{CoreError, CoreResult};
use crate::model::*;

impl Store {
    pub(super) fn create_task(&mut self, now: DateTime<Utc>, c: &CreateTask) -> CoreResult<Outcome> {
        let (customer_id, body, assignee, agent_id) = (&c.customer_id, c.body.as_str(), &c.assignee, &c.agent_id);
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
            due_at: c.due_at,
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

    pub(super) fn comment_task(&mut self, now: DateTime<Utc>, c: &CommentTask) -> CoreResult<Outcome> {
        let (task_id, agent_id, body) = (&c.task_id, &c.agent_id, c.body.as_str());
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

    pub(super) fn set_task_status(&mut self, now: DateTime<Utc>, c: &SetTaskStatus) -> CoreResult<Outcome> {
        let (task_id, status, agent_id) = (&c.task_id, c.status, &c.agent_id);
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
        self.push_item(now, customer, conversation, Initiator::agent(agent), content);
    }
}

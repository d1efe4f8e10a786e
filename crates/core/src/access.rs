//! Who may do what, for a signed-in agent. The rules (docs/http-api.md, "Access"):
//! - everyone signed in reads every customer's profile and lifelong timeline: that context is
//!   the product's point;
//! - an agent acts on a conversation in an inbox they belong to, or that is theirs; moving it to
//!   another inbox is such an act, so it needs membership of the one it is in;
//! - lists, counts and the live stream show an agent the inboxes they belong to;
//! - supervisors and admins see and act everywhere; only an admin's credential posts what a
//!   customer wrote (an integration);
//! - only an admin adds agents, creates and edits inboxes and changes their memberships;
//! - nobody acts in someone else's name.
//!
//! The demo and a sandbox server have nobody signed in: whoever "Act as" names acts, anywhere.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, CoreResult};
use crate::model::{AgentId, Assignee, Conversation, ConversationId, InboxId, Task, TaskId};
use crate::store::{Actor, Command, Store};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Agent,
    /// Every inbox: sees all, acts and reassigns anywhere.
    Supervisor,
    /// A supervisor who also manages accounts and tokens, and whose tokens are integrations'.
    Admin,
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "agent" => Some(Role::Agent),
            "supervisor" => Some(Role::Supervisor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
}

/// A signed-in agent: who the credential says, with the role their account has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub agent: AgentId,
    pub role: Role,
    /// The admin whose integration token acts on this agent's behalf: the agent's own rights
    /// apply, and what they do records both.
    pub via: Option<AgentId>,
}

impl Principal {
    pub fn new(agent: impl Into<AgentId>, role: Role) -> Principal {
        Principal {
            agent: agent.into(),
            role,
            via: None,
        }
    }

    /// This agent, acted for by `admin`.
    pub fn acted_for_by(self, admin: AgentId) -> Principal {
        Principal {
            via: Some(admin),
            ..self
        }
    }

    /// Supervisors and admins: every inbox.
    pub fn everywhere(&self) -> bool {
        self.role >= Role::Supervisor
    }

    /// Whether lists, counts and the live stream show this inbox's conversations to them.
    pub fn sees_inbox(&self, store: &Store, inbox: &InboxId) -> bool {
        self.everywhere() || store.is_member(inbox, &self.agent)
    }

    /// The inboxes they see, in directory order.
    pub fn inboxes(&self, store: &Store) -> Vec<InboxId> {
        store
            .directory
            .inboxes
            .iter()
            .filter(|i| self.sees_inbox(store, &i.id))
            .map(|i| i.id.clone())
            .collect()
    }

    /// Whether they see a conversation in lists: its inbox is theirs, or it is assigned to them.
    pub fn sees(&self, store: &Store, conversation: &Conversation) -> bool {
        self.holds(&conversation.assignee) || self.sees_inbox(store, &conversation.assignee.inbox_id)
    }

    fn holds(&self, assignee: &Assignee) -> bool {
        assignee.agent_id.as_ref() == Some(&self.agent)
    }

    /// Whether they may act on this task: it is theirs (assigned or created), or in an inbox
    /// they see.
    pub fn sees_task(&self, store: &Store, task: &Task) -> bool {
        self.holds(&task.assignee) || task.created_by == self.agent || self.sees_inbox(store, &task.assignee.inbox_id)
    }

    /// Whether an event naming this conversation or task may name it to them: one they see in
    /// lists, or a task they see; an event naming neither (a customer's) always may.
    pub fn sees_event(&self, store: &Store, conversation: Option<&ConversationId>, task: Option<&TaskId>) -> bool {
        match (
            conversation.and_then(|id| store.conversation(id).ok()),
            task.and_then(|id| store.task(id).ok()),
        ) {
            (Some(c), _) => self.sees(store, c),
            (None, Some(t)) => self.sees_task(store, t),
            (None, None) => true,
        }
    }

    /// `Ok` when they may apply `command` to `store`; otherwise why not, worded for them.
    pub fn may(&self, store: &Store, command: &Command) -> CoreResult<()> {
        if let Some(named) = acting_agent(command) {
            if named != &self.agent {
                return Err(CoreError::Forbidden(
                    "You can act only as yourself: the change names another agent.".to_owned(),
                ));
            }
        }
        match command {
            Command::CreateCustomer(_) | Command::AddActivity(_) | Command::CreateTask(_) | Command::CommentTask(_) => {
                Ok(())
            }
            Command::Inbound(_) if self.role == Role::Admin => Ok(()),
            Command::Inbound(_) => Err(CoreError::Forbidden(
                "Only a channel integration (an administrator's token or the signed webhook) can post what a customer wrote."
                    .to_owned(),
            )),
            Command::CreateAgent(_) | Command::SetMembership(_) | Command::CreateInbox(_) | Command::UpdateInbox(_)
                if self.role == Role::Admin =>
            {
                Ok(())
            }
            Command::CreateAgent(_) | Command::SetMembership(_) | Command::CreateInbox(_) | Command::UpdateInbox(_) => {
                Err(CoreError::Forbidden(
                    "Only an administrator adds agents, sets up inboxes and changes who belongs to them.".to_owned(),
                ))
            }
            Command::Reply(c) => self.may_act_on(store, &c.conversation_id),
            Command::AddNote(c) => self.may_act_on(store, &c.conversation_id),
            Command::Assign(c) => self.may_act_on(store, &c.conversation_id),
            Command::SetStatus(c) => self.may_act_on(store, &c.conversation_id),
            Command::SetTopics(c) => self.may_act_on(store, &c.conversation_id),
            Command::Undo(c) => self.may_act_on(store, &c.conversation_id),
            Command::SetTaskStatus(c) => {
                let task = store.task(&c.task_id)?;
                if self.sees_task(store, task) {
                    Ok(())
                } else {
                    Err(CoreError::Forbidden(format!(
                        "This task belongs to {}, which you are not a member of: only its members, its assignee, its author or a supervisor can change it.",
                        inbox_name(store, &task.assignee.inbox_id)
                    )))
                }
            }
        }
    }

    fn may_act_on(&self, store: &Store, id: &ConversationId) -> CoreResult<()> {
        let conversation = store.conversation(id)?;
        if self.holds(&conversation.assignee) || self.sees_inbox(store, &conversation.assignee.inbox_id) {
            return Ok(());
        }
        Err(CoreError::Forbidden(format!(
            "This conversation is in {}, which you are not a member of: only its members, its assignee or a supervisor can change it.",
            inbox_name(store, &conversation.assignee.inbox_id)
        )))
    }
}

fn inbox_name(store: &Store, id: &InboxId) -> String {
    store.inbox(id).map_or_else(|_| id.to_string(), |i| i.name.clone())
}

/// The agent a command says is acting, if it names one.
fn acting_agent(command: &Command) -> Option<&AgentId> {
    fn actor(a: &Actor) -> Option<&AgentId> {
        match a {
            Actor::Agent { id } => Some(id),
            Actor::System => None,
        }
    }
    match command {
        Command::CreateCustomer(_) | Command::Inbound(_) | Command::AddActivity(_) => None,
        Command::Reply(c) => Some(&c.agent_id),
        Command::AddNote(c) => Some(&c.agent_id),
        Command::Assign(c) => actor(&c.actor),
        Command::SetStatus(c) => actor(&c.actor),
        Command::SetTopics(c) => actor(&c.actor),
        Command::Undo(c) => actor(&c.actor),
        Command::CreateTask(c) => Some(&c.agent_id),
        Command::CommentTask(c) => Some(&c.agent_id),
        Command::SetTaskStatus(c) => Some(&c.agent_id),
        Command::CreateAgent(c) => actor(&c.actor),
        Command::SetMembership(c) => actor(&c.actor),
        Command::CreateInbox(c) => actor(&c.actor),
        Command::UpdateInbox(c) => actor(&c.actor),
    }
}

//! The directory: a new agent, who belongs to which inbox, and the inboxes themselves. An
//! administrator's acts (see `access`); in the demo anyone may try them.

use super::commands::{CreateAgent, CreateInbox, Outcome, SetMembership, UpdateInbox};
use super::Store;
use crate::error::{CoreError, CoreResult};
use crate::model::*;

impl Store {
    pub(super) fn create_agent(&mut self, c: &CreateAgent) -> CoreResult<Outcome> {
        let name = c.name.trim_matches(SPACE);
        if name.is_empty() {
            return Err(CoreError::Invalid("A new agent needs a name.".to_owned()));
        }
        let email = c.email_address.trim_matches(SPACE);
        if !plausible_email(email) {
            return Err(CoreError::Invalid(format!(
                "“{email}” is not an email address: it needs a name, an @ and a domain, with no spaces."
            )));
        }
        if let Some(other) = self
            .directory
            .agents
            .iter()
            .find(|a| a.email_address.eq_ignore_ascii_case(email))
        {
            return Err(CoreError::Taken {
                field: "emailAddress",
                detail: format!("{} already has the address {email}.", other.name),
            });
        }
        for inbox in &c.inbox_ids {
            self.inbox(inbox)?;
        }
        let id: AgentId = self.unused_id("ag", |s, id| s.agent(id).is_ok());
        self.directory.agents.push(Agent {
            id: id.clone(),
            name: name.to_owned(),
            email_address: email.to_owned(),
        });
        for inbox in self.directory.inboxes.iter_mut() {
            if c.inbox_ids.contains(&inbox.id) {
                inbox.agent_ids.push(id.clone());
            }
        }
        Ok(Outcome::Agent { agent_id: id })
    }

    /// Joining twice or leaving an inbox one is not in changes nothing (and is no error).
    pub(super) fn set_membership(&mut self, c: &SetMembership) -> CoreResult<Outcome> {
        let agent = self.agent(&c.agent_id)?.name.clone();
        let inbox = self.inbox(&c.inbox_id)?.name.clone();
        if !c.member {
            let theirs = |a: &Assignee| a.inbox_id == c.inbox_id && a.agent_id.as_ref() == Some(&c.agent_id);
            let conversations = self
                .conversations()
                .filter(|v| matches!(v.status, Status::Open | Status::Waiting) && theirs(&v.assignee))
                .count();
            let tasks = self
                .tasks()
                .filter(|t| t.status == TaskStatus::Open && theirs(&t.assignee))
                .count();
            if conversations + tasks > 0 {
                return Err(CoreError::StillAssigned {
                    agent,
                    inbox,
                    conversations,
                    tasks,
                });
            }
        }
        let members = &mut self
            .directory
            .inboxes
            .iter_mut()
            .find(|i| i.id == c.inbox_id)
            .ok_or_else(|| super::not_found("inbox", c.inbox_id.as_str()))?
            .agent_ids;
        let present = members.contains(&c.agent_id);
        match (c.member, present) {
            (true, false) => members.push(c.agent_id.clone()),
            (false, true) => members.retain(|a| a != &c.agent_id),
            _ => {}
        }
        Ok(Outcome::Inbox {
            inbox_id: c.inbox_id.clone(),
        })
    }

    pub(super) fn create_inbox(&mut self, c: &CreateInbox) -> CoreResult<Outcome> {
        let name = self.inbox_name_free(&c.name, None)?;
        self.channels_free(&c.channels, None)?;
        window(c.reopen_window_hours)?;
        for agent in &c.agent_ids {
            self.agent(agent)?;
        }
        let id: InboxId = self.unused_id("in", |s, id| s.inbox(id).is_ok());
        self.directory.inboxes.push(Inbox {
            id: id.clone(),
            name,
            agent_ids: distinct(&c.agent_ids),
            channels: distinct(&c.channels),
            reopen_window_hours: c.reopen_window_hours,
            topics_required_to_close: c.topics_required_to_close,
        });
        Ok(Outcome::Inbox { inbox_id: id })
    }

    pub(super) fn update_inbox(&mut self, c: &UpdateInbox) -> CoreResult<Outcome> {
        self.inbox(&c.inbox_id)?;
        let name = match &c.name {
            Some(name) => Some(self.inbox_name_free(name, Some(&c.inbox_id))?),
            None => None,
        };
        if let Some(channels) = &c.channels {
            self.channels_free(channels, Some(&c.inbox_id))?;
        }
        if let Some(hours) = c.reopen_window_hours {
            window(hours)?;
        }
        let inbox = self
            .directory
            .inboxes
            .iter_mut()
            .find(|i| i.id == c.inbox_id)
            .ok_or_else(|| super::not_found("inbox", c.inbox_id.as_str()))?;
        if let Some(name) = name {
            inbox.name = name;
        }
        if let Some(channels) = &c.channels {
            inbox.channels = distinct(channels);
        }
        if let Some(hours) = c.reopen_window_hours {
            inbox.reopen_window_hours = hours;
        }
        if let Some(required) = c.topics_required_to_close {
            inbox.topics_required_to_close = required;
        }
        Ok(Outcome::Inbox {
            inbox_id: c.inbox_id.clone(),
        })
    }

    /// The name without its spaces, if it is not empty and no other inbox has it.
    fn inbox_name_free(&self, name: &str, this: Option<&InboxId>) -> CoreResult<String> {
        let name = name.trim_matches(SPACE);
        if name.is_empty() {
            return Err(CoreError::Invalid("An inbox needs a name.".to_owned()));
        }
        let others = self.directory.inboxes.iter().filter(|i| Some(&i.id) != this);
        if others.clone().any(|i| i.name.eq_ignore_ascii_case(name)) {
            return Err(CoreError::Taken {
                field: "name",
                detail: format!("There is an inbox called {name} already."),
            });
        }
        Ok(name.to_owned())
    }

    /// A channel routes new contacts to one inbox: refused while another inbox has it.
    fn channels_free(&self, channels: &[Channel], this: Option<&InboxId>) -> CoreResult<()> {
        let others = self.directory.inboxes.iter().filter(|i| Some(&i.id) != this);
        for other in others {
            if let Some(channel) = channels.iter().find(|c| other.channels.contains(c)) {
                return Err(CoreError::Taken {
                    field: "channels",
                    detail: format!(
                        "New {} contacts go to {} already: take the channel off there first.",
                        channel.label(),
                        other.name
                    ),
                });
            }
        }
        Ok(())
    }

    /// A new id from the store's one counter, skipping any the seed's directory already uses.
    fn unused_id<T: From<String>>(&mut self, prefix: &str, used: impl Fn(&Store, &T) -> bool) -> T {
        loop {
            let id = T::from(self.next_id(prefix));
            if !used(self, &id) {
                return id;
            }
        }
    }

    /// Whether `agent` belongs to `inbox` (an unknown inbox has nobody).
    pub fn is_member(&self, inbox: &InboxId, agent: &AgentId) -> bool {
        self.inbox(inbox).is_ok_and(|i| i.agent_ids.contains(agent))
    }
}

/// A new inbox's reopen window unless it names one: three days.
pub const REOPEN_WINDOW_HOURS_DEFAULT: u32 = 72;

/// The longest reopen window: a year. A longer one would mean a customer never starts afresh.
pub const REOPEN_WINDOW_HOURS_MAX: u32 = 8_760;

fn window(hours: u32) -> CoreResult<()> {
    if hours > REOPEN_WINDOW_HOURS_MAX {
        return Err(CoreError::Invalid(format!(
            "A reopen window is at most {REOPEN_WINDOW_HOURS_MAX} hours (a year); {hours} is more."
        )));
    }
    Ok(())
}

/// Each once, in the order given.
fn distinct<T: Clone + PartialEq>(items: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for item in items {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    out
}

/// What counts as a space in a name or an address: these four, exactly, so that the API's
/// schema (api/openapi.yaml) says the same in any regex dialect.
const SPACE: [char; 4] = [' ', '\t', '\r', '\n'];

/// `local@label.label…` with no spaces, no second `@` and no empty label: enough to catch a slip
/// (the mail server decides the rest). The schema's pattern for `emailAddress` is this rule.
fn plausible_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let clean = |part: &str| !part.is_empty() && !part.contains(SPACE) && !part.contains('@');
    let labels: Vec<&str> = domain.split('.').collect();
    clean(local) && labels.len() >= 2 && labels.iter().all(|l| clean(l))
}

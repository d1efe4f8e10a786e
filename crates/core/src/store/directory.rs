//! The directory's people: a new agent, and who belongs to which inbox. An administrator's
//! acts (see `access`); in the demo anyone may try them.

use super::commands::{CreateAgent, Outcome, SetMembership};
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
        // Ids come from the store's one counter; skip any the seed's agents already use.
        let id = loop {
            let id = AgentId::from(self.next_id("ag"));
            if self.agent(&id).is_err() {
                break id;
            }
        };
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

    /// Whether `agent` belongs to `inbox` (an unknown inbox has nobody).
    pub fn is_member(&self, inbox: &InboxId, agent: &AgentId) -> bool {
        self.inbox(inbox).is_ok_and(|i| i.agent_ids.contains(agent))
    }
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

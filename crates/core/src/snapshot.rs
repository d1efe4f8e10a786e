//! An organisation given as data instead of generated: its directory, customers, conversations,
//! timelines and tasks in the contract's JSON shapes. A sandbox server can start from one (trial
//! data of a product team, the e2e suites' fixtures); it is checked against the same invariants
//! the rules keep, so a store that starts from it obeys them as a seeded one does.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::invariants;
use crate::model::*;
use crate::store::{Directory, Store};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    #[serde(default)]
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Snapshot {
    #[serde(default)]
    pub organization: Organization,
    pub agents: Vec<Agent>,
    pub inboxes: Vec<Inbox>,
    #[serde(default)]
    pub teams: Vec<Team>,
    #[serde(default)]
    pub topics: Vec<Topic>,
    #[serde(default)]
    pub answers: Vec<Answer>,
    #[serde(default)]
    pub customers: Vec<Customer>,
    #[serde(default)]
    pub conversations: Vec<Conversation>,
    /// Each customer's items, in any order (they are sorted by time, ties kept in given order).
    #[serde(default)]
    pub timeline: BTreeMap<CustomerId, Vec<TimelineItem>>,
    #[serde(default)]
    pub tasks: Vec<Task>,
}

impl Snapshot {
    /// The store this snapshot describes, or every reason it cannot be one.
    pub fn into_store(self) -> Result<Store, Vec<String>> {
        let mut problems = Vec::new();
        if self.inboxes.is_empty() {
            problems.push("an organisation needs at least one inbox".to_owned());
        }
        duplicates("agent", self.agents.iter().map(|a| a.id.as_str()), &mut problems);
        duplicates("inbox", self.inboxes.iter().map(|i| i.id.as_str()), &mut problems);
        duplicates("topic", self.topics.iter().map(|t| t.id.as_str()), &mut problems);
        duplicates("customer", self.customers.iter().map(|c| c.id.as_str()), &mut problems);
        duplicates(
            "conversation",
            self.conversations.iter().map(|c| c.id.as_str()),
            &mut problems,
        );
        duplicates("task", self.tasks.iter().map(|t| t.id.as_str()), &mut problems);
        let items = self.timeline.values().flatten();
        duplicates("item", items.map(|i| i.id.as_str()), &mut problems);
        for inbox in &self.inboxes {
            for agent in &inbox.agent_ids {
                if !self.agents.iter().any(|a| &a.id == agent) {
                    problems.push(format!("inbox {}: unknown agent {agent}", inbox.id));
                }
            }
        }
        for customer in self.timeline.keys() {
            if !self.customers.iter().any(|c| &c.id == customer) {
                problems.push(format!("timeline of an unknown customer {customer}"));
            }
        }
        // Generated ids continue after the largest one given, so they never collide with it.
        let mut next_seq = 0;
        let ids = (self.customers.iter().map(|c| c.id.as_str()))
            .chain(self.conversations.iter().map(|c| c.id.as_str()))
            .chain(self.tasks.iter().map(|t| t.id.as_str()))
            .chain(self.tasks.iter().flat_map(|t| t.comments.iter().map(|c| c.id.as_str())))
            .chain(self.timeline.values().flatten().map(|i| i.id.as_str()));
        for id in ids {
            next_seq = next_seq.max(generated_seq(id));
        }
        let directory = Directory {
            org_name: self.organization.name,
            inboxes: self.inboxes,
            agents: self.agents,
            teams: self.teams,
            topics: self.topics,
            answers: self.answers,
        };
        let mut timelines = self.timeline;
        for list in timelines.values_mut() {
            list.sort_by_key(|i| i.timestamp);
        }
        let store = Store::from_parts(
            directory,
            self.customers,
            self.conversations,
            timelines,
            self.tasks,
            next_seq,
        );
        problems.extend(invariants::structural(&store));
        if problems.is_empty() {
            Ok(store)
        } else {
            Err(problems)
        }
    }
}

fn duplicates<'a>(what: &str, ids: impl Iterator<Item = &'a str>, problems: &mut Vec<String>) {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            problems.push(format!("two {what}s have the id {id}"));
        }
    }
}

/// The counter value an id made by the store's generator (`co1f`: a prefix of two letters, then
/// hex) carries; 0 for any other id.
fn generated_seq(id: &str) -> u64 {
    let Some(hex) = id.get(2..).filter(|h| !h.is_empty() && h.len() <= 15) else {
        return 0;
    };
    u64::from_str_radix(hex, 16).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_continue_after_the_largest_given() {
        assert_eq!(generated_seq("co1f"), 0x1f);
        assert_eq!(generated_seq("itH5"), 0);
        assert_eq!(generated_seq("cu"), 0);
        assert_eq!(generated_seq("x\"><svg"), 0);
    }
}

//! The inbox views, kept sorted as conversations change. The store updates this index on every
//! write, so a view's order and the navigation's counts cost a walk of one view, not a scan and
//! sort of every conversation on each read (10 000 of them in the large demo).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::*;

/// A named slice of conversations, as the left-hand navigation lists them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "view", content = "id", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum View {
    /// Not closed and owned by the current agent.
    Mine,
    Status(Status),
    /// Not closed and in this inbox.
    Inbox(InboxId),
}

impl View {
    /// The fixed views, in navigation order.
    pub const fn standard() -> [View; 5] {
        [
            View::Mine,
            View::Status(Status::New),
            View::Status(Status::Open),
            View::Status(Status::Waiting),
            View::Status(Status::Closed),
        ]
    }

    pub fn matches(&self, conv: &Conversation, me: Option<&AgentId>) -> bool {
        match self {
            View::Mine => !conv.status.is_closed() && me.is_some() && conv.assignee.agent_id.as_ref() == me,
            View::Status(s) => conv.status == *s,
            View::Inbox(id) => !conv.status.is_closed() && &conv.assignee.inbox_id == id,
        }
    }

    /// URL segment: `mine`, `new`, `open`, `waiting`, `closed`, `inbox-<id>`.
    pub fn slug(&self) -> String {
        match self {
            View::Mine => "mine".into(),
            View::Status(s) => s.label().to_lowercase(),
            View::Inbox(id) => format!("inbox-{id}"),
        }
    }

    pub fn from_slug(slug: &str) -> Option<View> {
        if let Some(id) = slug.strip_prefix("inbox-") {
            return (!id.is_empty()).then(|| View::Inbox(InboxId::from(id)));
        }
        if slug == "mine" {
            return Some(View::Mine);
        }
        Status::ALL
            .into_iter()
            .find(|s| s.label().eq_ignore_ascii_case(slug))
            .map(View::Status)
    }
}

/// A conversation's place in a list: customers waiting on us first (longest wait on top), then
/// the rest by latest activity; closed ones by most recently closed. The id breaks ties.
type Entry = (u8, i64, ConversationId);

fn entry(c: &Conversation) -> Entry {
    let ts = |t: Option<DateTime<Utc>>| t.map_or(0, |t| t.timestamp_millis());
    let (group, key) = match (c.status, c.customer_waiting_since) {
        (Status::Closed, _) => (2, -ts(c.closed_at)),
        (_, Some(since)) => (0, since.timestamp_millis()),
        (_, None) => (1, -ts(c.last_activity_at)),
    };
    (group, key, c.id.clone())
}

/// Entries in list order. A sorted `Vec` rather than a `BTreeSet`: an update moves at most a few
/// hundred KB, and it keeps the browser bundle smaller than another B-tree instantiation.
type Sorted = Vec<Entry>;

fn put(list: &mut Sorted, e: Entry) {
    let at = list.binary_search(&e).unwrap_or_else(|at| at);
    list.insert(at, e);
}

fn take(list: &mut Sorted, e: &Entry) {
    if let Ok(at) = list.binary_search(e) {
        list.remove(at);
    }
}

/// Lists per key (owner or inbox), sorted by key; a group that empties is dropped, so an index
/// kept up to date equals one built afresh.
type Groups<K> = Vec<(K, Sorted)>;

fn group<'a, K: Ord + Clone>(groups: &'a mut Groups<K>, key: &K) -> &'a mut Sorted {
    let at = match groups.binary_search_by(|(k, _)| k.cmp(key)) {
        Ok(at) => at,
        Err(at) => {
            groups.insert(at, (key.clone(), Vec::new()));
            at
        }
    };
    &mut groups[at].1
}

fn take_from<K: Ord>(groups: &mut Groups<K>, key: &K, e: &Entry) {
    if let Ok(at) = groups.binary_search_by(|(k, _)| k.cmp(key)) {
        take(&mut groups[at].1, e);
        if groups[at].1.is_empty() {
            groups.remove(at);
        }
    }
}

fn find<'a, K: Ord>(groups: &'a Groups<K>, key: &K) -> Option<&'a Sorted> {
    groups
        .binary_search_by(|(k, _)| k.cmp(key))
        .ok()
        .map(|at| &groups[at].1)
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ViewIndex {
    /// By status, in `Status::ALL` order.
    status: [Sorted; 4],
    /// Conversations not closed, by owner and by inbox.
    agent: Groups<AgentId>,
    inbox: Groups<InboxId>,
}

impl ViewIndex {
    pub fn build<'a>(conversations: impl IntoIterator<Item = &'a Conversation>) -> ViewIndex {
        // Appended, then sorted once: inserting 10 000 entries one by one would move megabytes.
        let mut index = ViewIndex::default();
        for c in conversations {
            let e = entry(c);
            if !c.status.is_closed() {
                if let Some(agent) = &c.assignee.agent_id {
                    group(&mut index.agent, agent).push(e.clone());
                }
                group(&mut index.inbox, &c.assignee.inbox_id).push(e.clone());
            }
            index.status[c.status as usize].push(e);
        }
        let lists = index.status.iter_mut();
        let lists = lists.chain(index.agent.iter_mut().map(|(_, l)| l));
        for list in lists.chain(index.inbox.iter_mut().map(|(_, l)| l)) {
            list.sort_unstable();
        }
        index
    }

    pub fn insert(&mut self, c: &Conversation) {
        let e = entry(c);
        if !c.status.is_closed() {
            if let Some(agent) = &c.assignee.agent_id {
                put(group(&mut self.agent, agent), e.clone());
            }
            put(group(&mut self.inbox, &c.assignee.inbox_id), e.clone());
        }
        put(&mut self.status[c.status as usize], e);
    }

    /// Takes `c` out, as it was when inserted (call before changing it).
    pub fn remove(&mut self, c: &Conversation) {
        let e = entry(c);
        if !c.status.is_closed() {
            if let Some(agent) = &c.assignee.agent_id {
                take_from(&mut self.agent, agent, &e);
            }
            take_from(&mut self.inbox, &c.assignee.inbox_id, &e);
        }
        take(&mut self.status[c.status as usize], &e);
    }

    fn list(&self, view: &View, me: Option<&AgentId>) -> Option<&Sorted> {
        match view {
            View::Status(s) => Some(&self.status[*s as usize]),
            View::Mine => me.and_then(|m| find(&self.agent, m)),
            View::Inbox(id) => find(&self.inbox, id),
        }
    }

    /// The view's conversations, in list order.
    pub fn ids(&self, view: &View, me: Option<&AgentId>) -> Vec<ConversationId> {
        self.list(view, me)
            .map(|l| l.iter().map(|(_, _, id)| id.clone()).collect())
            .unwrap_or_default()
    }

    pub fn count(&self, view: &View, me: Option<&AgentId>) -> usize {
        self.list(view, me).map_or(0, Vec::len)
    }

    /// Inboxes with conversations not closed, and how many.
    pub fn inbox_counts(&self) -> impl Iterator<Item = (&InboxId, usize)> {
        self.inbox.iter().map(|(id, l)| (id, l.len()))
    }
}

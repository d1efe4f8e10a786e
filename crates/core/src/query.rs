//! Read models: inbox views with counts, list rows, search. Pure functions over a [`Store`].

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::error::{CoreError, CoreResult};
use crate::model::*;
use crate::store::Store;

pub use crate::views::View;

/// One row of the conversation list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationSummary {
    pub conversation: Conversation,
    pub customer_name: String,
    /// Text of the latest message or note, single line.
    pub preview: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_direction: Option<Direction>,
    /// Earliest due date of the customer's open tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "crate::dates::de_opt")]
    pub next_task_due: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub new: usize,
    pub open: usize,
    pub waiting: usize,
    pub closed: usize,
    pub mine: usize,
    /// Conversations not closed, per inbox.
    pub by_inbox: BTreeMap<InboxId, usize>,
}

impl Counts {
    pub fn for_view(&self, view: &View) -> usize {
        match view {
            View::Mine => self.mine,
            View::Status(Status::New) => self.new,
            View::Status(Status::Open) => self.open,
            View::Status(Status::Waiting) => self.waiting,
            View::Status(Status::Closed) => self.closed,
            View::Inbox(id) => self.by_inbox.get(id).copied().unwrap_or(0),
        }
    }
}

pub fn counts(store: &Store, me: Option<&AgentId>) -> Counts {
    let views = store.views();
    let mut by_inbox: BTreeMap<InboxId, usize> = store.directory.inboxes.iter().map(|i| (i.id.clone(), 0)).collect();
    by_inbox.extend(views.inbox_counts().map(|(id, n)| (id.clone(), n)));
    Counts {
        new: views.count(&View::Status(Status::New), me),
        open: views.count(&View::Status(Status::Open), me),
        waiting: views.count(&View::Status(Status::Waiting), me),
        closed: views.count(&View::Status(Status::Closed), me),
        mine: views.count(&View::Mine, me),
        by_inbox,
    }
}

/// `counts` as a signed-in agent sees them: the conversations of their inboxes and their own.
pub fn counts_seen(store: &Store, me: Option<&AgentId>, who: &Principal) -> Counts {
    if who.everywhere() {
        return counts(store, me);
    }
    let seen = |view: View| order_seen(store, &view, me, Some(who)).len();
    let by_inbox = who
        .inboxes(store)
        .into_iter()
        .map(|id| {
            let n = seen(View::Inbox(id.clone()));
            (id, n)
        })
        .collect();
    Counts {
        new: seen(View::Status(Status::New)),
        open: seen(View::Status(Status::Open)),
        waiting: seen(View::Status(Status::Waiting)),
        closed: seen(View::Status(Status::Closed)),
        mine: seen(View::Mine),
        by_inbox,
    }
}

/// `order`, keeping what `who` (when signed in) sees.
pub fn order_seen(store: &Store, view: &View, me: Option<&AgentId>, who: Option<&Principal>) -> Vec<ConversationId> {
    let mut ids = order(store, view, me);
    if let Some(who) = who.filter(|w| !w.everywhere()) {
        ids.retain(|id| store.conversation(id).is_ok_and(|c| who.sees(store, c)));
    }
    ids
}

/// The rows of a view: customers waiting on us first (longest wait on top), then the rest by
/// latest activity; closed ones by most recently closed.
pub fn list(store: &Store, view: &View, me: Option<&AgentId>) -> Vec<ConversationSummary> {
    summaries(store, &order(store, view, me))
}

/// The ids of a view's conversations, in list order (same order as `list`). Cheap: no row is
/// summarized, and the store keeps each view sorted, so this walks one view and sorts nothing.
pub fn order(store: &Store, view: &View, me: Option<&AgentId>) -> Vec<ConversationId> {
    store.views().ids(view, me)
}

/// List rows for these ids, in the given order; ids that are not conversations are skipped.
pub fn summaries(store: &Store, ids: &[ConversationId]) -> Vec<ConversationSummary> {
    let convs: Vec<&Conversation> = ids.iter().filter_map(|id| store.conversation(id).ok()).collect();
    // One pass over the tasks for the whole batch instead of one per row.
    let wanted: HashSet<&CustomerId> = convs.iter().map(|c| &c.customer_id).collect();
    let mut due: HashMap<&CustomerId, DateTime<Utc>> = HashMap::new();
    if !wanted.is_empty() {
        for task in store
            .tasks()
            .filter(|t| t.status == TaskStatus::Open && wanted.contains(&t.customer_id))
        {
            due.entry(&task.customer_id)
                .and_modify(|d| *d = (*d).min(task.due_at))
                .or_insert(task.due_at);
        }
    }
    convs
        .into_iter()
        .map(|c| row(store, c, due.get(&c.customer_id).copied()))
        .collect()
}

/// One list row. For many rows use [`summaries`], which reads the tasks once for all of them.
pub fn summarize(store: &Store, conv: &Conversation) -> ConversationSummary {
    let next_task_due = store
        .tasks()
        .filter(|t| t.customer_id == conv.customer_id && t.status == TaskStatus::Open)
        .map(|t| t.due_at)
        .min();
    row(store, conv, next_task_due)
}

fn row(store: &Store, conv: &Conversation, next_task_due: Option<DateTime<Utc>>) -> ConversationSummary {
    let timeline = store.timeline(&conv.customer_id);
    let latest = timeline
        .iter()
        .rev()
        .filter(|i| i.conversation_id.as_ref() == Some(&conv.id))
        .find(|i| i.content.channel().is_some() || matches!(i.content, ItemContent::ConversationNote { .. }));
    let preview = latest.and_then(|i| i.content.text()).map(one_line).unwrap_or_default();
    ConversationSummary {
        conversation: conv.clone(),
        customer_name: store
            .customer(&conv.customer_id)
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        preview,
        preview_direction: latest.and_then(|i| i.content.direction()),
        next_task_due,
    }
}

fn one_line(text: &str) -> String {
    const MAX: usize = 140;
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= MAX {
        flat
    } else {
        let cut: String = flat.chars().take(MAX - 1).collect();
        format!("{cut}…")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerHit {
    pub customer_id: CustomerId,
    pub name: String,
    /// What matched: the name, an email address or a phone number.
    pub matched: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageHit {
    pub customer_id: CustomerId,
    pub customer_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<ConversationId>,
    pub item_id: ItemId,
    #[serde(deserialize_with = "crate::dates::de")]
    pub timestamp: DateTime<Utc>,
    pub snippet: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchResults {
    pub customers: Vec<CustomerHit>,
    pub messages: Vec<MessageHit>,
}

/// Customers by name, email or phone (digits compared without formatting), and messages by text.
pub fn search(store: &Store, query: &str, limit: usize) -> SearchResults {
    let q = query.trim().to_lowercase();
    if q.chars().count() < 2 {
        return SearchResults::default();
    }
    let q_digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let phone_query = q_digits.len() >= 3 && q.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
    let mut customers = Vec::new();
    for c in store.customers() {
        let hit = if c.name.to_lowercase().contains(&q) {
            Some(c.name.clone())
        } else if let Some(e) = c.emails.iter().find(|e| e.original.to_lowercase().contains(&q)) {
            Some(e.original.clone())
        } else if phone_query {
            c.phones
                .iter()
                .find(|p| {
                    p.original
                        .chars()
                        .filter(char::is_ascii_digit)
                        .collect::<String>()
                        .contains(&q_digits)
                })
                .map(|p| p.original.clone())
        } else {
            None
        };
        if let Some(matched) = hit {
            customers.push(CustomerHit {
                customer_id: c.id.clone(),
                name: c.name.clone(),
                matched,
            });
            if customers.len() >= limit {
                break;
            }
        }
    }
    // The newest `limit` matches of all, not the first `limit` in storage order: each timeline
    // gives at most its `limit` newest, and the list is cut back whenever it doubles.
    let mut messages: Vec<MessageHit> = Vec::new();
    let newest_first = |m: &mut Vec<MessageHit>| {
        m.sort_by_key(|h| std::cmp::Reverse(h.timestamp));
        m.truncate(limit);
    };
    for (customer_id, timeline) in store.timelines() {
        let name = store.customer(customer_id).map(|c| c.name.clone()).unwrap_or_default();
        let hits = timeline.iter().rev().filter_map(|item| {
            let text = item.content.text()?;
            let pos = text.to_lowercase().find(&q)?;
            Some(MessageHit {
                customer_id: customer_id.clone(),
                customer_name: name.clone(),
                conversation_id: item.conversation_id.clone(),
                item_id: item.id.clone(),
                timestamp: item.timestamp,
                snippet: snippet(text, pos, q.len()),
            })
        });
        messages.extend(hits.take(limit));
        if messages.len() >= 2 * limit.max(1) {
            newest_first(&mut messages);
        }
    }
    newest_first(&mut messages);
    SearchResults { customers, messages }
}

/// About 40 characters either side of a match, on char boundaries of the original text.
fn snippet(text: &str, byte_pos: usize, len: usize) -> String {
    // `byte_pos` indexes the lowercased text; lowercasing can shift bytes, so clamp to boundaries.
    let clamp = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = clamp(byte_pos.saturating_sub(40));
    let end = clamp(byte_pos + len + 40);
    let mut s = one_line(&text[start..end]);
    if start > 0 {
        s.insert(0, '…');
    }
    if end < text.len() {
        s.push('…');
    }
    s
}

/// Fills `{customer.firstName}`-style placeholders. Unknown or empty ones are returned in `missing`
/// and left in the text, so the agent sees exactly what still needs filling.
pub fn fill_placeholders(template: &str, values: &BTreeMap<&str, String>) -> (String, Vec<String>) {
    let mut out = String::with_capacity(template.len());
    let mut missing = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if !after[..close].contains('{') => {
                let key = after[..close].trim();
                match values.get(key).filter(|v| !v.trim().is_empty()) {
                    Some(v) => out.push_str(v),
                    None => {
                        missing.push(key.to_owned());
                        out.push_str(&rest[open..open + close + 2]);
                    }
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out, missing)
}

/// Tasks assigned to `agent`, open and closed, soonest due first (ties by id), each with the
/// customer's name: the one order every backend lists an agent's tasks in.
pub fn tasks_for<'a>(store: &'a Store, agent: &AgentId) -> Vec<(&'a Task, &'a str)> {
    let mut list: Vec<(&Task, &str)> = store
        .tasks()
        .filter(|t| t.assignee.agent_id.as_ref() == Some(agent))
        .map(|t| (t, store.customer(&t.customer_id).map_or("", |c| c.name.as_str())))
        .collect();
    list.sort_by(|(a, _), (b, _)| a.due_at.cmp(&b.due_at).then_with(|| a.id.cmp(&b.id)));
    list
}

/// A customer's tasks, oldest first (ties by id); `status` keeps only those with it.
pub fn customer_tasks<'a>(store: &'a Store, id: &CustomerId, status: Option<TaskStatus>) -> CoreResult<Vec<&'a Task>> {
    store.customer(id)?;
    let mut list: Vec<&Task> = store
        .tasks()
        .filter(|t| &t.customer_id == id && status.is_none_or(|s| t.status == s))
        .collect();
    list.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
    Ok(list)
}

/// One page of a customer's lifelong timeline, oldest first within the page.
#[derive(Debug, PartialEq)]
pub struct TimelinePage<'a> {
    pub items: &'a [TimelineItem],
    /// The cursor of the page before this one; None when this page starts at the first item.
    pub earlier: Option<String>,
    /// Items in the whole timeline.
    pub total: usize,
}

/// Reads backwards: the `limit` items before `before` (a cursor from an earlier page), or the
/// newest `limit`. Items are only ever appended, so an index stays a stable cursor.
pub fn timeline_page<'a>(
    store: &'a Store,
    id: &CustomerId,
    before: Option<&str>,
    limit: usize,
) -> CoreResult<TimelinePage<'a>> {
    store.customer(id)?;
    let all = store.timeline(id);
    let end = match before.map(str::parse::<usize>) {
        None => all.len(),
        Some(Ok(b)) if b <= all.len() => b,
        Some(_) => return Err(CoreError::Invalid(BAD_CURSOR.to_owned())),
    };
    let start = end.saturating_sub(limit);
    Ok(TimelinePage {
        items: &all[start..end],
        earlier: (start > 0).then(|| start.to_string()),
        total: all.len(),
    })
}

/// The refusal for a cursor no backend gave out.
pub const BAD_CURSOR: &str = "The cursor is not one this server gave out.";

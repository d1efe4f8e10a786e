//! Conversations: read one, change status/assignee/topics, notes, replies, and the inbox lists.

use rapport_core::access::Principal;
use rapport_core::query::{self, ConversationSummary, View};
use rapport_core::{
    cmd, Actor, AgentId, Assignee, Channel, Command, ConversationId, ConversationState, CoreError, ItemId, Outcome,
    Status, Store, TimelineItem, TopicId,
};
use serde::{Deserialize, Serialize};

use super::{capped, conversation_response, param, Ctx};
use crate::error::{ApiError, ApiResult};
use crate::extract::QueryMap;
use crate::log::{Entry, Storage};
use crate::wire::Response;

const LIST_LIMIT: usize = 100;
const LIST_MAX: usize = 500;
/// Most rows one `?ids=` request may ask for: a screenful or a few, never a whole view.
const IDS_MAX: usize = 200;
/// Most ids of a view in one answer (more than any inbox a person works through).
const VIEW_IDS_MAX: usize = 20_000;
/// Most items of one conversation in one answer.
const ITEMS_MAX: usize = 1000;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListPage {
    items: Vec<ConversationSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IdList<'a> {
    ids: &'a [ConversationId],
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

/// Either `?ids=a,b,c` (those rows, in that order; unknown ids left out), or `?view=` slug with
/// `agentId` (whose "mine"; defaults to `X-Agent-Id`), `limit` and an opaque `cursor`.
pub fn list<S: Storage>(ctx: &mut Ctx<'_, S>, _: &[String]) -> ApiResult<Response> {
    let q = ctx.query();
    let limit = q.limit("limit", LIST_LIMIT, LIST_MAX)?;
    if let Some(ids) = q.list("ids")? {
        return by_ids(ctx, &q, ids);
    }
    let view = view_param(&q)?;
    let me = me(ctx, &q)?;
    // The cursor is the offset of the next row; clients must treat it as opaque.
    let offset = match q.get("cursor") {
        None => 0,
        Some(c) => c
            .parse::<usize>()
            .map_err(|_| ApiError::invalid(Some("cursor"), "The cursor is not one this server gave out."))?,
    };
    let s = ctx.store();
    known_view(s, &view, ctx.principal())?;
    // Only the page's rows are summarized; ordering the view is cheap.
    let order = query::order_seen(s, &view, me.as_ref(), ctx.principal());
    let total = order.len();
    let end = offset.saturating_add(limit).min(total);
    let start = offset.min(end);
    Ok(Response::json(
        200,
        &ListPage {
            items: query::summaries(s, &order[start..end]),
            next_cursor: (end < total).then(|| end.to_string()),
        },
    ))
}

fn by_ids<S: Storage>(ctx: &Ctx<'_, S>, q: &QueryMap, ids: Vec<String>) -> ApiResult<Response> {
    if q.has("view") {
        return Err(ApiError::invalid(
            Some("ids"),
            "Send either `ids` or `view`, not both: `ids` reads those rows, `view` pages through a view.",
        ));
    }
    if ids.len() > IDS_MAX {
        return Err(ApiError::invalid(
            Some("ids"),
            format!(
                "Ask for at most {IDS_MAX} ids at a time; this request has {}.",
                ids.len()
            ),
        ));
    }
    let s = ctx.store();
    let mut ids: Vec<ConversationId> = ids.into_iter().map(ConversationId::from).collect();
    // Rows of inboxes the signed-in agent does not see are left out, like unknown ids.
    if let Some(who) = ctx.principal() {
        ids.retain(|id| s.conversation(id).is_ok_and(|c| who.sees(s, c)));
    }
    Ok(Response::json(
        200,
        &ListPage {
            items: query::summaries(s, &ids),
            next_cursor: None,
        },
    ))
}

/// The ids of a view in list order (extension): `?view=` and `agentId` as for `list`.
pub fn ids<S: Storage>(ctx: &mut Ctx<'_, S>, _: &[String]) -> ApiResult<Response> {
    let q = ctx.query();
    let view = view_param(&q)?;
    let me = me(ctx, &q)?;
    known_view(ctx.store(), &view, ctx.principal())?;
    let limit = q.limit("limit", VIEW_IDS_MAX, VIEW_IDS_MAX)?;
    let ids = query::order_seen(ctx.store(), &view, me.as_ref(), ctx.principal());
    let start = super::offset(&q)?.min(ids.len());
    let end = start.saturating_add(limit).min(ids.len());
    Ok(Response::json(
        200,
        &IdList {
            ids: &ids[start..end],
            next_cursor: (end < ids.len()).then(|| end.to_string()),
        },
    ))
}

/// The required `?view=` slug.
fn view_param(q: &QueryMap) -> ApiResult<View> {
    let slug = q
        .get("view")
        .ok_or_else(|| ApiError::invalid(Some("view"), "Say which view to list, e.g. view=open."))?;
    View::from_slug(slug).ok_or_else(|| {
        ApiError::invalid(
            Some("view"),
            format!("There is no view `{slug}`; use mine, new, open, waiting, closed or inbox-<id>."),
        )
    })
}

/// An inbox view must name an inbox of the directory (a bad parameter, so 400 rather than 404)
/// that the signed-in agent, if any, belongs to.
fn known_view(s: &Store, view: &View, who: Option<&Principal>) -> ApiResult<()> {
    if let View::Inbox(id) = view {
        let inbox = s
            .inbox(id)
            .map_err(|_| ApiError::invalid(Some("view"), format!("There is no inbox `{id}`.")))?;
        if who.is_some_and(|w| !w.sees_inbox(s, id)) {
            return Err(ApiError::forbidden(
                Some("view"),
                format!(
                    "You are not a member of {}: its list is for its members and supervisors.",
                    inbox.name
                ),
            ));
        }
    }
    Ok(())
}

pub fn counts<S: Storage>(ctx: &mut Ctx<'_, S>, _: &[String]) -> ApiResult<Response> {
    let me = me(ctx, &ctx.query())?;
    let counts = match ctx.principal() {
        Some(who) => query::counts_seen(ctx.store(), me.as_ref(), who),
        None => query::counts(ctx.store(), me.as_ref()),
    };
    Ok(Response::json(200, &counts))
}

/// Whose "mine": the `agentId` parameter, else the acting agent.
fn me<S: Storage>(ctx: &Ctx<'_, S>, q: &QueryMap) -> ApiResult<Option<AgentId>> {
    match q.get("agentId") {
        Some(a) => Ok(Some(a.into())),
        None => ctx.agent(),
    }
}

fn conversation_id(params: &[String]) -> ConversationId {
    ConversationId::from(param(params, 1))
}

pub fn get_one<S: Storage>(ctx: &mut Ctx<'_, S>, params: &[String]) -> ApiResult<Response> {
    Ok(conversation_response(
        ctx.store().conversation(&conversation_id(params))?,
    ))
}

pub fn items<S: Storage>(ctx: &mut Ctx<'_, S>, params: &[String]) -> ApiResult<Response> {
    let id = conversation_id(params);
    let s = ctx.store();
    let conv = s.conversation(&id)?;
    let items: Vec<&TimelineItem> = s
        .timeline(&conv.customer_id)
        .iter()
        .filter(|i| i.conversation_id.as_ref() == Some(&id))
        .collect();
    capped(ctx, &items, ITEMS_MAX, ITEMS_MAX)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatchBody {
    #[serde(default, deserialize_with = "crate::extract::present")]
    status: Option<StatusValue>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    assignee: Option<Assignee>,
}

#[derive(Deserialize)]
struct StatusValue {
    value: Status,
    /// Gladly's override for closing while the customer waits; closing is never refused for
    /// that here, so it is accepted and has no effect.
    #[serde(default)]
    #[allow(dead_code)]
    force: bool,
}

/// Assignee and/or status. Both together apply assignee first, all-or-nothing.
pub fn patch<S: Storage>(ctx: &mut Ctx<'_, S>, params: &[String]) -> ApiResult<Response> {
    let id = conversation_id(params);
    let body: PatchBody = ctx.body()?;
    let (agent, expected) = ctx.acting()?;
    if body.status.is_none() && body.assignee.is_none() {
        return Err(ApiError::invalid(None, "Send a status, an assignee or both."));
    }
    ctx.write_as(
        &agent,
        |_| {
            let actor = Actor::agent(&agent);
            let mut commands = Vec::new();
            if let Some(assignee) = body.assignee {
                commands.push(Entry::Command(Command::Assign(cmd::Assign {
                    conversation_id: id.clone(),
                    expected_version: expected,
                    assignee,
                    actor: actor.clone(),
                })));
            }
            if let Some(status) = body.status {
                commands.push(Entry::Command(Command::SetStatus(cmd::SetStatus {
                    conversation_id: id.clone(),
                    // The precondition is checked once, by the first command.
                    expected_version: if commands.is_empty() { expected } else { None },
                    status: status.value,
                    actor,
                })));
            }
            Ok(commands)
        },
        |s, _| Ok(conversation_response(s.conversation(&id)?)),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TopicIdsBody {
    topic_ids: Vec<TopicId>,
}

/// Adds topics (Gladly): 204.
pub fn add_topics<S: Storage>(ctx: &mut Ctx<'_, S>, params: &[String]) -> ApiResult<Response> {
    let id = conversation_id(params);
    let body: TopicIdsBody = ctx.body()?;
    let (agent, expected) = ctx.acting()?;
    ctx.write_as(
        &agent,
        |s| {
            let mut topic_ids = s.conversation(&id)?.topic_ids.clone();
            for t in body.topic_ids {
                if !topic_ids.contains(&t) {
                    topic_ids.push(t);
                }
            }
            Ok(vec![set_topics(&id, expected, topic_ids, &agent)])
        },
        |_, _| Ok(Response::empty(204)),
    )
}

/// Removes one topic (Gladly): 204; 404 for a topic that does not exist at all.
pub fn remove_topic<S: Storage>(ctx: &mut Ctx<'_, S>, params: &[String]) -> ApiResult<Response> {
    let id = conversation_id(params);
    let topic = TopicId::from(param(params, 3));
    let (agent, expected) = ctx.acting()?;
    ctx.write_as(
        &agent,
        |s| {
            s.topic(&topic)?;
            let mut topic_ids = s.conversation(&id)?.topic_ids.clone();
            topic_ids.retain(|t| t != &topic);
            Ok(vec![set_topics(&id, expected, topic_ids, &agent)])
        },
        |_, _| Ok(Response::empty(204)),
    )
}

/// Replaces the whole set (extension): 200 with the conversation.
pub fn replace_topics<S: Storage>(ctx: &mut Ctx<'_, S>, params: &[String]) -> ApiResult<Response> {
    let id = conversation_id(params);
    let body: TopicIdsBody = ctx.body()?;
    let (agent, expected) = ctx.acting()?;
    ctx.write_as(
        &agent,
        |_| Ok(vec![set_topics(&id, expected, body.topic_ids, &agent)]),
        |s, _| Ok(conversation_response(s.conversation(&id)?)),
    )
}

fn set_topics(id: &ConversationId, expected: Option<u64>, topic_ids: Vec<TopicId>, agent: &AgentId) -> Entry {
    Entry::Command(Command::SetTopics(cmd::SetTopics {
        conversation_id: id.clone(),
        expected_version: expected,
        topic_ids,
        actor: Actor::agent(agent),
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UndoBody {
    undone: ConversationState,
    restore: ConversationState,
}

/// Takes back a change of status or assignee (extension): 200 with the conversation; 409
/// `changed_since` when the conversation is no longer as that change left it.
pub fn undo<S: Storage>(ctx: &mut Ctx<'_, S>, params: &[String]) -> ApiResult<Response> {
    let id = conversation_id(params);
    let body: UndoBody = ctx.body()?;
    let (agent, _) = ctx.acting()?;
    ctx.write_as(
        &agent,
        |_| {
            Ok(vec![Entry::Command(Command::Undo(cmd::Undo {
                conversation_id: id.clone(),
                undone: body.undone,
                restore: body.restore,
                actor: Actor::agent(&agent),
            }))])
        },
        |s, _| Ok(conversation_response(s.conversation(&id)?)),
    )
}

#[derive(Deserialize)]
struct NoteBody {
    body: String,
}

/// Adds an internal note: 201 with the new timeline item.
pub fn add_note<S: Storage>(ctx: &mut Ctx<'_, S>, params: &[String]) -> ApiResult<Response> {
    let id = conversation_id(params);
    let body: NoteBody = ctx.body()?;
    let (agent, expected) = ctx.acting()?;
    ctx.write_as(
        &agent,
        |s| {
            // AddNote has no version of its own; If-Match is still honoured here.
            let current = s.conversation(&id)?.version;
            if let Some(v) = expected.filter(|v| *v != current) {
                return Err(CoreError::Conflict { expected: v, current }.into());
            }
            Ok(vec![Entry::Command(Command::AddNote(cmd::AddNote {
                conversation_id: id.clone(),
                agent_id: agent.clone(),
                body: body.body,
            }))])
        },
        |s, outcomes| match outcomes {
            [Outcome::Item { item_id }] => Ok(Response::json(201, find_item(s, &id, item_id)?)),
            _ => Err(ApiError::internal("a note gave an unexpected outcome")),
        },
    )
}

fn find_item<'a>(s: &'a Store, conv: &ConversationId, item: &ItemId) -> ApiResult<&'a TimelineItem> {
    let customer = &s.conversation(conv)?.customer_id;
    s.timeline(customer)
        .iter()
        .rev()
        .find(|i| &i.id == item)
        .ok_or_else(|| ApiError::internal(format!("new item {item} not found")))
}

#[derive(Deserialize)]
struct ReplyBody {
    channel: Channel,
    body: String,
    #[serde(default)]
    subject: Option<String>,
}

/// The agent answers the customer on a channel (extension): 201 with the conversation.
pub fn reply<S: Storage>(ctx: &mut Ctx<'_, S>, params: &[String]) -> ApiResult<Response> {
    let id = conversation_id(params);
    let body: ReplyBody = ctx.body()?;
    let (agent, expected) = ctx.acting()?;
    ctx.write_as(
        &agent,
        |_| {
            Ok(vec![Entry::Command(Command::Reply(cmd::Reply {
                conversation_id: id.clone(),
                expected_version: expected,
                agent_id: agent.clone(),
                channel: body.channel,
                text: body.body,
                subject: body.subject,
            }))])
        },
        |s, _| Ok(conversation_response(s.conversation(&id)?).with_status(201)),
    )
}

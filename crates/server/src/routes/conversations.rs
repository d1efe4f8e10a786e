//! Conversations: read one, change status/assignee/topics, notes, replies, and the inbox lists.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rapport_core::query::{self, ConversationSummary, Counts, View};
use rapport_core::{
    Actor, Assignee, Channel, Command, ConversationId, ItemId, Outcome, Status, Store, TimelineItem, TopicId,
};
use serde::{Deserialize, Serialize};

use super::conversation_response;
use crate::error::{ApiError, ApiResult};
use crate::extract::{agent_header, if_match, known_agent, required_agent, JsonBody, Params, QueryMap};
use crate::state::AppState;

const LIST_LIMIT: usize = 100;
const LIST_MAX: usize = 500;
/// Most rows one `?ids=` request may ask for: a screenful or a few, never a whole view.
const IDS_MAX: usize = 200;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPage {
    items: Vec<ConversationSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
}

#[derive(Serialize)]
pub struct IdList {
    ids: Vec<ConversationId>,
}

/// Either `?ids=a,b,c` (those rows, in that order; unknown ids left out), or `?view=` slug with
/// `agentId` (whose "mine"; defaults to `X-Agent-Id`), `limit` and an opaque `cursor`.
pub async fn list(State(state): State<AppState>, headers: HeaderMap, q: QueryMap) -> ApiResult<Json<ListPage>> {
    if let Some(ids) = q.list("ids")? {
        return by_ids(&state, &q, ids);
    }
    let view = view_param(&q)?;
    let me = me(&headers, &q)?;
    let limit = q.limit("limit", LIST_LIMIT, LIST_MAX)?;
    // The cursor is the offset of the next row; clients must treat it as opaque.
    let offset = match q.get("cursor") {
        None => 0,
        Some(c) => c
            .parse::<usize>()
            .map_err(|_| ApiError::invalid(Some("cursor"), "The cursor is not one this server gave out."))?,
    };
    state.read(|s| {
        known_view(s, &view)?;
        // Only the page's rows are summarized; ordering the view is cheap.
        let order = query::order(s, &view, me.as_ref());
        let total = order.len();
        let end = offset.saturating_add(limit).min(total);
        let start = offset.min(end);
        Ok(Json(ListPage {
            items: query::summaries(s, &order[start..end]),
            next_cursor: (end < total).then(|| end.to_string()),
        }))
    })
}

fn by_ids(state: &AppState, q: &QueryMap, ids: Vec<String>) -> ApiResult<Json<ListPage>> {
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
    let ids: Vec<ConversationId> = ids.into_iter().map(ConversationId::from).collect();
    Ok(Json(state.read(|s| ListPage {
        items: query::summaries(s, &ids),
        next_cursor: None,
    })))
}

/// The ids of a view in list order (extension): `?view=` and `agentId` as for `list`.
pub async fn ids(State(state): State<AppState>, headers: HeaderMap, q: QueryMap) -> ApiResult<Json<IdList>> {
    let view = view_param(&q)?;
    let me = me(&headers, &q)?;
    state.read(|s| {
        known_view(s, &view)?;
        Ok(Json(IdList {
            ids: query::order(s, &view, me.as_ref()),
        }))
    })
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

/// An inbox view must name an inbox of the directory (a bad parameter, so 400 rather than 404).
fn known_view(s: &Store, view: &View) -> ApiResult<()> {
    if let View::Inbox(id) = view {
        s.inbox(id)
            .map_err(|_| ApiError::invalid(Some("view"), format!("There is no inbox `{id}`.")))?;
    }
    Ok(())
}

pub async fn counts(State(state): State<AppState>, headers: HeaderMap, q: QueryMap) -> ApiResult<Json<Counts>> {
    let me = me(&headers, &q)?;
    Ok(Json(state.read(|s| query::counts(s, me.as_ref()))))
}

/// Whose "mine": the `agentId` parameter, else the `X-Agent-Id` header.
fn me(headers: &HeaderMap, q: &QueryMap) -> ApiResult<Option<rapport_core::AgentId>> {
    match q.get("agentId") {
        Some(a) => Ok(Some(a.into())),
        None => agent_header(headers),
    }
}

pub async fn get_one(State(state): State<AppState>, Params(id): Params<ConversationId>) -> ApiResult<Response> {
    state.read(|s| Ok(conversation_response(s.conversation(&id)?)))
}

pub async fn items(
    State(state): State<AppState>,
    Params(id): Params<ConversationId>,
) -> ApiResult<Json<Vec<TimelineItem>>> {
    state.read(|s| {
        let conv = s.conversation(&id)?;
        let items = s
            .timeline(&conv.customer_id)
            .iter()
            .filter(|i| i.conversation_id.as_ref() == Some(&id))
            .cloned()
            .collect();
        Ok(Json(items))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchBody {
    #[serde(default)]
    status: Option<StatusValue>,
    #[serde(default)]
    assignee: Option<Assignee>,
}

#[derive(Deserialize)]
pub struct StatusValue {
    value: Status,
    /// Gladly's override for closing while the customer waits; closing is never refused for
    /// that here, so it is accepted and has no effect.
    #[serde(default)]
    #[allow(dead_code)]
    force: bool,
}

/// Assignee and/or status. Both together apply assignee first, all-or-nothing.
pub async fn patch(
    State(state): State<AppState>,
    Params(id): Params<ConversationId>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<PatchBody>,
) -> ApiResult<Response> {
    let agent = required_agent(&headers)?;
    let expected = if_match(&headers)?;
    if body.status.is_none() && body.assignee.is_none() {
        return Err(ApiError::invalid(None, "Send a status, an assignee or both."));
    }
    state.write(
        |s| {
            known_agent(s, &agent)?;
            let actor = Actor::agent(&agent);
            let mut commands = Vec::new();
            if let Some(assignee) = body.assignee {
                commands.push(Command::Assign {
                    conversation_id: id.clone(),
                    expected_version: expected,
                    assignee,
                    actor: actor.clone(),
                });
            }
            if let Some(status) = body.status {
                commands.push(Command::SetStatus {
                    conversation_id: id.clone(),
                    // The precondition is checked once, by the first command.
                    expected_version: if commands.is_empty() { expected } else { None },
                    status: status.value,
                    actor,
                });
            }
            Ok(commands)
        },
        |s, _| Ok(conversation_response(s.conversation(&id)?)),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicIdsBody {
    topic_ids: Vec<TopicId>,
}

/// Adds topics (Gladly): 204.
pub async fn add_topics(
    State(state): State<AppState>,
    Params(id): Params<ConversationId>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<TopicIdsBody>,
) -> ApiResult<StatusCode> {
    let agent = required_agent(&headers)?;
    let expected = if_match(&headers)?;
    state.write(
        |s| {
            known_agent(s, &agent)?;
            let mut topic_ids = s.conversation(&id)?.topic_ids.clone();
            for t in body.topic_ids {
                if !topic_ids.contains(&t) {
                    topic_ids.push(t);
                }
            }
            Ok(vec![set_topics(&id, expected, topic_ids, &agent)])
        },
        |_, _| Ok(StatusCode::NO_CONTENT),
    )
}

/// Removes one topic (Gladly): 204; 404 for a topic that does not exist at all.
pub async fn remove_topic(
    State(state): State<AppState>,
    Params((id, topic)): Params<(ConversationId, TopicId)>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let agent = required_agent(&headers)?;
    let expected = if_match(&headers)?;
    state.write(
        |s| {
            known_agent(s, &agent)?;
            s.topic(&topic)?;
            let mut topic_ids = s.conversation(&id)?.topic_ids.clone();
            topic_ids.retain(|t| t != &topic);
            Ok(vec![set_topics(&id, expected, topic_ids, &agent)])
        },
        |_, _| Ok(StatusCode::NO_CONTENT),
    )
}

/// Replaces the whole set (extension): 200 with the conversation.
pub async fn replace_topics(
    State(state): State<AppState>,
    Params(id): Params<ConversationId>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<TopicIdsBody>,
) -> ApiResult<Response> {
    let agent = required_agent(&headers)?;
    let expected = if_match(&headers)?;
    state.write(
        |s| {
            known_agent(s, &agent)?;
            Ok(vec![set_topics(&id, expected, body.topic_ids, &agent)])
        },
        |s, _| Ok(conversation_response(s.conversation(&id)?)),
    )
}

fn set_topics(
    id: &ConversationId,
    expected: Option<u64>,
    topic_ids: Vec<TopicId>,
    agent: &rapport_core::AgentId,
) -> Command {
    Command::SetTopics {
        conversation_id: id.clone(),
        expected_version: expected,
        topic_ids,
        actor: Actor::agent(agent),
    }
}

#[derive(Deserialize)]
pub struct NoteBody {
    body: String,
}

/// Adds an internal note: 201 with the new timeline item.
pub async fn add_note(
    State(state): State<AppState>,
    Params(id): Params<ConversationId>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<NoteBody>,
) -> ApiResult<Response> {
    let agent = required_agent(&headers)?;
    let expected = if_match(&headers)?;
    state.write(
        |s| {
            known_agent(s, &agent)?;
            // AddNote has no version of its own; If-Match is still honoured here.
            let current = s.conversation(&id)?.version;
            if let Some(v) = expected.filter(|v| *v != current) {
                return Err(rapport_core::CoreError::Conflict { expected: v, current }.into());
            }
            Ok(vec![Command::AddNote {
                conversation_id: id.clone(),
                agent_id: agent.clone(),
                body: body.body,
            }])
        },
        |s, outcomes| {
            let item = match outcomes {
                [Outcome::Item { item_id }] => find_item(s, &id, item_id)?,
                _ => return Err(ApiError::internal("a note gave an unexpected outcome")),
            };
            Ok((StatusCode::CREATED, Json(item)).into_response())
        },
    )
}

fn find_item(s: &Store, conv: &ConversationId, item: &ItemId) -> ApiResult<TimelineItem> {
    let customer = &s.conversation(conv)?.customer_id;
    s.timeline(customer)
        .iter()
        .rev()
        .find(|i| &i.id == item)
        .cloned()
        .ok_or_else(|| ApiError::internal(format!("new item {item} not found")))
}

#[derive(Deserialize)]
pub struct ReplyBody {
    channel: Channel,
    body: String,
    #[serde(default)]
    subject: Option<String>,
}

/// The agent answers the customer on a channel (extension): 201 with the conversation.
pub async fn reply(
    State(state): State<AppState>,
    Params(id): Params<ConversationId>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ReplyBody>,
) -> ApiResult<Response> {
    let agent = required_agent(&headers)?;
    let expected = if_match(&headers)?;
    state.write(
        |s| {
            known_agent(s, &agent)?;
            Ok(vec![Command::Reply {
                conversation_id: id.clone(),
                expected_version: expected,
                agent_id: agent.clone(),
                channel: body.channel,
                text: body.body,
                subject: body.subject,
            }])
        },
        |s, _| {
            let mut response = conversation_response(s.conversation(&id)?);
            *response.status_mut() = StatusCode::CREATED;
            Ok(response)
        },
    )
}

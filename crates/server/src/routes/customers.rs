//! A customer's profile, conversations, lifelong timeline and tasks.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use rapport_core::{Assignee, Command, CustomerId, Outcome, Task, TaskStatus, TimelineItem};
use serde::{Deserialize, Serialize};

use super::ConversationResource;
use crate::error::{ApiError, ApiResult};
use crate::extract::{known_agent, required_agent, JsonBody, Params, QueryMap};
use crate::state::AppState;

const TIMELINE_LIMIT: usize = 1000;
const TIMELINE_MAX: usize = 5000;

pub async fn profile(State(state): State<AppState>, Params(id): Params<CustomerId>) -> ApiResult<Response> {
    state.read(|s| Ok(Json(s.customer(&id)?).into_response()))
}

/// Oldest first.
pub async fn conversations(State(state): State<AppState>, Params(id): Params<CustomerId>) -> ApiResult<Response> {
    state.read(|s| {
        s.customer(&id)?;
        let list: Vec<ConversationResource> = s.conversations_of(&id).map(ConversationResource::new).collect();
        Ok(Json(list).into_response())
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelinePage {
    items: Vec<TimelineItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
    /// Items in the whole timeline, so a client can place a page (ARIA positions, "N earlier").
    total: usize,
}

/// Pages backwards from the newest item; each page is oldest first. `before` is the
/// `nextCursor` of the previous page (opaque to clients).
pub async fn timeline(
    State(state): State<AppState>,
    Params(id): Params<CustomerId>,
    q: QueryMap,
) -> ApiResult<Json<TimelinePage>> {
    let limit = q.limit("limit", TIMELINE_LIMIT, TIMELINE_MAX)?;
    let before = match q.get("before") {
        None => None,
        Some(c) => Some(
            c.parse::<usize>()
                .map_err(|_| ApiError::invalid(Some("before"), "The cursor is not one this server gave out."))?,
        ),
    };
    state.read(|s| {
        s.customer(&id)?;
        let all = s.timeline(&id);
        // Items are only ever appended, so an index stays a stable cursor.
        let end = match before {
            None => all.len(),
            Some(b) if b <= all.len() => b,
            Some(_) => {
                return Err(ApiError::invalid(
                    Some("before"),
                    "The cursor is not one this server gave out.",
                ))
            }
        };
        let start = end.saturating_sub(limit);
        Ok(Json(TimelinePage {
            items: all[start..end].to_vec(),
            next_cursor: (start > 0).then(|| start.to_string()),
            total: all.len(),
        }))
    })
}

/// The customer's tasks, oldest first; `?status=OPEN|CLOSED` filters (as Gladly).
pub async fn tasks(
    State(state): State<AppState>,
    Params(id): Params<CustomerId>,
    q: QueryMap,
) -> ApiResult<Json<Vec<Task>>> {
    let status = match q.get("status") {
        None => None,
        Some("OPEN") => Some(TaskStatus::Open),
        Some("CLOSED") => Some(TaskStatus::Closed),
        Some(_) => return Err(ApiError::invalid(Some("status"), "status must be OPEN or CLOSED.")),
    };
    state.read(|s| {
        s.customer(&id)?;
        let mut list: Vec<Task> = s
            .tasks()
            .filter(|t| t.customer_id == id && status.is_none_or(|st| t.status == st))
            .cloned()
            .collect();
        list.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
        Ok(Json(list))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTaskBody {
    body: String,
    due_at: DateTime<Utc>,
    assignee: Assignee,
}

pub async fn create_task(
    State(state): State<AppState>,
    Params(id): Params<CustomerId>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<NewTaskBody>,
) -> ApiResult<(StatusCode, Json<Task>)> {
    let agent = required_agent(&headers)?;
    state.write(
        |s| {
            known_agent(s, &agent)?;
            Ok(vec![Command::CreateTask {
                customer_id: id.clone(),
                body: body.body,
                due_at: body.due_at,
                assignee: body.assignee,
                agent_id: agent.clone(),
            }])
        },
        |s, outcomes| match outcomes {
            [Outcome::Task { task_id }] => Ok((StatusCode::CREATED, Json(s.task(task_id)?.clone()))),
            _ => Err(ApiError::internal("create task gave an unexpected outcome")),
        },
    )
}

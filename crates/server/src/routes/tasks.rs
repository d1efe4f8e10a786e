//! Tasks: close/reopen, comment, and an agent's task list.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use rapport_core::{AgentId, Command, Task, TaskId, TaskStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::extract::{agent_header, known_agent, required_agent, JsonBody, Params, QueryMap};
use crate::state::AppState;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentTask {
    #[serde(flatten)]
    task: Task,
    customer_name: String,
}

/// Tasks assigned to `agentId` (default: `X-Agent-Id`), open and closed, soonest due first.
pub async fn list(State(state): State<AppState>, headers: HeaderMap, q: QueryMap) -> ApiResult<Json<Vec<AgentTask>>> {
    let agent = match q.get("agentId") {
        Some(a) => AgentId::from(a),
        None => agent_header(&headers)?
            .ok_or_else(|| ApiError::invalid(Some("agentId"), "Say whose tasks to list: agentId is missing."))?,
    };
    Ok(Json(state.read(|s| {
        let mut list: Vec<AgentTask> = s
            .tasks()
            .filter(|t| t.assignee.agent_id.as_ref() == Some(&agent))
            .map(|t| AgentTask {
                task: t.clone(),
                customer_name: s.customer(&t.customer_id).map(|c| c.name.clone()).unwrap_or_default(),
            })
            .collect();
        list.sort_by(|a, b| {
            a.task
                .due_at
                .cmp(&b.task.due_at)
                .then_with(|| a.task.id.cmp(&b.task.id))
        });
        list
    })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchTaskBody {
    status: TaskStatus,
    // Gladly can also change these; this server cannot yet, and says so rather than ignore them.
    #[serde(default)]
    body: Option<Value>,
    #[serde(default)]
    due_at: Option<Value>,
    #[serde(default)]
    assignee: Option<Value>,
}

pub async fn patch(
    State(state): State<AppState>,
    Params(id): Params<TaskId>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<PatchTaskBody>,
) -> ApiResult<Json<Task>> {
    let agent = required_agent(&headers)?;
    for (field, value) in [
        ("body", &body.body),
        ("dueAt", &body.due_at),
        ("assignee", &body.assignee),
    ] {
        if value.is_some() {
            return Err(ApiError::invalid(
                Some(field),
                format!("Only a task's status can be changed here, not `{field}`."),
            ));
        }
    }
    state.write(
        |s| {
            known_agent(s, &agent)?;
            Ok(vec![Command::SetTaskStatus {
                task_id: id.clone(),
                status: body.status,
                agent_id: agent.clone(),
            }])
        },
        |s, _| Ok(Json(s.task(&id)?.clone())),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentBody {
    comment: String,
    #[serde(default)]
    agent_id: Option<AgentId>,
}

/// The author is `X-Agent-Id` or, as in Gladly, `agentId` in the body; they must agree if both.
pub async fn comment(
    State(state): State<AppState>,
    Params(id): Params<TaskId>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<CommentBody>,
) -> ApiResult<(StatusCode, Json<Task>)> {
    let agent = match (agent_header(&headers)?, body.agent_id) {
        (Some(h), Some(b)) if h != b => {
            return Err(ApiError::invalid(
                Some("agentId"),
                "agentId differs from the X-Agent-Id header.",
            ))
        }
        (Some(a), _) | (None, Some(a)) => a,
        (None, None) => required_agent(&headers)?,
    };
    state.write(
        |s| {
            known_agent(s, &agent)?;
            Ok(vec![Command::CommentTask {
                task_id: id.clone(),
                agent_id: agent.clone(),
                body: body.comment,
            }])
        },
        |s, _| Ok((StatusCode::CREATED, Json(s.task(&id)?.clone()))),
    )
}

//! Tasks: close/reopen, comment, and an agent's task list.

use rapport_core::query;
use rapport_core::{cmd, AgentId, Command, Task, TaskId, TaskStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{param, Ctx};
use crate::error::{ApiError, ApiResult};
use crate::log::{Entry, Storage};
use crate::wire::Response;

/// Most tasks in one answer.
const LIST_MAX: usize = 500;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AgentTask<'a> {
    #[serde(flatten)]
    task: &'a Task,
    customer_name: &'a str,
}

/// Tasks assigned to `agentId` (default: `X-Agent-Id`), open and closed, soonest due first.
pub fn list<S: Storage>(ctx: &mut Ctx<'_, S>, _: &[String]) -> ApiResult<Response> {
    let agent = match ctx.query().get("agentId") {
        Some(a) => AgentId::from(a),
        None => ctx
            .agent()?
            .ok_or_else(|| ApiError::invalid(Some("agentId"), "Say whose tasks to list: agentId is missing."))?,
    };
    let s = ctx.store();
    let who = ctx.principal();
    let list: Vec<AgentTask> = query::tasks_for(s, &agent)
        .into_iter()
        // A signed-in agent's list keeps the tasks they may see (see `access`).
        .filter(|(task, _)| who.is_none_or(|w| w.sees_task(s, task)))
        .map(|(task, customer_name)| AgentTask { task, customer_name })
        .collect();
    super::capped(ctx, &list, LIST_MAX, LIST_MAX)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatchTaskBody {
    status: TaskStatus,
    // Gladly can also change these; this server cannot yet, and says so rather than ignore them.
    #[serde(default)]
    body: Option<Value>,
    #[serde(default)]
    due_at: Option<Value>,
    #[serde(default)]
    assignee: Option<Value>,
}

fn task_id(params: &[String]) -> TaskId {
    TaskId::from(param(params, 1))
}

pub fn patch<S: Storage>(ctx: &mut Ctx<'_, S>, params: &[String]) -> ApiResult<Response> {
    let id = task_id(params);
    let body: PatchTaskBody = ctx.body()?;
    let agent = ctx.required_agent()?;
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
    ctx.write_as(
        &agent,
        |_| {
            Ok(vec![Entry::Command(Command::SetTaskStatus(cmd::SetTaskStatus {
                task_id: id.clone(),
                status: body.status,
                agent_id: agent.clone(),
            }))])
        },
        |s, _| Ok(Response::json(200, s.task(&id)?)),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CommentBody {
    comment: String,
    #[serde(default)]
    agent_id: Option<AgentId>,
}

/// The author is `X-Agent-Id` or, as in Gladly, `agentId` in the body; they must agree if both.
pub fn comment<S: Storage>(ctx: &mut Ctx<'_, S>, params: &[String]) -> ApiResult<Response> {
    let id = task_id(params);
    let body: CommentBody = ctx.body()?;
    let agent = match (ctx.agent()?, body.agent_id) {
        (Some(h), Some(b)) if h != b => {
            return Err(ApiError::invalid(
                Some("agentId"),
                "agentId differs from the X-Agent-Id header.",
            ))
        }
        (Some(a), _) | (None, Some(a)) => a,
        (None, None) => ctx.required_agent()?,
    };
    ctx.write_as(
        &agent,
        |_| {
            Ok(vec![Entry::Command(Command::CommentTask(cmd::CommentTask {
                task_id: id.clone(),
                agent_id: agent.clone(),
                body: body.comment,
            }))])
        },
        |s, _| Ok(Response::json(201, s.task(&id)?)),
    )
}

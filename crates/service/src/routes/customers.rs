//! A customer's profile, conversations, lifelong timeline and tasks.

use chrono::{DateTime, Utc};
use rapport_core::query;
use rapport_core::{cmd, Assignee, Command, CoreError, CustomerId, Outcome, TaskStatus, TimelineItem};
use serde::{Deserialize, Serialize};

use super::{capped, param, ConversationResource, Ctx};
use crate::error::{ApiError, ApiResult};
use crate::log::{Entry, Storage};
use crate::wire::Response;

const TIMELINE_LIMIT: usize = 1000;
const TIMELINE_MAX: usize = 5000;
/// Most conversations or tasks of a customer in one answer.
const LIST_MAX: usize = 500;

fn customer_id(params: &[String]) -> CustomerId {
    CustomerId::from(param(params, 1))
}

pub fn profile<S: Storage>(ctx: &mut Ctx<'_, S>, params: &[String]) -> ApiResult<Response> {
    Ok(Response::json(200, ctx.store().customer(&customer_id(params))?))
}

/// Oldest first.
pub fn conversations<S: Storage>(ctx: &mut Ctx<'_, S>, params: &[String]) -> ApiResult<Response> {
    let id = customer_id(params);
    let s = ctx.store();
    s.customer(&id)?;
    let list: Vec<ConversationResource> = s.conversations_of(&id).map(ConversationResource::new).collect();
    capped(ctx, &list, LIST_MAX, LIST_MAX)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TimelinePage<'a> {
    items: &'a [TimelineItem],
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
    /// Items in the whole timeline, so a client can place a page (ARIA positions, "N earlier").
    total: usize,
}

/// Pages backwards from the newest item; each page is oldest first. `before` is the
/// `nextCursor` of the previous page (opaque to clients).
pub fn timeline<S: Storage>(ctx: &mut Ctx<'_, S>, params: &[String]) -> ApiResult<Response> {
    let id = customer_id(params);
    let q = ctx.query();
    let limit = q.limit("limit", TIMELINE_LIMIT, TIMELINE_MAX)?;
    let page = query::timeline_page(ctx.store(), &id, q.get("before"), limit).map_err(|e| match e {
        CoreError::Invalid(detail) => ApiError::invalid(Some("before"), detail),
        other => other.into(),
    })?;
    Ok(Response::json(
        200,
        &TimelinePage {
            items: page.items,
            next_cursor: page.earlier,
            total: page.total,
        },
    ))
}

/// The customer's tasks, oldest first; `?status=OPEN|CLOSED` filters (as Gladly).
pub fn tasks<S: Storage>(ctx: &mut Ctx<'_, S>, params: &[String]) -> ApiResult<Response> {
    let id = customer_id(params);
    let q = ctx.query();
    let status = match q.get("status") {
        None if !q.has("status") => None,
        Some("OPEN") => Some(TaskStatus::Open),
        Some("CLOSED") => Some(TaskStatus::Closed),
        None | Some(_) => return Err(ApiError::invalid(Some("status"), "status must be OPEN or CLOSED.")),
    };
    capped(
        ctx,
        &query::customer_tasks(ctx.store(), &id, status)?,
        LIST_MAX,
        LIST_MAX,
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewTaskBody {
    body: String,
    due_at: DateTime<Utc>,
    assignee: Assignee,
}

pub fn create_task<S: Storage>(ctx: &mut Ctx<'_, S>, params: &[String]) -> ApiResult<Response> {
    let id = customer_id(params);
    let body: NewTaskBody = ctx.body()?;
    let agent = ctx.required_agent()?;
    ctx.write_as(
        &agent,
        |_| {
            Ok(vec![Entry::Command(Command::CreateTask(cmd::CreateTask {
                customer_id: id.clone(),
                body: body.body,
                due_at: body.due_at,
                assignee: body.assignee,
                agent_id: agent.clone(),
            }))])
        },
        |s, outcomes| match outcomes {
            [Outcome::Task { task_id }] => Ok(Response::json(201, s.task(task_id)?)),
            _ => Err(ApiError::internal("create task gave an unexpected outcome")),
        },
    )
}

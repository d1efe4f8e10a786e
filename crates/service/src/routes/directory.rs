//! The organization's directory and search; an administrator adds agents and sets who belongs
//! to which inbox.

use rapport_core::{cmd, query, Actor, AgentId, Command, InboxId, Outcome};
use serde::{Deserialize, Serialize};

use super::{param, Ctx};
use crate::error::{ApiError, ApiResult};
use crate::log::{Entry, Storage};
use crate::wire::Response;

#[derive(Serialize)]
struct Organization<'a> {
    name: &'a str,
}

pub fn organization<S: Storage>(ctx: &mut Ctx<'_, S>, _: &[String]) -> ApiResult<Response> {
    let name = &ctx.store().directory.org_name;
    Ok(Response::json(200, &Organization { name }))
}

pub fn agents<S: Storage>(ctx: &mut Ctx<'_, S>, _: &[String]) -> ApiResult<Response> {
    Ok(Response::json(200, &ctx.store().directory.agents))
}

pub fn inboxes<S: Storage>(ctx: &mut Ctx<'_, S>, _: &[String]) -> ApiResult<Response> {
    Ok(Response::json(200, &ctx.store().directory.inboxes))
}

pub fn teams<S: Storage>(ctx: &mut Ctx<'_, S>, _: &[String]) -> ApiResult<Response> {
    Ok(Response::json(200, &ctx.store().directory.teams))
}

pub fn topics<S: Storage>(ctx: &mut Ctx<'_, S>, _: &[String]) -> ApiResult<Response> {
    Ok(Response::json(200, &ctx.store().directory.topics))
}

pub fn answers<S: Storage>(ctx: &mut Ctx<'_, S>, _: &[String]) -> ApiResult<Response> {
    Ok(Response::json(200, &ctx.store().directory.answers))
}

/// `?q=` (at least two characters to match anything) and optional `limit` per list (default 20).
pub fn search<S: Storage>(ctx: &mut Ctx<'_, S>, _: &[String]) -> ApiResult<Response> {
    let q = ctx.query();
    let limit = q.limit("limit", 20, 100)?;
    let text = q.get("q").unwrap_or_default();
    Ok(Response::json(200, &query::search(ctx.store(), text, limit)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewAgent {
    name: String,
    email_address: String,
    #[serde(default)]
    inbox_ids: Vec<InboxId>,
}

/// `POST /agents`: a new agent in the directory (and in `inboxIds`), answered 201 with them.
pub fn create_agent<S: Storage>(ctx: &mut Ctx<'_, S>, _: &[String]) -> ApiResult<Response> {
    let new: NewAgent = ctx.body()?;
    let actor = ctx.required_agent()?;
    let command = Command::CreateAgent(cmd::CreateAgent {
        name: new.name,
        email_address: new.email_address,
        inbox_ids: new.inbox_ids,
        actor: Actor::agent(&actor),
    });
    change(ctx, &actor, command)
}

/// `PUT /inboxes/{id}/members/{agentId}`: they join (already a member: nothing changes).
pub fn add_member<S: Storage>(ctx: &mut Ctx<'_, S>, params: &[String]) -> ApiResult<Response> {
    membership(ctx, params, true)
}

/// `DELETE /inboxes/{id}/members/{agentId}`: they leave, unless they still own work there (409).
pub fn remove_member<S: Storage>(ctx: &mut Ctx<'_, S>, params: &[String]) -> ApiResult<Response> {
    membership(ctx, params, false)
}

fn membership<S: Storage>(ctx: &mut Ctx<'_, S>, params: &[String], member: bool) -> ApiResult<Response> {
    let actor = ctx.required_agent()?;
    let command = Command::SetMembership(cmd::SetMembership {
        inbox_id: InboxId::from(param(params, 1)),
        agent_id: AgentId::from(param(params, 3)),
        member,
        actor: Actor::agent(&actor),
    });
    change(ctx, &actor, command)
}

/// One write path for the directory's changes (one instance of it in the wasm): a new agent
/// is answered 201 with them, a membership 200 with the inbox as it is afterwards.
fn change<S: Storage>(ctx: &mut Ctx<'_, S>, actor: &AgentId, command: Command) -> ApiResult<Response> {
    ctx.write_as(
        actor,
        |_| Ok(vec![Entry::Command(command)]),
        |s, outcomes| match outcomes {
            [Outcome::Agent { agent_id }] => Ok(Response::json(201, s.agent(agent_id)?)),
            [Outcome::Inbox { inbox_id }] => Ok(Response::json(200, s.inbox(inbox_id)?)),
            _ => Err(ApiError::internal("a directory change gave an unexpected outcome")),
        },
    )
}

//! The organization's directory and search; an administrator adds agents, sets up inboxes and
//! sets who belongs to which.

use rapport_core::{cmd, query, Actor, AgentId, Channel, Command, InboxId, Outcome};
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
    change(ctx, &actor, command, 201)
}

/// Both inbox writes read this body: one decoder in the wasm instead of two. `agentIds` counts
/// only when creating (memberships change through `/members`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InboxBody {
    #[serde(default, deserialize_with = "crate::extract::present")]
    name: Option<String>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    channels: Option<Vec<Channel>>,
    #[serde(default, deserialize_with = "crate::extract::present_whole")]
    reopen_window_hours: Option<u32>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    topics_required_to_close: Option<bool>,
    #[serde(default, deserialize_with = "crate::extract::present")]
    agent_ids: Option<Vec<AgentId>>,
}

/// `POST /inboxes` sets one up (201 with it); `PATCH /inboxes/{id}` changes the fields sent
/// and keeps the rest (200 with it).
pub fn save_inbox<S: Storage>(ctx: &mut Ctx<'_, S>, params: &[String]) -> ApiResult<Response> {
    let body: InboxBody = ctx.body()?;
    let actor = ctx.required_agent()?;
    let (command, status) = match params.get(1) {
        None => {
            let name = body.name.ok_or_else(|| {
                ApiError::invalid(Some("name"), "The field `name` is not valid: missing field `name`.")
            })?;
            let command = Command::CreateInbox(cmd::CreateInbox {
                name,
                channels: body.channels.unwrap_or_default(),
                reopen_window_hours: body
                    .reopen_window_hours
                    .unwrap_or(rapport_core::REOPEN_WINDOW_HOURS_DEFAULT),
                topics_required_to_close: body.topics_required_to_close.unwrap_or_default(),
                agent_ids: body.agent_ids.unwrap_or_default(),
                actor: Actor::agent(&actor),
            });
            (command, 201)
        }
        Some(id) => {
            let command = Command::UpdateInbox(cmd::UpdateInbox {
                inbox_id: InboxId::from(id.as_str()),
                name: body.name,
                channels: body.channels,
                reopen_window_hours: body.reopen_window_hours,
                topics_required_to_close: body.topics_required_to_close,
                actor: Actor::agent(&actor),
            });
            (command, 200)
        }
    };
    change(ctx, &actor, command, status)
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
    change(ctx, &actor, command, 200)
}

/// One write path for the directory's changes (one instance of it in the wasm), answered
/// `status` with the agent or the inbox as it is afterwards.
fn change<S: Storage>(ctx: &mut Ctx<'_, S>, actor: &AgentId, command: Command, status: u16) -> ApiResult<Response> {
    ctx.write_as(
        actor,
        |_| Ok(vec![Entry::Command(command)]),
        |s, outcomes| match outcomes {
            [Outcome::Agent { agent_id }] => Ok(Response::json(status, s.agent(agent_id)?)),
            [Outcome::Inbox { inbox_id }] => Ok(Response::json(status, s.inbox(inbox_id)?)),
            _ => Err(ApiError::internal("a directory change gave an unexpected outcome")),
        },
    )
}

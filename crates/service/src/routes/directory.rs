//! The organization's directory and search: read-only.

use rapport_core::query;
use serde::Serialize;

use super::Ctx;
use crate::error::ApiResult;
use crate::log::Storage;
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

//! The `/v1` endpoints of docs/http-api.md: one table from path and method to a handler. Reads
//! call `Store`/`query`; writes build entries for the service's one write path.

mod conversations;
mod customers;
mod directory;
mod inbound;
mod sandbox;
mod tasks;

use chrono::{DateTime, Utc};
use rapport_core::access::Principal;
use rapport_core::{AgentId, Conversation, InboxId, Outcome, Store};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::extract::{agent_header, etag, if_match, known_agent, parse_json, says_json, segments, QueryMap};
use crate::log::{Change, Entry, Storage};
use crate::wire::{Method, Request, Response};
use crate::{idempotency, Caller, Service, BODY_LIMIT};

pub(crate) struct Ctx<'a, S> {
    pub service: &'a mut Service<S>,
    pub now: DateTime<Utc>,
    pub request: &'a Request,
    pub caller: &'a Caller,
    pub changes: Vec<Change>,
}

impl<S: Storage> Ctx<'_, S> {
    pub fn store(&self) -> &Store {
        self.service.store()
    }

    pub fn query(&self) -> QueryMap {
        QueryMap::parse(&self.request.query)
    }

    pub fn body<T: DeserializeOwned>(&self) -> ApiResult<T> {
        if self.request.body.len() > BODY_LIMIT {
            return Err(ApiError::too_large());
        }
        if !says_json(self.request) {
            return Err(ApiError::not_json());
        }
        parse_json(&self.request.body)
    }

    /// The signed-in agent, if one is.
    pub fn principal(&self) -> Option<&Principal> {
        match self.caller {
            Caller::Signed(p) => Some(p),
            Caller::Trial | Caller::Integration => None,
        }
    }

    /// Who the request says acts: the signed-in agent (an `X-Agent-Id` naming anyone else is
    /// refused: identity comes from the credential), else `X-Agent-Id` if sent.
    pub fn agent(&self) -> ApiResult<Option<AgentId>> {
        let named = agent_header(self.request)?;
        match (self.principal(), named) {
            (Some(p), Some(n)) if n != p.agent => Err(ApiError::forbidden(
                Some("X-Agent-Id"),
                format!("You are signed in as `{}`: you cannot act as `{n}`.", p.agent),
            )),
            (Some(p), _) => Ok(Some(p.agent.clone())),
            (None, named) => Ok(named),
        }
    }

    /// `agent`, required (a write).
    pub fn required_agent(&self) -> ApiResult<AgentId> {
        self.agent()?.ok_or_else(|| {
            ApiError::invalid(
                Some("X-Agent-Id"),
                "Say which agent is acting: the X-Agent-Id header is missing.",
            )
        })
    }

    /// The acting agent of a write and its `If-Match` precondition.
    pub fn acting(&self) -> ApiResult<(AgentId, Option<u64>)> {
        Ok((self.required_agent()?, if_match(self.request)?))
    }

    /// `write` on behalf of `agent`, who must be in the directory (checked with the write).
    pub fn write_as(
        &mut self,
        agent: &AgentId,
        build: impl FnOnce(&Store) -> ApiResult<Vec<Entry>>,
        respond: impl FnOnce(&Store, &[Outcome]) -> ApiResult<Response>,
    ) -> ApiResult<Response> {
        self.write(
            |s| {
                known_agent(s, agent)?;
                build(s)
            },
            respond,
        )
    }

    /// Applies what `build` makes of the current store (all or nothing), stores it, and answers
    /// with what `respond` reads afterwards.
    /// A repeat of a write already answered under the request's `Idempotency-Key` changes
    /// nothing and gets the first write's result (read now, marked `Idempotent-Replayed`).
    pub fn write(
        &mut self,
        build: impl FnOnce(&Store) -> ApiResult<Vec<Entry>>,
        respond: impl FnOnce(&Store, &[Outcome]) -> ApiResult<Response>,
    ) -> ApiResult<Response> {
        let who = self.principal().cloned();
        let key = idempotency::scoped_key_of(self.request, who.as_ref().map(|p| p.agent.as_str()))?;
        if let Some(k) = &key {
            if let Some(outcomes) = self.service.answered(k)? {
                let response = respond(self.store(), &outcomes)?;
                return Ok(response.with_header("idempotent-replayed", "true".to_owned()));
            }
        }
        let (response, changes) = self
            .service
            .write(self.now, key.as_ref(), who.as_ref(), build, respond)?;
        self.changes.extend(changes);
        Ok(response)
    }
}

type Handler<S> = fn(&mut Ctx<'_, S>, &[String]) -> ApiResult<Response>;

/// The handlers of one path, by method.
fn table<S: Storage>(path: &[&str]) -> Option<Vec<(Method, Handler<S>)>> {
    use conversations as conv;
    use Method::{Delete, Get, Patch, Post, Put};
    let routes: Vec<(Method, Handler<S>)> = match path {
        ["organization"] => vec![(Get, directory::organization)],
        ["agents"] => vec![(Get, directory::agents), (Post, directory::create_agent)],
        ["inboxes"] => vec![(Get, directory::inboxes), (Post, directory::save_inbox)],
        ["inboxes", _] => vec![(Patch, directory::save_inbox)],
        ["inboxes", _, "members", _] => vec![(Put, directory::add_member), (Delete, directory::remove_member)],
        ["teams"] => vec![(Get, directory::teams)],
        ["topics"] => vec![(Get, directory::topics)],
        ["answers"] => vec![(Get, directory::answers)],
        ["search"] => vec![(Get, directory::search)],
        ["conversations"] => vec![(Get, conv::list)],
        ["conversation-ids"] => vec![(Get, conv::ids)],
        ["conversation-counts"] => vec![(Get, conv::counts)],
        ["conversations", _] => vec![(Get, conv::get_one), (Patch, conv::patch)],
        ["conversations", _, "items"] => vec![(Get, conv::items)],
        ["conversations", _, "topics"] => vec![(Post, conv::add_topics), (Put, conv::replace_topics)],
        ["conversations", _, "topics", _] => vec![(Delete, conv::remove_topic)],
        ["conversations", _, "notes"] => vec![(Post, conv::add_note)],
        ["conversations", _, "replies"] => vec![(Post, conv::reply)],
        ["conversations", _, "undo"] => vec![(Post, conv::undo)],
        ["customer-profiles", _] | ["customers", _] => vec![(Get, customers::profile)],
        ["customers", _, "conversations"] => vec![(Get, customers::conversations)],
        ["customers", _, "timeline"] => vec![(Get, customers::timeline)],
        ["customers", _, "tasks"] => vec![(Get, customers::tasks), (Post, customers::create_task)],
        ["tasks"] => vec![(Get, tasks::list)],
        ["tasks", _] => vec![(Patch, tasks::patch)],
        ["tasks", _, "comments"] => vec![(Post, tasks::comment)],
        ["inbound"] => vec![(Post, inbound::inbound)],
        ["events"] => vec![(Get, events_backlog)],
        // Sign-in and accounts: answered by a server with accounts before the service; here (a
        // trial) `/me` says so and the rest are 404.
        ["session"] => vec![(Post, no_accounts), (Delete, no_accounts)],
        ["sessions"] => vec![(Delete, no_accounts)],
        ["me"] => vec![(Get, trial_me)],
        ["me", "password"] => vec![(Post, no_accounts)],
        ["me", "tokens"] => vec![(Get, no_accounts), (Post, no_accounts)],
        ["me", "tokens", _] => vec![(Delete, no_accounts)],
        ["accounts"] => vec![(Get, no_accounts), (Post, no_accounts)],
        ["accounts", _] => vec![(Patch, no_accounts)],
        ["sandbox"] => vec![(Get, sandbox::state)],
        ["sandbox", "clock"] => vec![(Post, sandbox::advance_clock)],
        ["sandbox", "reset"] => vec![(Post, sandbox::reset)],
        _ => return None,
    };
    Some(routes)
}

pub(crate) fn dispatch<S: Storage>(ctx: &mut Ctx<'_, S>) -> ApiResult<Response> {
    // Authorized before a malformed path is refused, as before; the path is split once.
    let segs = segments(&ctx.request.path);
    let inbound = segs
        .as_deref()
        .is_ok_and(|s| crate::signature::is_inbound_at(&ctx.request.method, s));
    ctx.service.authorize_at(ctx.now, ctx.request, inbound)?;
    if *ctx.caller == Caller::Integration && !inbound {
        return Err(ApiError::unauthorized());
    }
    let segs = segs?;
    let path: Vec<&str> = segs.iter().map(String::as_str).collect();
    let ["v1", rest @ ..] = path.as_slice() else {
        return Err(ApiError::no_route());
    };
    if matches!(rest, ["sandbox", ..]) && (!ctx.service.options.sandbox || ctx.principal().is_some()) {
        return Err(ApiError::no_route());
    }
    let routes = table::<S>(rest).ok_or_else(ApiError::no_route)?;
    // HEAD is GET without the body (the transport drops it).
    let method = match ctx.request.method {
        Method::Head => Method::Get,
        m => m,
    };
    let Some(handler) = routes.iter().find(|(m, _)| *m == method).map(|(_, h)| *h) else {
        return Ok(not_allowed(routes.iter().map(|(m, _)| *m)));
    };
    // The segments after `v1`: handlers read their ids by position (`conversations/{id}` → 1).
    handler(ctx, &segs[1..])
}

/// `GET /me` on a trial: nobody is signed in, and anyone may act (a 200, so that asking is not
/// an error in every trial's console).
fn trial_me<S: Storage>(_: &mut Ctx<'_, S>, _: &[String]) -> ApiResult<Response> {
    Ok(Response {
        status: 200,
        headers: vec![("content-type", "application/json".to_owned())],
        body: br#"{"trial":true}"#.to_vec(),
    })
}

fn no_accounts<S: Storage>(_: &mut Ctx<'_, S>, _: &[String]) -> ApiResult<Response> {
    Err(ApiError {
        status: 404,
        code: "not_found",
        attr: None,
        detail: "This server has no accounts (it is a trial): nobody signs in here.".into(),
    })
}

/// 405 with the `Allow` header RFC 9110 asks for.
pub fn not_allowed(methods: impl Iterator<Item = Method>) -> Response {
    let mut allow: Vec<&str> = Vec::new();
    for m in methods {
        allow.push(m.as_str());
        if m == Method::Get {
            allow.push("HEAD");
        }
    }
    ApiError::method_not_allowed()
        .into_response()
        .with_header("allow", allow.join(", "))
}

/// `GET /v1/events` on a transport that cannot stream: the backlog after the resume point, as
/// one complete server-sent-event body (the server streams this endpoint itself).
fn events_backlog<S: Storage>(ctx: &mut Ctx<'_, S>, _: &[String]) -> ApiResult<Response> {
    let requested = crate::events::resume_point(ctx.request)?;
    let start = crate::events::start(requested, ctx.service.last_seq()?);
    let mut text = String::new();
    if let Some(first) = &start.first {
        text.push_str(&first.sse());
    }
    for change in ctx.service.changes_after(start.last, crate::events::CHUNK)? {
        text.push_str(&crate::events::Frame::of(&change).sse());
    }
    Ok(Response {
        status: 200,
        headers: vec![("content-type", "text/event-stream".to_owned())],
        body: text.into_bytes(),
    })
}

/// A conversation as a top-level resource: our shape plus Gladly's flat `agentId`/`inboxId`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationResource<'a> {
    #[serde(flatten)]
    pub conversation: &'a Conversation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<&'a AgentId>,
    pub inbox_id: &'a InboxId,
}

impl<'a> ConversationResource<'a> {
    pub fn new(conversation: &'a Conversation) -> Self {
        ConversationResource {
            conversation,
            agent_id: conversation.assignee.agent_id.as_ref(),
            inbox_id: &conversation.assignee.inbox_id,
        }
    }
}

/// The JSON of one conversation with its version as `ETag`.
pub fn conversation_response(conversation: &Conversation) -> Response {
    Response::json(200, &ConversationResource::new(conversation)).with_header("etag", etag(conversation.version))
}

/// Where a page starts: the `cursor` a previous page gave (an offset; opaque to clients).
pub(crate) fn offset(q: &QueryMap) -> ApiResult<usize> {
    match q.get("cursor") {
        None if !q.has("cursor") => Ok(0),
        Some(c) if c.len() <= 18 => c
            .parse::<usize>()
            .map_err(|_| ApiError::invalid(Some("cursor"), "The cursor is not one this server gave out.")),
        _ => Err(ApiError::invalid(
            Some("cursor"),
            "The cursor is not one this server gave out.",
        )),
    }
}

/// A list answered as a JSON array, capped: at most `limit` items (default and most `max`) from
/// the `cursor`. When more follow, `Link: <?…cursor=N>; rel="next"` (RFC 8288, relative to the
/// request) says where, so the body stays the array Gladly's clients expect.
pub(crate) fn capped<S: Storage, T: Serialize>(
    ctx: &Ctx<'_, S>,
    items: &[T],
    default: usize,
    max: usize,
) -> ApiResult<Response> {
    let q = ctx.query();
    let limit = q.limit("limit", default, max)?;
    let start = offset(&q)?.min(items.len());
    let end = start.saturating_add(limit).min(items.len());
    let response = Response::json(200, &&items[start..end]);
    if end == items.len() {
        return Ok(response);
    }
    let mut query: Vec<&str> = ctx
        .request
        .query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("cursor="))
        .collect();
    let cursor = format!("cursor={end}");
    query.push(&cursor);
    Ok(response.with_header("link", format!("<?{}>; rel=\"next\"", query.join("&"))))
}

/// The path parameter at `i` (the table guarantees it is there).
fn param(params: &[String], i: usize) -> &str {
    params.get(i).map_or("", String::as_str)
}

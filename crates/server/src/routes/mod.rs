//! The `/api/v1` endpoints of docs/http-api.md, each a thin mapping onto the core: reads call
//! `Store`/`query`, writes build `Command`s for `AppState::write`.

mod conversations;
mod customers;
mod directory;
mod inbound;
mod tasks;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rapport_core::{AgentId, Conversation, InboxId};
use serde::Serialize;

use crate::events;
use crate::extract::etag;
use crate::state::AppState;

pub fn v1() -> Router<AppState> {
    use conversations as conv;
    Router::new()
        .route("/v1/organization", get(directory::organization))
        .route("/v1/agents", get(directory::agents))
        .route("/v1/inboxes", get(directory::inboxes))
        .route("/v1/teams", get(directory::teams))
        .route("/v1/topics", get(directory::topics))
        .route("/v1/answers", get(directory::answers))
        .route("/v1/conversations", get(conv::list))
        .route("/v1/conversation-ids", get(conv::ids))
        .route("/v1/conversation-counts", get(conv::counts))
        .route("/v1/conversations/{id}", get(conv::get_one).patch(conv::patch))
        .route("/v1/conversations/{id}/items", get(conv::items))
        .route(
            "/v1/conversations/{id}/topics",
            post(conv::add_topics).put(conv::replace_topics),
        )
        .route(
            "/v1/conversations/{id}/topics/{topic}",
            axum::routing::delete(conv::remove_topic),
        )
        .route("/v1/conversations/{id}/notes", post(conv::add_note))
        .route("/v1/conversations/{id}/replies", post(conv::reply))
        .route("/v1/customer-profiles/{id}", get(customers::profile))
        .route("/v1/customers/{id}", get(customers::profile))
        .route("/v1/customers/{id}/conversations", get(customers::conversations))
        .route("/v1/customers/{id}/timeline", get(customers::timeline))
        .route(
            "/v1/customers/{id}/tasks",
            get(customers::tasks).post(customers::create_task),
        )
        .route("/v1/tasks", get(tasks::list))
        .route("/v1/tasks/{id}", axum::routing::patch(tasks::patch))
        .route("/v1/tasks/{id}/comments", post(tasks::comment))
        .route("/v1/search", get(directory::search))
        .route("/v1/inbound", post(inbound::inbound))
        .route("/v1/events", get(events::stream))
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
    let mut response = Json(ConversationResource::new(conversation)).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag(conversation.version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

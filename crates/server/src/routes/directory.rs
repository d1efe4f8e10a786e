//! The organization's directory and search: read-only.

use axum::extract::State;
use axum::Json;
use rapport_core::query::{self, SearchResults};
use rapport_core::{Agent, Answer, Inbox, Team, Topic};
use serde::Serialize;

use crate::error::ApiResult;
use crate::extract::QueryMap;
use crate::state::AppState;

#[derive(Serialize)]
pub struct Organization {
    name: String,
}

pub async fn organization(State(state): State<AppState>) -> Json<Organization> {
    Json(Organization {
        name: state.read(|s| s.directory.org_name.clone()),
    })
}

pub async fn agents(State(state): State<AppState>) -> Json<Vec<Agent>> {
    Json(state.read(|s| s.directory.agents.clone()))
}

pub async fn inboxes(State(state): State<AppState>) -> Json<Vec<Inbox>> {
    Json(state.read(|s| s.directory.inboxes.clone()))
}

pub async fn teams(State(state): State<AppState>) -> Json<Vec<Team>> {
    Json(state.read(|s| s.directory.teams.clone()))
}

pub async fn topics(State(state): State<AppState>) -> Json<Vec<Topic>> {
    Json(state.read(|s| s.directory.topics.clone()))
}

pub async fn answers(State(state): State<AppState>) -> Json<Vec<Answer>> {
    Json(state.read(|s| s.directory.answers.clone()))
}

/// `?q=` (at least two characters to match anything) and optional `limit` per list (default 20).
pub async fn search(State(state): State<AppState>, q: QueryMap) -> ApiResult<Json<SearchResults>> {
    let limit = q.limit("limit", 20, 100)?;
    let text = q.get("q").unwrap_or_default().to_owned();
    Ok(Json(state.read(|s| query::search(s, &text, limit))))
}

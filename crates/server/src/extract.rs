//! Request extractors whose every rejection is the API's JSON error with an `attr`, never a panic
//! or axum's plain-text default.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use rapport_core::{AgentId, Store};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};

pub const AGENT_HEADER: &str = "x-agent-id";

/// Path parameters.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Params(value)),
            Err(e) => Err(ApiError::invalid(
                None,
                format!("The address is not valid: {}", e.body_text()),
            )),
        }
    }
}

/// Query parameters, read by name with the checks each endpoint needs.
pub struct QueryMap {
    map: HashMap<String, String>,
    /// The undecoded query string, for lists whose items may contain an encoded separator.
    raw: String,
}

impl<S: Send + Sync> FromRequestParts<S> for QueryMap {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<HashMap<String, String>>::from_request_parts(parts, state).await {
            Ok(Query(map)) => Ok(QueryMap {
                map,
                raw: parts.uri.query().unwrap_or_default().to_owned(),
            }),
            Err(_) => Err(ApiError::invalid(None, "The query string is not valid.")),
        }
    }
}

impl QueryMap {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// Whether the parameter was sent at all, even empty (`?ids=`).
    pub fn has(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// A comma-separated list (`ids=a,b,c`), `None` when absent. The raw value is split before
    /// percent-decoding, so an item may contain a comma sent as `%2C`. Repeats of the parameter
    /// add to the list; empty items are dropped.
    pub fn list(&self, name: &str) -> ApiResult<Option<Vec<String>>> {
        if !self.has(name) {
            return Ok(None);
        }
        let mut items = Vec::new();
        for pair in self.raw.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if decode_component(key).as_deref() != Some(name) {
                continue;
            }
            for item in value.split(',').filter(|i| !i.is_empty()) {
                let decoded = decode_component(item).ok_or_else(|| {
                    ApiError::invalid(Some(name), format!("`{name}` is not valid percent-encoded UTF-8."))
                })?;
                items.push(decoded);
            }
        }
        Ok(Some(items))
    }

    /// A count between 1 and `max` (larger values are capped); `default` when absent.
    pub fn limit(&self, name: &str, default: usize, max: usize) -> ApiResult<usize> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(0) | Err(_) => Err(ApiError::invalid(
                    Some(name),
                    format!("`{name}` must be a whole number from 1."),
                )),
                Ok(n) => Ok(n.min(max)),
            },
        }
    }
}

/// One `application/x-www-form-urlencoded` component (`+` is a space), as the query extractor
/// decodes it; `None` when it is not UTF-8.
fn decode_component(raw: &str) -> Option<String> {
    let spaced = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// A JSON body. Any content type is accepted; the body must parse as the endpoint's shape.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            let mut err = ApiError::invalid(None, "The request body could not be read.");
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                err.status = StatusCode::PAYLOAD_TOO_LARGE;
                err.detail = "The request body is too large.".into();
            }
            err
        })?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// Parses a body, naming the offending field in `attr` (e.g. `status.value`, `topicIds[1]`).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid(None, "The request needs a JSON body."));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = without_position(&inner.to_string());
        let attr = match missing_field(&message) {
            Some(field) if path == "." => Some(field.to_owned()),
            Some(field) => Some(format!("{path}.{field}")),
            None if path == "." || inner.is_syntax() || inner.is_eof() => None,
            None => Some(path),
        };
        let detail = if inner.is_syntax() || inner.is_eof() {
            "The request body is not valid JSON.".to_owned()
        } else {
            match &attr {
                Some(a) => format!("The field `{a}` is not valid: {message}."),
                None => format!("The request body is not valid: {message}."),
            }
        };
        ApiError::invalid(attr.as_deref(), detail)
    })?;
    de.end()
        .map_err(|_| ApiError::invalid(None, "The request body has extra text after the JSON value."))?;
    Ok(value)
}

fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next()
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> ApiResult<Option<&'a str>> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(s.trim()).filter(|s| !s.is_empty()))
            .map_err(|_| ApiError::invalid(Some(name), format!("The {name} header is not valid text."))),
    }
}

/// The acting agent from `X-Agent-Id`, if sent.
pub fn agent_header(headers: &HeaderMap) -> ApiResult<Option<AgentId>> {
    Ok(header_text(headers, AGENT_HEADER)?.map(AgentId::from))
}

/// The acting agent, required for writes. It must exist (checked inside the write's lock).
pub fn required_agent(headers: &HeaderMap) -> ApiResult<AgentId> {
    agent_header(headers)?.ok_or_else(|| {
        ApiError::invalid(
            Some("X-Agent-Id"),
            "Say which agent is acting: the X-Agent-Id header is missing.",
        )
    })
}

/// 400 for an acting agent the directory does not know (a header error, not a missing resource).
pub fn known_agent(store: &Store, agent: &AgentId) -> ApiResult<()> {
    store
        .agent(agent)
        .map(|_| ())
        .map_err(|_| ApiError::invalid(Some("X-Agent-Id"), format!("There is no agent `{agent}`.")))
}

/// `If-Match: "<version>"` (also bare or weak `W/"…"`); `*` or absent means no precondition.
pub fn if_match(headers: &HeaderMap) -> ApiResult<Option<u64>> {
    let Some(raw) = header_text(headers, "if-match")? else {
        return Ok(None);
    };
    if raw == "*" {
        return Ok(None);
    }
    let tag = raw.strip_prefix("W/").unwrap_or(raw);
    let tag = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(tag);
    tag.parse::<u64>().map(Some).map_err(|_| {
        ApiError::invalid(
            Some("If-Match"),
            "If-Match must be a conversation version as sent in ETag, e.g. \"7\".",
        )
    })
}

/// The value for an `ETag` header.
pub fn etag(version: u64) -> String {
    format!("\"{version}\"")
}

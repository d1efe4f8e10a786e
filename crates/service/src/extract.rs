//! Reading a request: query parameters, JSON bodies, headers and path segments. Every rejection
//! is the API's JSON error with an `attr`, never a panic.

use std::collections::HashMap;

use rapport_core::{AgentId, Store};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::wire::Request;

pub const AGENT_HEADER: &str = "x-agent-id";

/// Query parameters, read by name with the checks each endpoint needs.
pub struct QueryMap {
    /// The last value of each name, as form decoding gives it.
    map: HashMap<String, String>,
    /// The undecoded query string, for lists whose items may contain an encoded separator.
    raw: String,
}

impl QueryMap {
    pub fn parse(raw: &str) -> QueryMap {
        let map = raw
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (decode_lossy(key), decode_lossy(value))
            })
            .collect();
        QueryMap {
            map,
            raw: raw.to_owned(),
        }
    }

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
        let refuse = || ApiError::invalid(Some(name), format!("`{name}` must be a whole number from 1."));
        match self.get(name) {
            None if self.has(name) => Err(refuse()),
            None => Ok(default),
            Some(v) if !v.bytes().all(|b| b.is_ascii_digit()) => Err(refuse()),
            Some(v) => match v.parse::<usize>() {
                Ok(0) => Err(refuse()),
                Ok(n) => Ok(n.min(max)),
                // All digits but too many for a number (zeros alone never overflow): past any cap.
                Err(_) => Ok(max),
            },
        }
    }
}

/// One `application/x-www-form-urlencoded` component (`+` is a space); `None` when not UTF-8.
fn decode_component(raw: &str) -> Option<String> {
    let spaced = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

fn decode_lossy(raw: &str) -> String {
    let spaced = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// The path's segments after the API root, percent-decoded (`+` stays a plus in a path).
pub fn segments(path: &str) -> ApiResult<Vec<String>> {
    path.trim_start_matches('/')
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|d| d.into_owned())
                .map_err(|_| ApiError::invalid(None, "The address is not valid: a part of it is not UTF-8."))
        })
        .collect()
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

/// For an optional field that, when sent, must be a value: `null` is refused, absence (with
/// `#[serde(default)]`) is None.
pub fn present<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// An optional whole number, written `12` or `12.0` (JSON Schema's integers both): `null`, a
/// fraction or a number past `u32` is refused; absence (with `#[serde(default)]`) is None.
pub fn present_whole<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    let whole = n.as_u64().or_else(|| {
        let f = n.as_f64()?;
        (f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&f)).then_some(f as u64)
    });
    match whole.and_then(|w| u32::try_from(w).ok()) {
        Some(w) => Ok(Some(w)),
        None => Err(serde::de::Error::custom(format!(
            "expected a whole number from 0 to {}, found {n}",
            u32::MAX
        ))),
    }
}

/// A header's value as trimmed text; `None` when absent or empty.
pub fn header_text<'a>(request: &'a Request, name: &str) -> ApiResult<Option<&'a str>> {
    match request.header(name) {
        None => Ok(None),
        Some(v) => std::str::from_utf8(v)
            .map(|s| Some(s.trim()).filter(|s| !s.is_empty()))
            .map_err(|_| ApiError::invalid(Some(name), format!("The {name} header is not valid text."))),
    }
}

/// The acting agent from `X-Agent-Id`, if sent.
pub fn agent_header(request: &Request) -> ApiResult<Option<AgentId>> {
    Ok(header_text(request, AGENT_HEADER)?.map(AgentId::from))
}

/// 400 for an acting agent the directory does not know (a header error, not a missing resource).
pub fn known_agent(store: &Store, agent: &AgentId) -> ApiResult<()> {
    store
        .agent(agent)
        .map(|_| ())
        .map_err(|_| ApiError::invalid(Some("X-Agent-Id"), format!("There is no agent `{agent}`.")))
}

/// `If-Match: "<version>"` (also bare or weak `W/"…"`); `*` or absent means no precondition.
pub fn if_match(request: &Request) -> ApiResult<Option<u64>> {
    let Some(raw) = header_text(request, "if-match")? else {
        if request.header("if-match").is_some() {
            // Sent, but empty: a precondition that names nothing is a mistake, not "none".
            return Err(bad_if_match());
        }
        return Ok(None);
    };
    if raw == "*" {
        return Ok(None);
    }
    let tag = raw.strip_prefix("W/").unwrap_or(raw);
    let tag = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(tag);
    tag.parse::<u64>().map(Some).map_err(|_| bad_if_match())
}

fn bad_if_match() -> ApiError {
    ApiError::invalid(
        Some("If-Match"),
        "If-Match must be a conversation version as sent in ETag, e.g. \"7\".",
    )
}

/// The value for an `ETag` header.
pub fn etag(version: u64) -> String {
    format!("\"{version}\"")
}

/// Whether `sent` is `secret`, in a time that depends on the secret's length only: not on where
/// the first difference is, nor on how long the guess is.
pub fn same_secret(sent: &[u8], secret: &[u8]) -> bool {
    let mut diff = sent.len() ^ secret.len();
    for (i, s) in secret.iter().enumerate() {
        diff |= usize::from(sent.get(i).copied().unwrap_or(0) ^ s);
    }
    diff == 0
}

/// Whether the request's `Content-Type` is JSON (`application/json`, or a `+json` type),
/// whatever its parameters and case.
pub fn says_json(request: &Request) -> bool {
    let Ok(Some(value)) = header_text(request, "content-type") else {
        return false;
    };
    let media = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

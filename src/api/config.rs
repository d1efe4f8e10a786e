//! Which backend to use, decided once at start-up: `?api=URL` (or `?api=demo`) in the address,
//! else the choice saved on the Settings page, else `config.json` beside the app, else the demo.
//! The token is kept only in localStorage under `rapport.token`, and only sent as a header.

use serde::{Deserialize, Serialize};

use super::storage;

const CHOICE_KEY: &str = "rapport.backend";
const TOKEN_KEY: &str = "rapport.token";
/// `?api=` applies to the tab it was opened in, across reloads and in-app navigation.
const SESSION_KEY: &str = "rapport.backend.tab";

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "backend", rename_all = "lowercase")]
pub enum Choice {
    #[default]
    Demo,
    Http {
        #[serde(rename = "baseUrl")]
        base_url: String,
    },
}

/// Reads `?api=` from a query string.
pub fn from_query(search: &str) -> Option<Choice> {
    let value = search
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("api="))?;
    let value = js_decode(value);
    if value == "demo" {
        return Some(Choice::Demo);
    }
    valid_url(&value).then_some(Choice::Http { base_url: value })
}

/// Only absolute http(s) URLs; anything else is ignored rather than half-used.
pub fn valid_url(url: &str) -> bool {
    (url.starts_with("http://") || url.starts_with("https://")) && url.len() > "https://".len()
}

#[cfg(target_arch = "wasm32")]
fn js_decode(s: &str) -> String {
    js_sys::decode_uri_component(s)
        .map(String::from)
        .unwrap_or_else(|_| s.to_owned())
}

#[cfg(not(target_arch = "wasm32"))]
fn js_decode(s: &str) -> String {
    s.replace("%3A", ":").replace("%2F", "/")
}

pub fn saved() -> Option<Choice> {
    storage::get(CHOICE_KEY).and_then(|t| serde_json::from_str(&t).ok())
}

pub fn save(choice: &Choice) {
    // An explicit choice on the Settings page wins over the tab's `?api=`.
    storage::session_remove(SESSION_KEY);
    if let Ok(text) = serde_json::to_string(choice) {
        let _ = storage::set(CHOICE_KEY, &text);
    }
}

/// Switches to the demo backend for good and reloads.
pub fn use_demo() {
    save(&Choice::Demo);
    save_token("");
    storage::session_remove(SESSION_KEY);
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

pub fn token() -> Option<String> {
    storage::get(TOKEN_KEY).filter(|t| !t.is_empty())
}

pub fn save_token(token: &str) {
    if token.is_empty() {
        storage::remove(TOKEN_KEY);
    } else {
        let _ = storage::set(TOKEN_KEY, token);
    }
}

/// The start-up decision. `config.json` is optional: a missing or broken one means the demo.
pub async fn choose() -> Choice {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    if let Some(choice) = from_query(&search) {
        if let Ok(text) = serde_json::to_string(&choice) {
            storage::session_set(SESSION_KEY, &text);
        }
        return choice;
    }
    if let Some(choice) = storage::session_get(SESSION_KEY).and_then(|t| serde_json::from_str(&t).ok()) {
        return choice;
    }
    if let Some(choice) = saved() {
        return choice;
    }
    let url = crate::routing::to("/config.json");
    match gloo_net::http::Request::get(&url).send().await {
        Ok(r) if r.ok() => r.json::<Choice>().await.ok().filter(|c| match c {
            Choice::Http { base_url } => valid_url(base_url),
            Choice::Demo => true,
        }),
        _ => None,
    }
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_picks_a_backend() {
        assert_eq!(from_query("?api=demo"), Some(Choice::Demo));
        assert_eq!(
            from_query("?x=1&api=http://127.0.0.1:8787"),
            Some(Choice::Http {
                base_url: "http://127.0.0.1:8787".into()
            })
        );
        assert_eq!(
            from_query("?api=http%3A%2F%2Fh%3A1"),
            Some(Choice::Http {
                base_url: "http://h:1".into()
            })
        );
        assert_eq!(from_query("?api=javascript:alert(1)"), None);
        assert_eq!(from_query(""), None);
    }

    #[test]
    fn config_json_shapes() {
        assert_eq!(
            serde_json::from_str::<Choice>(r#"{"backend":"demo"}"#).unwrap(),
            Choice::Demo
        );
        assert_eq!(
            serde_json::from_str::<Choice>(r#"{"backend":"http","baseUrl":"https://api.example"}"#).unwrap(),
            Choice::Http {
                base_url: "https://api.example".into()
            }
        );
    }
}

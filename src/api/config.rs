//! Which backend to use, decided once at start-up: `?api=URL` (or `?api=demo`) in the address,
//! else the choice saved on the Settings page, else `config.json` beside the app, else the demo.
//! Tokens are kept only in localStorage under `rapport.tokens`, one per server origin, and only
//! sent as a header: a `?api=` link to another server never gets the one saved for this one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::storage;

const CHOICE_KEY: &str = "rapport.backend";
const TOKENS_KEY: &str = "rapport.tokens";
/// Where one token for whatever server was saved before tokens were kept per server.
const OLD_TOKEN_KEY: &str = "rapport.token";
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
    storage::session_remove(SESSION_KEY);
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

/// A server's origin (`https://host:port`, lower case, no path): what a token belongs to.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let scheme = scheme.to_ascii_lowercase();
    (matches!(scheme.as_str(), "http" | "https") && !host.is_empty() && !host.contains('@'))
        .then(|| format!("{scheme}://{}", host.to_ascii_lowercase()))
}

/// The saved tokens by origin. The single token saved before belonged to the server then
/// chosen on the Settings page: it moves to that server's origin, or is dropped.
fn tokens() -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = storage::get(TOKENS_KEY)
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    if let Some(old) = storage::get(OLD_TOKEN_KEY) {
        if let Some(Choice::Http { base_url }) = saved() {
            adopt_old(&mut map, &base_url, old);
            store_tokens(&map);
        }
        storage::remove(OLD_TOKEN_KEY);
    }
    map
}

fn adopt_old(map: &mut BTreeMap<String, String>, saved_server: &str, old: String) {
    if let Some(origin) = origin_of(saved_server).filter(|_| !old.is_empty()) {
        map.entry(origin).or_insert(old);
    }
}

fn store_tokens(map: &BTreeMap<String, String>) {
    if let Ok(text) = serde_json::to_string(map) {
        let _ = storage::set(TOKENS_KEY, &text);
    }
}

/// The token saved for `server`'s origin, if any.
pub fn token(server: &str) -> Option<String> {
    token_in(&tokens(), server)
}

fn token_in(map: &BTreeMap<String, String>, server: &str) -> Option<String> {
    map.get(&origin_of(server)?).filter(|t| !t.is_empty()).cloned()
}

/// Saves (or, when empty, forgets) the token for `server`'s origin.
pub fn save_token(server: &str, token: &str) {
    let Some(origin) = origin_of(server) else {
        return;
    };
    // An empty entry is no token (see `token_in`), and costs less code than removing one.
    let mut map = tokens();
    map.insert(origin, token.to_owned());
    store_tokens(&map);
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
    fn a_token_belongs_to_one_server_origin() {
        // Security review, finding 5: `?api=https://attacker.example` was sent the saved token.
        let mut map = BTreeMap::new();
        map.insert(origin_of("https://desk.example:8443/api").unwrap(), "t-desk".to_owned());
        assert_eq!(token_in(&map, "https://DESK.example:8443"), Some("t-desk".into()));
        assert_eq!(
            token_in(&map, "https://desk.example:8443/other/path?x=1"),
            Some("t-desk".into())
        );
        for other in [
            "https://attacker.example",
            "http://desk.example:8443",
            "https://desk.example",
            "https://desk.example:8443.attacker.example",
            "https://desk.example:8443@attacker.example",
            "javascript:alert(1)",
        ] {
            assert_eq!(token_in(&map, other), None, "{other}");
        }
        assert_eq!(origin_of("https://a.example/x#y"), Some("https://a.example".into()));
        assert_eq!(origin_of("ftp://a.example"), None);
        assert_eq!(origin_of("https://"), None);
    }

    #[test]
    fn the_old_single_token_goes_to_the_server_saved_with_it() {
        let mut map = BTreeMap::new();
        adopt_old(&mut map, "https://desk.example/rapport", "t-old".into());
        assert_eq!(token_in(&map, "https://desk.example"), Some("t-old".into()));
        assert_eq!(token_in(&map, "https://attacker.example"), None);
        // A token saved since is not overwritten.
        adopt_old(&mut map, "https://desk.example", "t-older".into());
        assert_eq!(token_in(&map, "https://desk.example"), Some("t-old".into()));
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

//! URLs inside the app. The app may be served under a sub-path (`/support/…`); links are built here
//! so every one carries it.

use std::sync::OnceLock;

/// The path the app is served under, without a trailing slash ("" at the root), from the
/// `<base href>` the build writes into index.html.
pub fn base() -> &'static str {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| {
        let doc = leptos::prelude::document();
        // Without a <base> element the base URI is the page's own URL, which says nothing about
        // where the app lives; the build always writes one.
        if doc.query_selector("base[href]").ok().flatten().is_none() {
            return String::new();
        }
        base_path(&doc.base_uri().ok().flatten().unwrap_or_default())
    })
}

fn base_path(uri: &str) -> String {
    let path = uri
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or("");
    let path = path.split(['?', '#']).next().unwrap_or("");
    // A base URI names a folder only when it ends in '/'; otherwise its last segment is a file.
    let folder = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    folder.trim_end_matches('/').to_owned()
}

/// An id as one path segment: ids are opaque and may hold `/`, `?`, `#` or `%`.
pub fn segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// An in-app path (starting with '/') as a link.
pub fn to(path: &str) -> String {
    format!("{}{path}", base())
}

#[cfg(test)]
mod tests {
    use super::base_path;

    #[test]
    fn segments_escape_what_routing_would_read() {
        assert_eq!(super::segment("cu1f"), "cu1f");
        assert_eq!(super::segment("a/b?c#d%e f"), "a%2Fb%3Fc%23d%25e%20f");
        assert_eq!(super::segment("é"), "%C3%A9");
    }

    #[test]
    fn base_path_of_common_base_uris() {
        assert_eq!(base_path("http://h:8080/"), "");
        assert_eq!(base_path("http://h/rapport/"), "/rapport");
        assert_eq!(base_path("https://cdn.example/a/b/"), "/a/b");
        assert_eq!(base_path("http://h/rapport/index.html"), "/rapport");
        assert_eq!(base_path("http://h/rapport/?x=1"), "/rapport");
        assert_eq!(base_path("about:blank"), "");
    }
}

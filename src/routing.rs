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

/// Every place in the app a link or a navigation goes. Each path is built here once, with its
/// ids escaped, so no link can forget the sub-path or an id's `/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route<'a> {
    /// A conversation list, by its view's slug (`mine`, `new`, `inbox-support`…).
    View(&'a str),
    /// A customer opened from a list, which stays beside them.
    InView {
        view: &'a str,
        customer: &'a str,
    },
    /// A customer on their own (from search or tasks).
    Customer(&'a str),
    Search(&'a str),
    Tasks,
    Settings,
}

impl Route<'_> {
    /// The path inside the app, for the router's `navigate` (which adds the sub-path itself).
    pub fn path(self) -> String {
        match self {
            Route::View(view) => format!("/inbox/{}", segment(view)),
            Route::InView { view, customer } => format!("/inbox/{}/{}", segment(view), segment(customer)),
            Route::Customer(id) => format!("/customers/{}", segment(id)),
            Route::Search(q) => format!("/search?q={}", segment(q.trim())),
            Route::Tasks => "/tasks".to_owned(),
            Route::Settings => "/settings".to_owned(),
        }
    }

    /// The path as a link's `href`, under the app's sub-path.
    pub fn href(self) -> String {
        to(&self.path())
    }
}

#[cfg(test)]
mod tests {
    use super::{base_path, Route};

    #[test]
    fn every_route_escapes_its_ids_and_its_query() {
        assert_eq!(Route::View("inbox-support").path(), "/inbox/inbox-support");
        assert_eq!(
            Route::InView {
                view: "mine",
                customer: "cu/1?x"
            }
            .path(),
            "/inbox/mine/cu%2F1%3Fx"
        );
        assert_eq!(Route::Customer("cu#2").path(), "/customers/cu%232");
        assert_eq!(
            Route::Search("  refund & returns ").path(),
            "/search?q=refund%20%26%20returns"
        );
        assert_eq!(
            (Route::Tasks.path(), Route::Settings.path()),
            ("/tasks".into(), "/settings".into())
        );
    }

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

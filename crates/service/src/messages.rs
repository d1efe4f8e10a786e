//! The messages between the page and the demo worker, as JSON text: one definition for both
//! sides, so they cannot drift.

use serde::{Deserialize, Serialize};

use crate::demo::DemoSize;
use crate::wire::{Method, Request, Response};

/// One request of the HTTP API as a message; `target` is the path below `/api/v1` with its query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallMessage {
    pub id: u64,
    pub method: String,
    pub target: String,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: Option<String>,
}

impl CallMessage {
    /// The service's request for this call.
    pub fn request(&self) -> Request {
        let mut request = Request::new(Method::parse(&self.method), &format!("/v1{}", self.target));
        for (name, value) in &self.headers {
            request = request.with_header(name, value.as_bytes());
        }
        if let Some(body) = &self.body {
            // A message's body is JSON by construction (the page serializes a JSON value).
            if !self.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
                request = request.with_header("content-type", b"application/json");
            }
            request = request.with_body(body.as_bytes());
        }
        request
    }
}

/// Page → worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ToWorker {
    /// Load (or seed) the demo saved under `key`; `legacy` is a save the page still had in
    /// localStorage, used when IndexedDB holds none.
    Init {
        key: String,
        #[serde(default)]
        size: Option<DemoSize>,
        #[serde(default)]
        legacy: Option<String>,
    },
    Request(CallMessage),
}

/// Worker → page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum FromWorker {
    /// The worker listens now. Messages sent before this would be lost (the handler is set only
    /// once the wasm has loaded), so the page holds them until it comes.
    Booted,
    /// Requests are answered from now on (those sent earlier were kept and come next).
    Ready {
        notice: Option<String>,
        clock_offset_ms: i64,
        /// Whether IndexedDB holds the save now (the page may then drop its legacy copy).
        saved: bool,
    },
    Response {
        id: u64,
        status: u16,
        /// As the HTTP shell sends them (`ETag`, `Allow`, `Retry-After`…).
        #[serde(default)]
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Something the agent should know (a save that failed).
    Notice { text: String },
    /// Another tab changed the demo (the worker is shared by every tab of the app): refresh.
    /// `seq` is the change's number in the log, as on a server's event stream.
    Changed { seq: u64 },
}

impl FromWorker {
    pub fn response(id: u64, response: &Response) -> FromWorker {
        FromWorker::Response {
            id,
            status: response.status,
            headers: response
                .headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            body: response.text(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_travels_as_json_and_becomes_the_same_request() {
        let call = CallMessage {
            id: 7,
            method: "PATCH".into(),
            target: "/conversations/co1?x=1".into(),
            headers: vec![("If-Match".into(), "\"3\"".into())],
            body: Some(r#"{"status":{"value":"OPEN"}}"#.into()),
        };
        let text = serde_json::to_string(&ToWorker::Request(call.clone())).expect("serializes");
        assert!(text.contains(r#""kind":"request""#), "{text}");
        let back: ToWorker = serde_json::from_str(&text).expect("reads back");
        assert_eq!(back, ToWorker::Request(call.clone()));
        let request = call.request();
        assert_eq!(request.method, Method::Patch);
        assert_eq!(
            (request.path.as_str(), request.query.as_str()),
            ("/v1/conversations/co1", "x=1")
        );
        assert_eq!(request.header("if-match"), Some(&b"\"3\""[..]));
        assert_eq!(request.body, br#"{"status":{"value":"OPEN"}}"#);
    }
}

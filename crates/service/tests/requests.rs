//! What the contract fuzzer found, kept as plain tests: each request here was answered against
//! api/openapi.yaml before its fix.

mod common;

use common::{now, open_conversation, origin};
use rapport_service::{MemoryLog, Method, Options, Request, Service};
use serde_json::{json, Value};

fn service() -> Service<MemoryLog> {
    let options = Options {
        token: None,
        sandbox: true,
        inbound_secret: None,
    };
    Service::open(origin(), MemoryLog::default(), options).expect("opens")
}

fn send(s: &mut Service<MemoryLog>, request: Request) -> (u16, Value, rapport_service::Response) {
    let response = s.handle(now(), &request.with_header("x-agent-id", "ag1")).response;
    let body = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    (response.status, body, response)
}

#[test]
fn a_method_a_path_does_not_take_is_405_with_allow() {
    let mut s = service();
    let (status, _, response) = send(&mut s, Request::new(Method::Other, "/v1/teams"));
    assert_eq!(status, 405);
    assert_eq!(response.header("allow"), Some("GET, HEAD"));
    let (_, _, response) = send(&mut s, Request::new(Method::Other, "/v1/agents"));
    assert_eq!(response.header("allow"), Some("GET, HEAD, POST"));
    let conv = open_conversation(s.store());
    let (_, _, response) = send(
        &mut s,
        Request::new(Method::Delete, &format!("/v1/conversations/{conv}")),
    );
    assert_eq!(response.header("allow"), Some("GET, HEAD, PATCH"));
}

#[test]
fn an_empty_or_unbalanced_if_match_is_refused() {
    let mut s = service();
    let conv = open_conversation(s.store());
    let path = format!("/v1/conversations/{conv}/notes");
    for tag in ["", "89067\"", "\"7", "yY--._&o|g>#V"] {
        let request = Request::new(Method::Post, &path)
            .with_header("if-match", tag)
            .with_json(r#"{"body":"x"}"#);
        let (status, body, _) = send(&mut s, request);
        assert_eq!(status, 400, "If-Match {tag:?}");
        assert_eq!(body["errors"][0]["attr"], "If-Match");
    }
}

#[test]
fn null_where_a_value_is_required_is_refused() {
    let mut s = service();
    let conv = open_conversation(s.store());
    for body in [
        json!({ "assignee": null, "status": { "value": "CLOSED" } }),
        json!({ "status": null }),
    ] {
        let request = Request::new(Method::Patch, &format!("/v1/conversations/{conv}")).with_json(body.to_string());
        let (status, reply, _) = send(&mut s, request);
        assert_eq!(status, 400, "{body}: {reply}");
    }
    // A null subject is the same as none (the app sends it so).
    let reply = json!({ "channel": "CHAT", "body": "Hello", "subject": null });
    let request = Request::new(Method::Post, &format!("/v1/conversations/{conv}/replies")).with_json(reply.to_string());
    let (status, _, _) = send(&mut s, request);
    assert_ne!(status, 400, "a null subject is accepted");
}

#[test]
fn an_empty_filter_or_limit_is_an_error_and_a_huge_limit_is_capped() {
    let mut s = service();
    let customer = s
        .store()
        .customers()
        .next()
        .map(|c| c.id.to_string())
        .expect("a customer");
    let (status, _, _) = send(
        &mut s,
        Request::new(Method::Get, &format!("/v1/customers/{customer}/tasks?status=")),
    );
    assert_eq!(status, 400, "an empty status is not OPEN or CLOSED");
    let (status, _, _) = send(&mut s, Request::new(Method::Get, "/v1/search?q=ab&limit="));
    assert_eq!(status, 400);
    let (status, _, _) = send(
        &mut s,
        Request::new(Method::Get, "/v1/search?q=ab&limit=28770259428647204070359040"),
    );
    assert_eq!(status, 200, "more digits than a number holds is still past the cap");
    let (status, _, _) = send(
        &mut s,
        Request::new(Method::Get, "/v1/search?q=ab&limit=0000000000000000000000000"),
    );
    assert_eq!(status, 400, "zero stays zero however it is written");
    let (status, _, _) = send(&mut s, Request::new(Method::Get, "/v1/conversations?ids=&limit=x"));
    assert_eq!(status, 400, "the limit is checked with ids too");
}

#[test]
fn a_bad_after_is_refused_even_beside_a_last_event_id() {
    let mut s = service();
    let request = Request::new(Method::Get, "/v1/events?after=-1").with_header("last-event-id", "42");
    let (status, body, _) = send(&mut s, request);
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["attr"], "after");
    // Ids have at most 18 digits, as documented; more is no id this server sent.
    for after in ["1000000000000000000", "55977443593353330425856", "+5"] {
        let (status, _, _) = send(&mut s, Request::new(Method::Get, &format!("/v1/events?after={after}")));
        assert_eq!(status, 400, "after={after}");
    }
    let (status, _, _) = send(&mut s, Request::new(Method::Get, "/v1/events?after=999999999999999999"));
    assert_eq!(status, 200);
}

#[test]
fn the_clock_takes_a_whole_number_written_with_a_fraction() {
    let mut s = service();
    let request = Request::new(Method::Post, "/v1/sandbox/clock").with_json(r#"{"advanceMs": 7037707.0}"#);
    let (status, body, _) = send(&mut s, request);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["clockOffsetMs"], 7_037_707);
    let request = Request::new(Method::Post, "/v1/sandbox/clock").with_json(r#"{"advanceMs": 1.5}"#);
    assert_eq!(send(&mut s, request).0, 400);
}

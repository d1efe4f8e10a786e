//! What the HTTP shell adds around the service: persistence across restarts, resumable live
//! events, CORS and the optional token.

mod common;

use std::time::Duration;

use common::{add_note, first_in, get, request, temp_db, EventStream, Spec, TestServer};
use serde_json::{json, Value};

#[test]
fn writes_survive_a_restart_and_seq_continues() {
    let db = temp_db("restart");
    let server = TestServer::start(&db, None);
    let (conv, _) = first_in(&server, "open");
    assert_eq!(add_note(&server, &conv, "before the restart"), 201);
    assert_eq!(add_note(&server, &conv, "second"), 201);
    let before = get(&server, &format!("/api/v1/conversations/{conv}"));
    let counts_before = get(&server, "/api/v1/conversation-counts?agentId=ag1");
    server.stop();

    let server = TestServer::start(&db, None);
    let after = get(&server, &format!("/api/v1/conversations/{conv}"));
    assert_eq!(after, before, "replay rebuilt the same conversation");
    assert_eq!(get(&server, "/api/v1/conversation-counts?agentId=ag1"), counts_before);
    let items = get(&server, &format!("/api/v1/conversations/{conv}/items"));
    assert!(items
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["content"]["body"] == "before the restart"));

    let stream = EventStream::open(&server.url("/api/v1/events"), &[("Last-Event-ID", "1")]);
    let replayed = stream.next(Duration::from_secs(5)).expect("the stored second event");
    assert_eq!(replayed.id.as_deref(), Some("2"));
    assert_eq!(add_note(&server, &conv, "after the restart"), 201);
    let live = stream.next(Duration::from_secs(5)).expect("the new event");
    assert_eq!(live.id.as_deref(), Some("3"), "seq continues after a restart");
}

#[test]
fn events_are_resumable_without_gaps_or_duplicates() {
    let spec = Spec::load();
    let server = TestServer::start(&temp_db("events"), None);
    let (conv, customer) = first_in(&server, "open");

    let stream = EventStream::open(&server.url("/api/v1/events"), &[]);
    assert_eq!(stream.status, 200);
    assert_eq!(add_note(&server, &conv, "one"), 201);
    assert_eq!(add_note(&server, &conv, "two"), 201);
    let first = stream.next(Duration::from_secs(5)).expect("first event");
    let second = stream.next(Duration::from_secs(5)).expect("second event");
    let id1: u64 = first.id.as_deref().unwrap().parse().unwrap();
    let id2: u64 = second.id.as_deref().unwrap().parse().unwrap();
    assert_eq!(id2, id1 + 1, "consecutive ids");
    assert_eq!(first.event, "change");
    let data: Value = serde_json::from_str(&first.data).unwrap();
    spec.check_component("Change", &data);
    assert_eq!(
        data,
        json!({"seq": id1, "customerId": customer, "conversationId": conv, "taskId": null})
    );

    // Reconnect after the first: the second comes again, then only live ones.
    let resumed = EventStream::open(&server.url("/api/v1/events"), &[("Last-Event-ID", &id1.to_string())]);
    let again = resumed.next(Duration::from_secs(5)).expect("the missed event");
    assert_eq!(again.id, second.id);
    assert_eq!(again.data, second.data);
    assert!(resumed.quiet_for(Duration::from_millis(300)), "nothing else is pending");
    assert_eq!(add_note(&server, &conv, "three"), 201);
    let live = resumed.next(Duration::from_secs(5)).expect("the live event");
    assert_eq!(live.id.as_deref(), Some((id2 + 1).to_string().as_str()));
    assert_eq!(stream.next(Duration::from_secs(5)).unwrap().id, live.id);

    // `?after=` does the same for tools; the header wins over it.
    let by_query = EventStream::open(&server.url(&format!("/api/v1/events?after={id1}")), &[]);
    assert_eq!(by_query.next(Duration::from_secs(5)).unwrap().id, second.id);
    let both = EventStream::open(
        &server.url("/api/v1/events?after=0"),
        &[("Last-Event-ID", &id2.to_string())],
    );
    assert_eq!(both.next(Duration::from_secs(5)).unwrap().id, live.id);

    // A burst of writes while a client is connected: every id once, in order.
    for i in 0..30 {
        assert_eq!(add_note(&server, &conv, &format!("burst {i}")), 201);
    }
    let mut expected = id2 + 2;
    while expected <= id2 + 31 {
        let event = resumed.next(Duration::from_secs(5)).expect("burst event");
        assert_eq!(event.id.as_deref(), Some(expected.to_string().as_str()));
        expected += 1;
    }
    assert!(resumed.quiet_for(Duration::from_millis(200)));

    // An id from another database: the stream says to reload, then goes on.
    let reset = EventStream::open(&server.url("/api/v1/events"), &[("Last-Event-ID", "999999")]);
    let first = reset.next(Duration::from_secs(5)).expect("reset event");
    assert_eq!(first.event, "reset");
    assert_eq!(first.id.as_deref(), Some((id2 + 31).to_string().as_str()));
}

#[test]
fn cors_preflight_and_headers() {
    let server = TestServer::start_with(rapport_server::Options {
        db: temp_db("cors"),
        conversations: common::SEED_CONVERSATIONS,
        token: Some("s3cret".into()),
        allowed_origins: vec!["http://app.example".into()],
        ..rapport_server::Options::default()
    });
    let r = request(
        "OPTIONS",
        &server.url("/api/v1/conversations/co1"),
        &[
            ("Origin", "http://app.example"),
            ("Access-Control-Request-Method", "PATCH"),
            (
                "Access-Control-Request-Headers",
                "authorization, content-type, if-match, x-agent-id",
            ),
        ],
        None,
    );
    assert!(r.status == 200 || r.status == 204, "preflight: {} {}", r.status, r.text);
    assert_eq!(r.header("access-control-allow-origin"), Some("http://app.example"));
    let methods = r
        .header("access-control-allow-methods")
        .unwrap_or_default()
        .to_ascii_uppercase();
    for m in ["GET", "POST", "PATCH", "PUT", "DELETE"] {
        assert!(methods.contains(m), "allow-methods has {m}: {methods}");
    }
    let allowed = r
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    for h in [
        "authorization",
        "content-type",
        "if-match",
        "x-agent-id",
        "last-event-id",
    ] {
        assert!(allowed.contains(h), "allow-headers has {h}: {allowed}");
    }

    let r = request(
        "GET",
        &server.url("/api/v1/agents"),
        &[("Origin", "http://app.example"), ("Authorization", "Bearer s3cret")],
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some("http://app.example"));
    assert!(r
        .header("access-control-expose-headers")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .contains("etag"));
}

#[test]
fn a_token_is_required_when_configured() {
    let spec = Spec::load();
    let server = TestServer::start(&temp_db("token"), Some("s3cret"));
    for auth in [None, Some("Bearer wrong"), Some("Basic czNjcmV0"), Some("Bearer s3cre")] {
        let headers: Vec<(&str, &str)> = auth.map(|a| ("Authorization", a)).into_iter().collect();
        for (method, path) in [
            ("GET", "/api/v1/agents"),
            ("GET", "/api/v1/conversations/co1"),
            ("GET", "/api/v1/events"),
        ] {
            let r = request(method, &server.url(path), &headers, None);
            assert_eq!(r.status, 401, "{method} {path} with {auth:?}");
            assert_eq!(r.error_code(), "unauthorized");
            assert_eq!(r.header("www-authenticate"), Some("Bearer"));
            let template = if path.ends_with("co1") {
                "/api/v1/conversations/{conversationId}"
            } else {
                path
            };
            spec.check(method, template, 401, &r.json());
            assert!(!r.text.contains("s3cret"));
        }
    }
    let r = request("POST", &server.url("/api/v1/inbound"), &[], Some("{}"));
    assert_eq!(r.status, 401, "writes too");
    let r = request(
        "GET",
        &server.url("/api/v1/agents"),
        &[("Authorization", "Bearer s3cret")],
        None,
    );
    assert_eq!(r.status, 200);
    // The SSE stream with the token.
    let stream = EventStream::open(&server.url("/api/v1/events"), &[("Authorization", "Bearer s3cret")]);
    assert_eq!(stream.status, 200);
}

//! The service with no transport: the trial endpoints, and a log that replays to the same state.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{now as wall, open_conversation, origin};
use rapport_core::Status;
use rapport_service::{MemoryLog, Method, Options, Request, Service};
use serde_json::{json, Value};

fn service(sandbox: bool) -> Service<MemoryLog> {
    let options = Options {
        token: None,
        sandbox,
        inbound_secret: None,
    };
    Service::open(origin(), MemoryLog::default(), options).expect("an empty log opens")
}

fn call(s: &mut Service<MemoryLog>, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = Request::new(method, path).with_header("x-agent-id", "ag1");
    if let Some(b) = body {
        request = request.with_json(b.to_string());
    }
    let handled = s.handle(wall(), &request);
    let value = serde_json::from_slice(&handled.response.body).unwrap_or(Value::Null);
    (handled.response.status, value)
}

/// A closed conversation's customer, and when it closed.
fn closed_customer(s: &Service<MemoryLog>) -> (String, DateTime<Utc>) {
    let store = s.store();
    let conv = store
        .conversations()
        .filter(|c| c.status == Status::Closed && store.open_conversation_of(&c.customer_id).is_none())
        .max_by_key(|c| c.closed_at)
        .expect("the seed has a customer whose latest conversation is closed");
    (conv.customer_id.to_string(), conv.closed_at.unwrap_or_default())
}

#[test]
fn the_trial_endpoints_answer_only_with_the_sandbox_on() {
    let mut off = service(false);
    for (method, path) in [
        (Method::Get, "/v1/sandbox"),
        (Method::Post, "/v1/sandbox/clock"),
        (Method::Post, "/v1/sandbox/reset"),
    ] {
        let (status, body) = call(&mut off, method, path, Some(json!({ "advanceMs": 1000 })));
        assert_eq!(status, 404, "{path} without --sandbox");
        assert_eq!(body["errors"][0]["code"], "not_found");
    }
    let (status, body) = call(&mut service(true), Method::Get, "/v1/sandbox", None);
    assert_eq!(status, 200);
    assert_eq!(body["clockOffsetMs"], 0);
    assert_eq!(body["changes"], 0);
}

#[test]
fn moving_the_clock_past_the_reopen_window_starts_a_new_conversation() {
    let mut s = service(true);
    let (customer, _) = closed_customer(&s);
    // Far enough that no inbox's reopen window still holds.
    let (status, body) = call(
        &mut s,
        Method::Post,
        "/v1/sandbox/clock",
        Some(json!({ "advanceMs": 30 * 86_400_000i64 })),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["clockOffsetMs"], 30 * 86_400_000i64);
    assert_eq!(s.now(wall()), wall() + Duration::days(30));
    let inbound = json!({ "customerId": customer, "channel": "SMS", "text": "Me again" });
    let (status, body) = call(&mut s, Method::Post, "/v1/inbound", Some(inbound));
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["routing"], "STARTED");
}

#[test]
fn the_clock_only_moves_forward_and_by_at_most_a_year() {
    let mut s = service(true);
    for advance in [
        json!(0),
        json!(-5),
        json!(400i64 * 86_400_000),
        json!("soon"),
        Value::Null,
    ] {
        let (status, body) = call(
            &mut s,
            Method::Post,
            "/v1/sandbox/clock",
            Some(json!({ "advanceMs": advance })),
        );
        assert_eq!(status, 400, "advanceMs {advance}: {body}");
        assert_eq!(body["errors"][0]["attr"], "advanceMs");
    }
    assert_eq!(s.clock_offset(), Duration::zero());
}

#[test]
fn reset_returns_to_the_seed_and_tells_live_clients_to_reload() {
    let mut s = service(true);
    let seeded = s.store().clone();
    let conv = open_conversation(s.store());
    let (status, _) = call(
        &mut s,
        Method::Post,
        &format!("/v1/conversations/{conv}/notes"),
        Some(json!({ "body": "x" })),
    );
    assert_eq!(status, 201);
    call(
        &mut s,
        Method::Post,
        "/v1/sandbox/clock",
        Some(json!({ "advanceMs": 3_600_000 })),
    );
    assert_ne!(s.store(), &seeded);

    let handled = s.handle(wall(), &Request::new(Method::Post, "/v1/sandbox/reset"));
    assert_eq!(handled.response.status, 200);
    assert_eq!(handled.changes.len(), 1);
    assert!(handled.changes[0].reset, "the reset is an event of its own");
    assert_eq!(handled.changes[0].seq, 3, "ids keep counting across a reset");
    assert_eq!(s.store(), &seeded, "the same seed, made again");
    assert_eq!(s.clock_offset(), Duration::zero());
    let frame = rapport_service::events::Frame::of(&handled.changes[0]);
    assert_eq!(frame.event, "reset");

    // The log replays to the same state: nothing before the reset counts.
    let reopened = Service::open(origin(), s.storage().clone(), Options::default()).expect("the log replays");
    assert_eq!(reopened.store(), s.store());
    assert_eq!(reopened.commands_applied(), 0);
}

#[test]
fn a_log_replays_to_the_same_store_clock_and_count() {
    let mut s = service(true);
    let (customer, _) = closed_customer(&s);
    call(
        &mut s,
        Method::Post,
        "/v1/sandbox/clock",
        Some(json!({ "advanceMs": 7_200_000 })),
    );
    let inbound = json!({ "customerId": customer, "channel": "EMAIL", "text": "Hello", "subject": "Order" });
    assert_eq!(call(&mut s, Method::Post, "/v1/inbound", Some(inbound)).0, 201);
    let reopened = Service::open(origin(), s.storage().clone(), Options::default()).expect("the log replays");
    assert_eq!(reopened.store(), s.store());
    assert_eq!(reopened.clock_offset(), Duration::hours(2));
    assert_eq!(reopened.commands_applied(), 1);
}

#[test]
fn a_log_entry_the_rules_refuse_is_an_error_in_words() {
    let mut log = MemoryLog::default();
    let entry =
        json!({ "command": "SET_STATUS", "conversationId": "nope", "status": "CLOSED", "actor": { "type": "SYSTEM" } });
    rapport_service::Storage::append(
        &mut log,
        wall(),
        vec![rapport_service::NewRow {
            entry: entry.to_string(),
            customer_id: None,
            conversation_id: None,
            task_id: None,
            reset: false,
            directory: false,
        }],
    )
    .expect("memory takes it");
    let error = Service::open(origin(), log, Options::default())
        .err()
        .unwrap_or_default();
    assert!(error.contains("change 1 no longer applies"), "{error}");
}

#[test]
fn a_token_guards_every_endpoint_but_is_never_required_without_one() {
    let options = Options {
        token: Some("s3cret".into()),
        sandbox: true,
        inbound_secret: None,
    };
    let mut s = Service::open(origin(), MemoryLog::default(), options).expect("opens");
    for auth in [None, Some("Bearer wrong"), Some("s3cret"), Some("Bearer s3cre")] {
        let mut request = Request::new(Method::Get, "/v1/agents");
        if let Some(a) = auth {
            request = request.with_header("Authorization", a);
        }
        let response = s.handle(wall(), &request).response;
        assert_eq!(response.status, 401, "{auth:?}");
        assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    }
    let ok = Request::new(Method::Get, "/v1/agents").with_header("Authorization", "Bearer s3cret");
    assert_eq!(s.handle(wall(), &ok).response.status, 200);
    // An unknown path is refused before it is looked up: nothing about the routes leaks.
    assert_eq!(
        s.handle(wall(), &Request::new(Method::Get, "/v1/nothing"))
            .response
            .status,
        401
    );
}

//! Two server instances on one PostgreSQL database (`make test-postgres` sets `RAPPORT_TEST_PG`;
//! without it these tests say so and do nothing): each reads the other's writes, hears them live,
//! serves a stream resumed from the other's ids, and when both write at once the log stays one
//! gap-free sequence and the rules hold across them.

mod common;

use std::time::Duration;

use common::{add_note, first_in, get, request, temp_db, EventStream, TestServer, AGENT, SEED_CONVERSATIONS};
use rapport_server::{AppState, Options};
use serde_json::{json, Value};

/// An instance's options on the database at `url`.
fn on(url: &str) -> Options {
    Options {
        postgres: Some(url.to_owned()),
        conversations: SEED_CONVERSATIONS,
        ..Options::default()
    }
}

/// Two instances on a new database, or None (and a line saying why) without a test PostgreSQL.
fn two_instances(name: &str) -> Option<(TestServer, TestServer)> {
    let Some(url) = common::postgres_for(&temp_db(name)) else {
        eprintln!("skipped: RAPPORT_TEST_PG is not set (make test-postgres sets it)");
        return None;
    };
    let start = || TestServer::start_with(on(&url));
    let one = start();
    Some((one, start()))
}

fn id_of(event: &common::SseEvent) -> u64 {
    event.id.as_deref().and_then(|id| id.parse().ok()).expect("an event id")
}

fn bodies(server: &TestServer, conv: &str) -> Vec<Value> {
    let items = get(server, &format!("/api/v1/conversations/{conv}/items?limit=500"));
    items
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["content"]["body"].clone())
        .collect()
}

#[test]
fn a_write_on_one_instance_is_read_and_heard_on_the_other() {
    let Some((one, two)) = two_instances("seen") else {
        return;
    };
    let (conv, _) = first_in(&one, "open");
    let stream = EventStream::open(&two.url("/api/v1/events"), &[]);
    assert_eq!(stream.status, 200);

    assert_eq!(add_note(&one, &conv, "written on one"), 201);
    // Heard with no request to two: it follows the database's notifications.
    let heard = stream
        .next(Duration::from_secs(10))
        .expect("the other instance's event, live");
    assert_eq!(heard.event, "change");
    let data: Value = serde_json::from_str(&heard.data).expect("JSON");
    assert_eq!(data["conversationId"], json!(conv));
    assert!(bodies(&two, &conv).contains(&json!("written on one")));
    // Written and read at once: two applies what was stored before it answers.
    assert_eq!(add_note(&one, &conv, "read at once"), 201);
    assert!(bodies(&two, &conv).contains(&json!("read at once")));
    let _ = stream.next(Duration::from_secs(10)).expect("its event");

    // A close on two, seen on one: the conversation and both instances' lists agree.
    common::close(&two, &conv);
    assert_eq!(get(&one, &format!("/api/v1/conversations/{conv}"))["status"], "CLOSED");
    let counts = "/api/v1/conversation-counts?agentId=ag1";
    assert_eq!(get(&one, counts), get(&two, counts));
    // Two's own writes reach its stream once each, in order, after one's.
    let topics = stream.next(Duration::from_secs(10)).expect("the topics event");
    let status = stream.next(Duration::from_secs(10)).expect("the close event");
    assert_eq!((id_of(&topics), id_of(&status)), (id_of(&heard) + 2, id_of(&heard) + 3));
    assert!(stream.quiet_for(Duration::from_millis(1500)), "no event twice");
}

#[test]
fn a_stream_resumes_on_another_instance_without_missing_an_event() {
    let Some((one, two)) = two_instances("resume") else {
        return;
    };
    let (conv, _) = first_in(&one, "open");
    let stream = EventStream::open(&two.url("/api/v1/events"), &[]);
    assert_eq!(add_note(&one, &conv, "first"), 201);
    let last = id_of(&stream.next(Duration::from_secs(10)).expect("the first event"));
    two.stop();
    drop(stream);

    // While the desk has no connection, more happens.
    assert_eq!(add_note(&one, &conv, "second"), 201);
    assert_eq!(add_note(&one, &conv, "third"), 201);
    let resumed = EventStream::open(&one.url("/api/v1/events"), &[("Last-Event-ID", &last.to_string())]);
    assert_eq!(resumed.status, 200);
    let ids: Vec<u64> = (0..2)
        .map(|_| id_of(&resumed.next(Duration::from_secs(10)).expect("a missed event")))
        .collect();
    assert_eq!(ids, [last + 1, last + 2]);
}

#[test]
fn writes_on_both_at_once_make_one_gap_free_log_and_keep_the_rules() {
    let Some((one, two)) = two_instances("both") else {
        return;
    };
    let (conv, _) = first_in(&one, "open");
    let (_, customer) = first_in(&one, "closed");
    let per_writer = 15;
    std::thread::scope(|scope| {
        for (n, server) in [&one, &two, &one, &two].into_iter().enumerate() {
            let conv = conv.clone();
            scope.spawn(move || {
                for i in 0..per_writer {
                    assert_eq!(add_note(server, &conv, &format!("writer {n} note {i}")), 201);
                }
            });
        }
        // Meanwhile a customer with nothing open writes in on both: still one open conversation.
        for server in [&one, &two] {
            let customer = customer.clone();
            scope.spawn(move || {
                for _ in 0..5 {
                    let body = json!({"customerId": customer, "channel": "SMS", "text": "Anyone there?"});
                    let r = request("POST", &server.url("/api/v1/inbound"), &[], Some(&body.to_string()));
                    assert_eq!(r.status, 201, "{}", r.text);
                }
            });
        }
    });
    // Every note once, on both.
    let notes = bodies(&one, &conv);
    assert_eq!(notes, bodies(&two, &conv));
    for n in 0..4 {
        for i in 0..per_writer {
            let text = json!(format!("writer {n} note {i}"));
            assert_eq!(notes.iter().filter(|b| **b == text).count(), 1, "{text} once");
        }
    }
    // One sequence: ids 1, 2, 3 … with no gap, whichever instance stored them.
    let all = EventStream::open(&one.url("/api/v1/events"), &[("Last-Event-ID", "0")]);
    let ids: Vec<u64> = std::iter::from_fn(|| all.next(Duration::from_secs(3)))
        .map(|e| id_of(&e))
        .collect();
    assert!(ids.len() >= 4 * per_writer + 10, "every write stored: {}", ids.len());
    assert_eq!(ids, (1..=ids.len() as u64).collect::<Vec<_>>());
    // The customer who wrote ten times on two instances has one conversation open.
    let conversations = get(&one, &format!("/api/v1/customers/{customer}/conversations"));
    let open: Vec<&Value> = conversations
        .as_array()
        .expect("conversations")
        .iter()
        .filter(|c| c["status"] != "CLOSED")
        .collect();
    assert_eq!(open.len(), 1, "one open conversation: {conversations}");
}

#[test]
fn instances_starting_together_on_a_new_database_agree_on_its_seed() {
    let Some(url) = common::postgres_for(&temp_db("together")) else {
        eprintln!("skipped: RAPPORT_TEST_PG is not set (make test-postgres sets it)");
        return;
    };
    // Opening is the start: the meta and the seed are settled there.
    let states: Vec<AppState> = std::thread::scope(|scope| {
        let opening: Vec<_> = (0..2)
            .map(|_| {
                let url = url.clone();
                scope.spawn(move || AppState::open(&on(&url)).expect("opens"))
            })
            .collect();
        opening.into_iter().map(|h| h.join().expect("starts")).collect()
    });
    let stores: Vec<rapport_core::Store> = states.iter().map(|s| s.read(Clone::clone)).collect();
    assert!(stores[0] == stores[1], "one seed, one store");
    assert_eq!(states[0].describe(), states[1].describe());
    for state in &states {
        state.begin_shutdown();
    }
}

#[test]
fn an_agent_signed_in_on_one_instance_is_signed_in_on_all_and_signs_out_of_all() {
    let Some(url) = common::postgres_for(&temp_db("accounts")) else {
        eprintln!("skipped: RAPPORT_TEST_PG is not set (make test-postgres sets it)");
        return;
    };
    let accounts = rapport_server::accounts::Accounts::postgres(&url).expect("the accounts' tables");
    let password = accounts
        .create(
            "Ava@Example.com",
            &rapport_core::AgentId::from("ag1"),
            rapport_core::access::Role::Agent,
        )
        .expect("an account");
    let start = || TestServer::start_with(on(&url));
    let (one, two) = (start(), start());
    // A database with accounts: every request signs in, on every instance.
    assert_eq!(request("GET", &two.url("/api/v1/me"), &[AGENT], None).status, 401);
    let body = json!({"email": "ava@example.com", "password": password}).to_string();
    let r = request("POST", &one.url("/api/v1/session"), &[], Some(&body));
    assert_eq!(r.status, 201, "{}", r.text);
    let bearer = format!("Bearer {}", r.json()["token"].as_str().expect("a session token"));
    let me = request("GET", &two.url("/api/v1/me"), &[("Authorization", &bearer)], None);
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json()["agent"]["id"], "ag1");
    let out = request(
        "DELETE",
        &two.url("/api/v1/session"),
        &[("Authorization", &bearer)],
        None,
    );
    assert_eq!(out.status, 204);
    assert_eq!(
        request("GET", &one.url("/api/v1/me"), &[("Authorization", &bearer)], None).status,
        401,
        "signed out everywhere"
    );
}

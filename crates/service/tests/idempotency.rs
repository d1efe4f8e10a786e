//! Nothing is made twice: a write repeated with its `Idempotency-Key` (Retry, a double click, a
//! network retry) changes nothing and gets the first result, also after a restart.

mod common;

use common::{now, open_conversation, origin};
use rapport_service::{MemoryLog, Method, Options, Request, Service};
use serde_json::Value;

fn open(log: MemoryLog) -> Service<MemoryLog> {
    let options = Options {
        token: None,
        sandbox: true,
        inbound_secret: None,
    };
    Service::open(origin(), log, options).expect("opens")
}

fn post(s: &mut Service<MemoryLog>, path: &str, body: &str, agent: &str, key: Option<&str>) -> (u16, Value, bool) {
    let mut request = Request::new(Method::Post, path)
        .with_header("x-agent-id", agent.as_bytes())
        .with_json(body.as_bytes());
    if let Some(key) = key {
        request = request.with_header("idempotency-key", key.as_bytes());
    }
    let response = s.handle(now(), &request).response;
    let replayed = response.header("idempotent-replayed") == Some("true");
    (
        response.status,
        serde_json::from_slice(&response.body).unwrap_or(Value::Null),
        replayed,
    )
}

fn notes_saying(s: &Service<MemoryLog>, conv: &str, text: &str) -> usize {
    let conv = s.store().conversation(&conv.into()).expect("the conversation");
    s.store()
        .timeline(&conv.customer_id)
        .iter()
        .filter(|i| i.content.text() == Some(text))
        .count()
}

#[test]
fn a_reply_sent_again_with_its_key_is_sent_once_and_answered_alike() {
    let mut s = open(MemoryLog::default());
    let conv = open_conversation(s.store());
    let path = format!("/v1/conversations/{conv}/notes");
    let (status, first, replayed) = post(&mut s, &path, r#"{"body":"Checked the order."}"#, "ag1", Some("k-1"));
    assert_eq!((status, replayed), (201, false));
    let (status, again, replayed) = post(&mut s, &path, r#"{"body":"Checked the order."}"#, "ag1", Some("k-1"));
    assert_eq!((status, replayed), (201, true));
    assert_eq!(again, first, "the repeat gets the first result");
    assert_eq!(notes_saying(&s, &conv, "Checked the order."), 1);

    // Without a key, or with another one, it is a new note.
    post(&mut s, &path, r#"{"body":"Checked the order."}"#, "ag1", Some("k-2"));
    post(&mut s, &path, r#"{"body":"Checked the order."}"#, "ag1", None);
    assert_eq!(notes_saying(&s, &conv, "Checked the order."), 3);
}

#[test]
fn a_key_survives_a_restart() {
    let mut s = open(MemoryLog::default());
    let conv = open_conversation(s.store());
    let path = format!("/v1/conversations/{conv}/notes");
    let note =
        |s: &mut Service<MemoryLog>| post(s, &path, r#"{"body":"Before the restart."}"#, "ag1", Some("k-restart"));
    note(&mut s);
    let mut s = open(s.storage().clone());
    let (status, _, replayed) = note(&mut s);
    assert_eq!((status, replayed), (201, true));
    assert_eq!(notes_saying(&s, &conv, "Before the restart."), 1);
}

#[test]
fn keys_belong_to_their_agent_and_operation() {
    let mut s = open(MemoryLog::default());
    let conv = open_conversation(s.store());
    let notes = format!("/v1/conversations/{conv}/notes");
    post(&mut s, &notes, r#"{"body":"Mine."}"#, "ag1", Some("same"));
    let (_, _, replayed) = post(&mut s, &notes, r#"{"body":"Mine."}"#, "ag2", Some("same"));
    assert!(!replayed, "another agent's key is theirs");
    assert_eq!(notes_saying(&s, &conv, "Mine."), 2);

    // A task created twice with one key (a double click on "Create task") is one task.
    let customer = s
        .store()
        .conversation(&conv.as_str().into())
        .expect("conv")
        .customer_id
        .to_string();
    let tasks = format!("/v1/customers/{customer}/tasks");
    let body =
        r#"{"body":"Call back","dueAt":"2026-12-02T12:00:00Z","assignee":{"inboxId":"support","agentId":"ag1"}}"#;
    let before = s.store().tasks().count();
    let (first, task, _) = post(&mut s, &tasks, body, "ag1", Some("task-1"));
    assert_eq!(first, 201, "{task}");
    let (_, again, replayed) = post(&mut s, &tasks, body, "ag1", Some("task-1"));
    assert!(replayed);
    assert_eq!(again["id"], task["id"]);
    assert_eq!(s.store().tasks().count(), before + 1);

    let (status, error, _) = post(&mut s, &notes, r#"{"body":"x"}"#, "ag1", Some("two words"));
    assert_eq!(status, 400);
    assert_eq!(error["errors"][0]["attr"], "Idempotency-Key");
}

#[test]
fn an_inbound_delivery_retried_is_one_message() {
    let mut s = open(MemoryLog::default());
    let conv = open_conversation(s.store());
    let customer = s
        .store()
        .conversation(&conv.as_str().into())
        .expect("conv")
        .customer_id
        .to_string();
    let body = format!(r#"{{"customerId":"{customer}","channel":"SMS","text":"Is it shipped?"}}"#);
    for _ in 0..3 {
        let (status, _, _) = post(&mut s, "/v1/inbound", &body, "", Some("delivery-77"));
        assert_eq!(status, 201);
    }
    assert_eq!(notes_saying(&s, &conv, "Is it shipped?"), 1);
}

#[test]
fn a_key_sent_again_with_another_body_is_refused_not_answered_unchecked() {
    let mut s = open(MemoryLog::default());
    let conv = open_conversation(s.store());
    let path = format!("/v1/conversations/{conv}/notes");
    post(&mut s, &path, r#"{"body":"The first note."}"#, "ag1", Some("k-9"));
    // An empty note under the same key: not the first result, and not accepted unchecked.
    let (status, error, replayed) = post(&mut s, &path, r#"{"body":""}"#, "ag1", Some("k-9"));
    assert_eq!((status, replayed), (422, false));
    assert_eq!(error["errors"][0]["code"], "idempotency_key_reused");
    assert_eq!(notes_saying(&s, &conv, "The first note."), 1);
}

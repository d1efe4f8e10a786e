//! Every type the app decodes from a server must survive any input without panicking: garbage
//! text, truncated documents, and structurally valid JSON with wrong types, unknown enum values or
//! missing fields. (Unknown timeline item kinds are covered in properties.rs.)

use proptest::prelude::*;
use rapport_core::query::{ConversationSummary, Counts, SearchResults};
use rapport_core::{Agent, Conversation, Customer, Inbox, Task, TimelineItem, Topic};
use serde_json::{json, Value};

fn decode_all(text: &str) {
    // Results are ignored on purpose: the property is "no panic", errors are fine.
    let _ = serde_json::from_str::<Conversation>(text);
    let _ = serde_json::from_str::<Vec<ConversationSummary>>(text);
    let _ = serde_json::from_str::<Counts>(text);
    let _ = serde_json::from_str::<SearchResults>(text);
    let _ = serde_json::from_str::<Customer>(text);
    let _ = serde_json::from_str::<Vec<TimelineItem>>(text);
    let _ = serde_json::from_str::<Vec<Task>>(text);
    let _ = serde_json::from_str::<Vec<Topic>>(text);
    let _ = serde_json::from_str::<Vec<Agent>>(text);
    let _ = serde_json::from_str::<Vec<Inbox>>(text);
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[A-Z_]{0,12}".prop_map(Value::String),
        ".{0,20}".prop_map(Value::String),
        Just(json!("2026-11-24T12:00:00Z")),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("id".to_owned()),
                    Just("status".to_owned()),
                    Just("type".to_owned()),
                    Just("content".to_owned()),
                    Just("assignee".to_owned()),
                    Just("conversation".to_owned()),
                    Just("channels".to_owned()),
                    Just("version".to_owned()),
                    "[a-zA-Z]{1,10}",
                ],
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        decode_all(&text);
    }

    #[test]
    fn arbitrary_json_never_panics(value in arb_json()) {
        decode_all(&value.to_string());
        decode_all(&json!([value]).to_string());
    }
}

/// A real server document, cut at every length: truncated bodies (a dropped connection) decode to
/// an error, never a panic.
#[test]
fn truncated_documents_never_panic() {
    let anchor = chrono::DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let store = rapport_core::seed::generate(&rapport_core::seed::SeedConfig {
        conversations: 20,
        ..rapport_core::seed::SeedConfig::demo(anchor)
    });
    let rows = rapport_core::query::list(
        &store,
        &rapport_core::query::View::Status(rapport_core::Status::Closed),
        None,
    );
    let text = serde_json::to_string(&rows).unwrap();
    for end in (0..text.len()).filter(|i| text.is_char_boundary(*i)) {
        decode_all(&text[..end]);
    }
}

#[test]
fn unknown_enum_values_are_errors_not_panics() {
    let mut conv = serde_json::to_value(json!({
        "id": "co1", "customerId": "cu1", "status": "SNOOZED",
        "assignee": { "inboxId": "support" }, "createdAt": "2026-11-24T12:00:00Z",
        "updatedAt": "2026-11-24T12:00:00Z", "version": 1, "channels": ["CARRIER_PIGEON"]
    }))
    .unwrap();
    assert!(serde_json::from_value::<Conversation>(conv.clone()).is_err());
    conv["status"] = json!("OPEN");
    conv["channels"] = json!(["SMS"]);
    assert!(
        serde_json::from_value::<Conversation>(conv).is_ok(),
        "the same document with known values decodes"
    );
}

#[test]
fn timestamps_are_rfc3339_in_any_offset_and_anything_else_is_refused() {
    let item = |ts: Value| {
        serde_json::from_value::<TimelineItem>(json!({
            "id": "it1", "customerId": "cu1", "timestamp": ts,
            "initiator": {"type": "SYSTEM"}, "content": {"type": "CONVERSATION_NOTE", "body": "x"}
        }))
    };
    let utc = item(json!("2026-01-02T03:04:05.678Z")).unwrap().timestamp;
    assert_eq!(item(json!("2026-01-02T04:04:05.678+01:00")).unwrap().timestamp, utc);
    // What the model writes reads back the same.
    let written = serde_json::to_value(item(json!("2026-01-02T03:04:05.678Z")).unwrap()).unwrap();
    assert_eq!(item(written["timestamp"].clone()).unwrap().timestamp, utc);
    for bad in [json!("2026-01-02"), json!("yesterday"), json!("")] {
        let err = item(bad.clone()).expect_err(&format!("{bad} is not a timestamp"));
        assert!(err.to_string().contains("is not an RFC 3339 timestamp"), "{err}");
    }
    for bad in [json!(1767322245), json!(null), json!(["2026-01-02T03:04:05Z"])] {
        let err = item(bad.clone()).expect_err(&format!("{bad} is not a timestamp"));
        assert!(!err.to_string().is_empty());
    }
    // Optional timestamps: missing or null is None; a bad one is still an error.
    let conv = |extra: Value| {
        let mut v = json!({
            "id": "co1", "customerId": "cu1", "status": "OPEN", "assignee": {"inboxId": "in1"},
            "createdAt": "2026-01-02T03:04:05Z", "updatedAt": "2026-01-02T03:04:05Z", "version": 1
        });
        v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        serde_json::from_value::<Conversation>(v)
    };
    assert_eq!(conv(json!({})).unwrap().closed_at, None);
    assert_eq!(conv(json!({"closedAt": null})).unwrap().closed_at, None);
    assert_eq!(
        conv(json!({"closedAt": "2026-01-02T03:04:05.678Z"})).unwrap().closed_at,
        Some(utc)
    );
    assert!(conv(json!({"closedAt": "soon"})).is_err());
}

/// Gladly's documented conversation (GET /api/v1/conversations/{id}): flat `agentId`/`inboxId`, no
/// `version` or `updatedAt`. It reads as one conversation, assigned as it says.
#[test]
fn gladlys_conversation_shape_decodes() {
    let gladly = json!({
        "id": "OOrlNMXeS72gs_WEX2TtMg",
        "customerId": "pOVVdzweSumI4bFxjlT8LA",
        "agentId": "zGaHdyzsQuWCOAzG4WxcYw",
        "inboxId": "1ed2b2d4c7d64e2caa1c0c4e7b0a3a9f",
        "customAttributes": [],
        "topicIds": ["oUJdYeRQQm2FPnnzjbMmqg"],
        "createdAt": "2019-07-09T18:44:14.617Z",
        "status": "OPEN"
    });
    let conv: Conversation = serde_json::from_value(gladly).expect("Gladly's shape decodes");
    assert_eq!(
        conv.assignee.agent_id.as_ref().map(|a| a.as_str()),
        Some("zGaHdyzsQuWCOAzG4WxcYw")
    );
    assert_eq!(conv.assignee.inbox_id.as_str(), "1ed2b2d4c7d64e2caa1c0c4e7b0a3a9f");
    assert_eq!(conv.version, 0, "no version: concurrency rests on the ETag");
    assert_eq!(conv.updated_at, conv.created_at);
    // Unassigned (no agentId) is New's shape; no inbox at all cannot be placed and is refused.
    let unassigned =
        json!({ "id": "c", "customerId": "u", "inboxId": "i", "createdAt": "2019-07-09T18:44:14Z", "status": "NEW" });
    let conv: Conversation = serde_json::from_value(unassigned).expect("decodes");
    assert_eq!(conv.assignee.agent_id, None);
    let nowhere = json!({ "id": "c", "customerId": "u", "createdAt": "2019-07-09T18:44:14Z", "status": "OPEN" });
    assert!(serde_json::from_value::<Conversation>(nowhere).is_err());
}

/// An item whose initiator lacks a field, names a type we do not know, or is missing altogether
/// shows from an unknown initiator instead of being dropped; Gladly's API and AUTOMATION are us.
#[test]
fn an_odd_initiator_keeps_the_item() {
    use rapport_core::Initiator;
    let item = |initiator: Option<Value>| {
        let mut v = json!({
            "id": "it1", "customerId": "cu1", "timestamp": "2026-11-24T12:00:00Z",
            "content": { "type": "CONVERSATION_NOTE", "body": "hello" }
        });
        if let Some(i) = initiator {
            v["initiator"] = i;
        }
        serde_json::from_value::<TimelineItem>(v).map(|i| i.initiator)
    };
    assert_eq!(item(Some(json!({ "type": "AGENT" }))).ok(), Some(Initiator::Unknown));
    assert_eq!(
        item(Some(json!({ "type": "AGENT", "id": 7 }))).ok(),
        Some(Initiator::Unknown)
    );
    assert_eq!(
        item(Some(json!({ "type": "EXTERNAL", "id": "x" }))).ok(),
        Some(Initiator::Unknown)
    );
    assert_eq!(item(None).ok(), Some(Initiator::Unknown));
    assert_eq!(
        item(Some(json!({ "type": "AUTOMATION" }))).ok(),
        Some(Initiator::System)
    );
    assert_eq!(
        item(Some(json!({ "type": "API", "id": "integration" }))).ok(),
        Some(Initiator::System)
    );
    assert_eq!(
        item(Some(json!({ "type": "AGENT", "id": "ag1" }))).ok(),
        Some(Initiator::agent(&"ag1".into()))
    );
    assert_eq!(
        item(Some(json!({ "type": "CUSTOMER", "id": "cu1" }))).ok(),
        Some(Initiator::Customer)
    );
}

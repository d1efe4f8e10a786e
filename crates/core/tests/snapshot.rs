//! An organisation given as data: what it must satisfy, and that the rules run on it as on a seed.

use chrono::{TimeZone, Utc};
use rapport_core::snapshot::Snapshot;
use rapport_core::{cmd, invariants, Command, NewCustomer, Outcome};

fn snapshot(extra_conversation: Option<&str>) -> Snapshot {
    let mut conversations = vec![serde_json::json!({
        "id": "co1", "customerId": "cu1", "status": "CLOSED", "closedAt": "2026-11-01T10:00:00Z",
        "assignee": { "inboxId": "support", "agentId": "ag1" },
        "createdAt": "2026-11-01T09:00:00Z", "updatedAt": "2026-11-01T10:00:00Z", "version": 4
    })];
    if let Some(status) = extra_conversation {
        conversations.push(serde_json::json!({
            "id": "co2", "customerId": "cu9", "status": status,
            "assignee": { "inboxId": "support" },
            "createdAt": "2026-11-01T09:00:00Z", "updatedAt": "2026-11-01T10:00:00Z", "version": 1
        }));
    }
    serde_json::from_value(serde_json::json!({
        "agents": [{ "id": "ag1", "name": "Ava Thompson", "emailAddress": "ava@trial.example" }],
        "inboxes": [{ "id": "support", "name": "Support", "agentIds": ["ag1"], "reopenWindowHours": 24 }],
        "customers": [{ "id": "cu1", "name": "Olivia Bennett", "createdAt": "2026-01-01T00:00:00Z" }],
        "conversations": conversations,
        "timeline": { "cu1": [
            { "id": "it3", "customerId": "cu1", "conversationId": "co1", "timestamp": "2026-11-01T09:30:00Z",
              "content": { "type": "SMS", "content": "later", "direction": "INBOUND" } },
            { "id": "it2", "customerId": "cu1", "conversationId": "co1", "timestamp": "2026-11-01T09:00:00Z",
              "content": { "type": "SMS", "content": "first", "direction": "INBOUND" } }
        ] }
    }))
    .expect("the organisation decodes")
}

#[test]
fn a_sound_organisation_becomes_a_store_with_its_timelines_in_time_order() {
    let store = snapshot(None).into_store().expect("sound");
    let texts: Vec<_> = store
        .timeline(&"cu1".into())
        .iter()
        .filter_map(|i| i.content.text())
        .collect();
    assert_eq!(texts, ["first", "later"]);
    assert!(invariants::structural(&store).is_empty());
}

#[test]
fn ids_made_after_it_never_collide_with_its_own() {
    let mut store = snapshot(None).into_store().expect("sound");
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    let created = store.apply(
        now,
        &Command::CreateCustomer(cmd::CreateCustomer {
            customer: NewCustomer {
                name: "Marcus Lee".into(),
                emails: vec![],
                phones: vec![],
                handles: vec![],
                address: None,
                custom_attributes: Default::default(),
            },
        }),
    );
    let Ok(Outcome::Customer { customer_id }) = created else {
        panic!("a customer is created: {created:?}");
    };
    assert_ne!(customer_id.as_str(), "cu1");
}

#[test]
fn a_broken_organisation_is_refused_with_every_reason() {
    let problems = snapshot(Some("OPEN")).into_store().expect_err("refused");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("co2: belongs to a missing customer")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("co2: Open without an agent")),
        "{problems:?}"
    );

    let mut twice = snapshot(None);
    twice.customers.push(twice.customers[0].clone());
    let problems = twice.into_store().expect_err("refused");
    assert!(
        problems.iter().any(|p| p.contains("two customers have the id cu1")),
        "{problems:?}"
    );

    let mut stranger = snapshot(None);
    stranger.inboxes[0].agent_ids.push("ag404".into());
    let problems = stranger.into_store().expect_err("refused");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("inbox support: unknown agent ag404")),
        "{problems:?}"
    );
}

//! The demo's save: what a browser keeps, and what comes back from it.

mod common;

use chrono::Duration;
use common::{now, open_conversation};
use rapport_service::demo::{self, DemoSize};
use rapport_service::{Method, Request};
use serde_json::json;

const SMALL: Option<DemoSize> = Some(DemoSize {
    conversations: 60,
    heavy_customer_items: None,
});

#[test]
fn nothing_saved_means_a_fresh_seed_that_asks_to_be_saved() {
    let mut opened = demo::open(None, SMALL, now());
    assert_eq!(opened.notice, None);
    assert!(opened.service.store().conversations().count() >= 60);
    let text = opened
        .service
        .storage_mut()
        .take_save()
        .expect("a fresh seed is saved at once");
    assert!(opened.service.storage_mut().take_save().is_none(), "and only once");
    let again = demo::open(Some(&text), SMALL, now());
    assert_eq!(again.notice, None);
    assert_eq!(again.service.store(), opened.service.store());
}

#[test]
fn a_save_replays_writes_and_the_clock() {
    let mut opened = demo::open(None, SMALL, now());
    let _ = opened.service.storage_mut().take_save();
    let conv = open_conversation(opened.service.store());
    let note = Request::new(Method::Post, &format!("/v1/conversations/{conv}/notes"))
        .with_header("x-agent-id", "ag1")
        .with_json(json!({ "body": "kept" }).to_string());
    assert_eq!(opened.service.handle(now(), &note).response.status, 201);
    let clock = Request::new(Method::Post, "/v1/sandbox/clock").with_json(r#"{"advanceMs":7200000}"#);
    assert_eq!(opened.service.handle(now(), &clock).response.status, 200);
    let text = opened
        .service
        .storage_mut()
        .take_save()
        .expect("the writes made it dirty");
    let reopened = demo::open(Some(&text), SMALL, now());
    assert_eq!(reopened.notice, None);
    assert_eq!(reopened.service.store(), opened.service.store());
    assert_eq!(reopened.service.clock_offset(), Duration::hours(2));
    assert_eq!(reopened.service.commands_applied(), 1);
}

#[test]
fn corrupt_outdated_and_tampered_saves_start_again_with_a_reason() {
    let cases = [
        ("{ not json", demo::UNREADABLE),
        (r#"{"format":0,"generator":1}"#, demo::OUTDATED),
        (r#"{"format":2,"generator":99}"#, demo::OUTDATED),
        ("[1,2,3]", demo::UNREADABLE),
        (
            r#"{"format":2,"generator":1,"seed":2026,"conversations":60,"anchor":"2026-11-24T12:00:00Z","last":1,
               "log":[{"seq":1,"at":"2026-11-24T12:00:00Z","entry":"{\"command\":\"SET_STATUS\",\"conversationId\":\"nope\",\"status\":\"CLOSED\",\"actor\":{\"type\":\"SYSTEM\"}}"}]}"#,
            demo::UNREADABLE,
        ),
    ];
    for (text, reason) in cases {
        let mut opened = demo::open(Some(text), None, now());
        assert_eq!(opened.notice.as_deref(), Some(reason), "for {text}");
        assert!(
            opened.service.store().conversations().count() > 0,
            "a fresh seed replaces it"
        );
        assert!(
            opened.service.storage_mut().take_save().is_some(),
            "and is saved over it"
        );
    }
}

#[test]
fn a_format_1_save_is_carried_over_with_its_commands_and_clock() {
    let fresh = demo::open(None, SMALL, now());
    let conv = open_conversation(fresh.service.store());
    let old = json!({
        "format": 1, "generator": 1, "seed": 2026, "conversations": 60,
        "anchor": "2026-11-30T12:00:00Z", "clockOffsetMs": 3_600_000,
        "log": [{ "at": "2026-11-30T12:00:00Z", "command": {
            "command": "ADD_NOTE", "conversationId": conv, "agentId": "ag1", "body": "from format 1" } }]
    });
    let mut opened = demo::open(Some(&old.to_string()), SMALL, now());
    assert_eq!(opened.notice, None, "carried over, not replaced");
    assert_eq!(opened.service.clock_offset(), Duration::hours(1));
    assert_eq!(opened.service.commands_applied(), 1);
    let text = opened
        .service
        .storage_mut()
        .take_save()
        .expect("rewritten in today's format");
    assert!(text.contains("\"format\":2"), "{text}");
    let again = demo::open(Some(&text), SMALL, now());
    assert_eq!(again.service.store(), opened.service.store());
}

#[test]
fn a_save_of_another_size_gives_way_to_the_size_asked_for() {
    let mut small = demo::open(None, SMALL, now());
    let text = small.service.storage_mut().take_save().expect("saved");
    let bigger = Some(DemoSize {
        conversations: 90,
        heavy_customer_items: None,
    });
    let opened = demo::open(Some(&text), bigger, now());
    assert_eq!(opened.notice, None, "a chosen size is no failure");
    assert!(opened.service.store().conversations().count() >= 90);
    // Without a size asked for, the save is used as it is.
    assert!(
        demo::open(Some(&text), None, now())
            .service
            .store()
            .conversations()
            .count()
            < 90
    );
}

#[test]
fn size_from_query() {
    assert_eq!(DemoSize::from_query(""), None);
    assert_eq!(
        DemoSize::from_query("?demo-conversations=10000&demo-heavy=5000"),
        Some(DemoSize {
            conversations: 10_000,
            heavy_customer_items: Some(5_000)
        })
    );
    assert_eq!(
        DemoSize::from_query("?demo-heavy=200").map(|z| z.conversations),
        Some(1_000)
    );
    assert_eq!(DemoSize::from_query("?demo-conversations=0"), None);
    assert_eq!(DemoSize::from_query("?demo-conversations=9999999"), None);
}

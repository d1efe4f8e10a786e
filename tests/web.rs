//! Component tests in headless Chromium: the real app on the demo backend, and the demo store's
//! persistence. Run with `make test` (or `cargo test --target wasm32-unknown-unknown`).
#![cfg(all(target_arch = "wasm32", feature = "inline-demo"))]

use chrono::Duration;
use rapport::api::{storage, Backend, DemoBackend, DEMO_KEY};
use rapport::App;
use rapport_core::{cmd, Actor, AgentId, Assignee, Command, InboxId, Status};
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

mod common;

use common::{eventually, host, run, sandbox};

wasm_bindgen_test_configure!(run_in_browser);

fn count(host: &HtmlElement, selector: &str) -> u32 {
    host.query_selector_all(selector).unwrap().length()
}

#[wasm_bindgen_test]
async fn app_mounts_and_shows_the_seeded_inbox() {
    storage::remove(DEMO_KEY);
    let host = host();
    let _app = leptos::mount::mount_to(host.clone(), App);
    assert!(
        eventually(|| count(&host, "[data-testid=conversation-row]") >= 1).await,
        "no conversation rows rendered"
    );
    // The count beside the current view matches the rows listed.
    let rows = count(&host, "[data-testid=conversation-row]");
    let current = host
        .query_selector("nav [aria-current] .count")
        .unwrap()
        .expect("the current view is marked in the navigation");
    assert!(
        eventually(|| current.text_content().unwrap_or_default() == rows.to_string()).await,
        "nav count {:?} != {rows} rows",
        current.text_content()
    );
    // Every row names a customer and shows a status.
    let first = host.query_selector("[data-testid=conversation-row]").unwrap().unwrap();
    assert!(first
        .query_selector(".customer-name")
        .unwrap()
        .unwrap()
        .text_content()
        .is_some_and(|t| !t.is_empty()));
    assert!(first.query_selector(".status-pill").unwrap().is_some());
    host.remove();
}

#[wasm_bindgen_test]
async fn app_tells_the_agent_when_saved_demo_data_was_unreadable() {
    storage::set(DEMO_KEY, "{ this is not json").unwrap();
    let host = host();
    let _app = leptos::mount::mount_to(host.clone(), App);
    assert!(
        eventually(|| host.query_selector(".banner").unwrap().is_some()).await,
        "no banner"
    );
    let text = host
        .query_selector(".banner")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap_or_default();
    assert!(text.contains("could not be read"), "banner says: {text}");
    // And the app still works, on a fresh seed.
    assert!(eventually(|| count(&host, "[data-testid=conversation-row]") >= 1).await);
    host.remove();
}

async fn assign(demo: &DemoBackend, conv: &rapport_core::ConversationId, inbox: InboxId, agent: &AgentId) {
    let assignee = Assignee {
        inbox_id: inbox,
        agent_id: Some(agent.clone()),
    };
    let command = Command::Assign(cmd::Assign {
        conversation_id: conv.clone(),
        expected_version: None,
        assignee,
        actor: Actor::agent(agent),
    });
    run(demo, command).await;
}

/// A new conversation and an agent of its inbox, from the seed.
fn new_conversation(demo: &DemoBackend) -> (rapport_core::ConversationId, InboxId, AgentId) {
    demo.read(|s| {
        let conv = s
            .conversations()
            .find(|c| c.status == Status::New)
            .expect("the seed has new conversations")
            .clone();
        let agent = s.inbox(&conv.assignee.inbox_id).unwrap().agent_ids[0].clone();
        (conv.id, conv.assignee.inbox_id, agent)
    })
}

#[wasm_bindgen_test]
async fn demo_store_persists_and_reloads() {
    let key = "rapport.test.persist";
    storage::remove(key);
    let demo = DemoBackend::open(key);
    assert_eq!(demo.take_notice(), None);
    let (conv, inbox, agent) = new_conversation(&demo);
    assign(&demo, &conv, inbox, &agent).await;
    Backend::demo(demo.clone())
        .advance_clock(Duration::hours(30))
        .await
        .expect("the demo moves its clock");

    let reloaded = DemoBackend::open(key);
    assert_eq!(reloaded.take_notice(), None);
    assert_eq!(sandbox(&reloaded).await.changes, 1);
    assert_eq!(reloaded.clock_offset_ms(), Duration::hours(30).num_milliseconds());
    let after = reloaded.read(|s| s.conversation(&conv).unwrap().clone());
    assert_eq!(after.status, Status::Open);
    assert_eq!(after.assignee.agent_id, Some(agent));
    // The whole store, not just one conversation, comes back the same.
    assert!(demo.read(|a| reloaded.read(|b| a == b)));
    storage::remove(key);
}

#[wasm_bindgen_test]
async fn demo_reset_returns_to_the_seed() {
    let key = "rapport.test.reset";
    storage::remove(key);
    let demo = DemoBackend::open(key);
    let (conv, inbox, agent) = new_conversation(&demo);
    assign(&demo, &conv, inbox, &agent).await;
    assert_eq!(sandbox(&demo).await.changes, 1);
    Backend::demo(demo.clone()).reset().await.expect("the demo resets");
    assert_eq!(sandbox(&demo).await.changes, 0);
    assert_eq!(demo.read(|s| s.conversation(&conv).unwrap().status), Status::New);
    assert_eq!(sandbox(&DemoBackend::open(key)).await.changes, 0);
    storage::remove(key);
}

#[wasm_bindgen_test]
fn corrupt_outdated_and_tampered_saves_recover_with_a_message() {
    let key = "rapport.test.recover";
    let cases = [
        ("{ not json", "could not be read"),
        (r#"{"format":0,"generator":1}"#, "older version"),
        (r#"[1,2,3]"#, "could not be read"),
        // Right shape, but its log names a conversation the seed never had: it cannot replay.
        (
            r#"{"format":1,"generator":1,"seed":2026,"conversations":1000,"anchor":"2026-11-24T12:00:00Z","clockOffsetMs":0,
               "log":[{"at":"2026-11-24T12:00:00Z","command":{"command":"SET_STATUS","conversationId":"nope","status":"CLOSED","actor":{"type":"SYSTEM"}}}]}"#,
            "could not be read",
        ),
    ];
    for (saved, expected) in cases {
        storage::set(key, saved).unwrap();
        let demo = DemoBackend::open(key);
        let notice = demo.take_notice().unwrap_or_default();
        assert!(notice.contains(expected), "for {saved:?} the notice was {notice:?}");
        assert!(demo.read(|s| s.conversations().count()) > 0, "a fresh seed replaces it");
        // The replacement was saved: the next load is clean.
        assert_eq!(DemoBackend::open(key).take_notice(), None);
    }
    storage::remove(key);
}

#[wasm_bindgen_test]
async fn a_full_storage_keeps_working_in_memory_and_says_so() {
    let key = "rapport.test.full";
    storage::remove(key);
    // Fill this origin's storage until the browser refuses (about 5 MB in Chromium).
    let chunk = "x".repeat(256 * 1024);
    let mut fillers = Vec::new();
    for i in 0..200 {
        let k = format!("rapport.test.filler.{i}");
        if storage::set(&k, &chunk).is_err() {
            break;
        }
        fillers.push(k);
    }
    for size in [4096, 256, 16, 1] {
        let small = "y".repeat(size);
        while storage::set(&format!("rapport.test.filler.{}", fillers.len()), &small).is_ok() {
            fillers.push(format!("rapport.test.filler.{}", fillers.len()));
        }
    }
    let demo = DemoBackend::open(key);
    let notice = demo.take_notice().unwrap_or_default();
    // Free the space before asserting, so a failure does not poison the other tests.
    for k in &fillers {
        storage::remove(k);
    }
    assert!(notice.contains("full"), "notice: {notice:?}");
    // The demo still works in this tab.
    let (conv, inbox, agent) = new_conversation(&demo);
    assign(&demo, &conv, inbox, &agent).await;
    assert_eq!(demo.read(|s| s.conversation(&conv).unwrap().status), Status::Open);
    storage::remove(key);
}

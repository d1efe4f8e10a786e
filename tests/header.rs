//! The conversation header in headless Chromium: the status control offers exactly the allowed
//! transitions, and a refused change rolls back visibly instead of silently overwriting.
#![cfg(all(target_arch = "wasm32", feature = "inline-demo"))]

use leptos::prelude::*;
use rapport::api::{storage, Api, Backend, DemoBackend};
use rapport::App;
use rapport_core::{cmd, Actor, Command, Conversation, Status};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

mod common;

use common::{eventually, host};

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts the app on `demo`, showing `conv`'s customer.
fn mount(demo: &DemoBackend, conv: &Conversation) -> (HtmlElement, UnmountHandle<impl Mountable>) {
    let window = web_sys::window().unwrap();
    let url = format!("/inbox/mine/{}", conv.customer_id);
    window
        .history()
        .unwrap()
        .push_state_with_url(&JsValue::NULL, "", Some(&url))
        .unwrap();
    let host = host();
    let backend = Backend::demo(demo.clone());
    let handle = leptos::mount::mount_to(host.clone(), move || {
        Api::new(backend).provide();
        view! { <App/> }
    });
    (host, handle)
}

fn button(host: &HtmlElement, status: &str) -> Option<Element> {
    host.query_selector(&format!("button[data-status={status}]")).unwrap()
}

fn pressed(host: &HtmlElement) -> Option<String> {
    host.query_selector("button[data-status][aria-pressed=true]")
        .unwrap()
        .and_then(|b| b.get_attribute("data-status"))
}

fn enabled(host: &HtmlElement) -> Vec<String> {
    ["New", "Open", "Waiting", "Closed"]
        .into_iter()
        .filter(|s| button(host, s).is_some_and(|b| !b.has_attribute("disabled")))
        .map(str::to_owned)
        .collect()
}

/// A conversation of the current agent (ag1) in `status`, whose customer has no other open one.
fn find(demo: &DemoBackend, status: Status) -> Conversation {
    demo.read(|s| {
        s.conversations()
            .filter(|c| c.status == status)
            .filter(|c| {
                s.inbox(&c.assignee.inbox_id)
                    .is_ok_and(|i| i.agent_ids.contains(&"ag1".into()))
            })
            .find(|c| s.conversations_of(&c.customer_id).last().map(|l| &l.id) == Some(&c.id))
            .cloned()
            .expect("the seed has one")
    })
}

#[wasm_bindgen_test]
async fn status_control_offers_only_allowed_transitions() {
    let key = "rapport.test.header.allowed";
    storage::remove(key);
    let demo = DemoBackend::open(key);
    // (status, buttons enabled): the current one plus the legal targets for an agent of the inbox.
    let cases = [
        (Status::New, vec!["New", "Closed"]),
        (Status::Open, vec!["Open", "Waiting", "Closed"]),
        (Status::Waiting, vec!["Open", "Waiting", "Closed"]),
        (Status::Closed, vec!["Open", "Closed"]),
    ];
    for (status, want) in cases {
        let conv = find(&demo, status);
        let (host, handle) = mount(&demo, &conv);
        assert!(
            eventually(|| pressed(&host).as_deref() == Some(status.label())).await,
            "{status:?} not shown as pressed: {}",
            host.inner_html().chars().take(3000).collect::<String>()
        );
        assert_eq!(enabled(&host), want, "for a {status:?} conversation");
        drop(handle);
        host.remove();
    }
    storage::remove(key);
}

#[wasm_bindgen_test]
async fn a_refused_change_rolls_back_and_shows_the_latest_state() {
    let key = "rapport.test.header.rollback";
    storage::remove(key);
    let demo = DemoBackend::open(key);
    let conv = find(&demo, Status::Open);
    let (host, _handle) = mount(&demo, &conv);
    assert!(eventually(|| pressed(&host).as_deref() == Some("Open")).await);

    // Another agent closes it meanwhile; this page has not heard of it yet.
    let version = demo.read(|s| s.conversation(&conv.id).unwrap().version);
    let owner = conv
        .assignee
        .agent_id
        .clone()
        .expect("an open conversation has an owner");
    common::run(
        &demo,
        Command::SetTopics(cmd::SetTopics {
            conversation_id: conv.id.clone(),
            expected_version: Some(version),
            topic_ids: vec!["compliment".into()],
            actor: Actor::agent(&owner),
        }),
    )
    .await;
    common::run(
        &demo,
        Command::SetStatus(cmd::SetStatus {
            conversation_id: conv.id.clone(),
            expected_version: None,
            status: Status::Closed,
            actor: Actor::agent(&owner),
        }),
    )
    .await;
    assert_eq!(
        pressed(&host).as_deref(),
        Some("Open"),
        "the page still shows what it loaded"
    );

    // The agent sets Waiting: shown at once, then refused as a conflict.
    button(&host, "Waiting")
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
    assert!(
        eventually(|| host.query_selector(".toast.error").unwrap().is_some()).await,
        "no error shown"
    );
    let message = host
        .query_selector(".toast.error")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap_or_default();
    assert!(message.contains("changed this conversation"), "message: {message}");
    // Nothing was overwritten, and the page now shows the real state.
    assert_eq!(demo.read(|s| s.conversation(&conv.id).unwrap().status), Status::Closed);
    assert!(
        eventually(|| pressed(&host).as_deref() == Some("Closed")).await,
        "page shows {:?}",
        pressed(&host)
    );
    host.remove();
    storage::remove(key);
}

#[wasm_bindgen_test]
async fn a_status_change_offers_undo() {
    let key = "rapport.test.header.undo";
    storage::remove(key);
    let demo = DemoBackend::open(key);
    let conv = find(&demo, Status::Open);
    let (host, _handle) = mount(&demo, &conv);
    assert!(eventually(|| pressed(&host).as_deref() == Some("Open")).await);
    button(&host, "Waiting")
        .unwrap()
        .unchecked_into::<HtmlElement>()
        .click();
    assert!(eventually(|| demo.read(|s| s.conversation(&conv.id).unwrap().status) == Status::Waiting).await);
    let undo = || {
        host.query_selector(".toast button.btn-link")
            .unwrap()
            .filter(|b| b.text_content().as_deref() == Some("Undo"))
    };
    assert!(eventually(|| undo().is_some()).await, "no Undo offered");
    undo().unwrap().unchecked_into::<HtmlElement>().click();
    assert!(
        eventually(|| demo.read(|s| s.conversation(&conv.id).unwrap().status) == Status::Open).await,
        "undo did not restore Open"
    );
    assert!(eventually(|| pressed(&host).as_deref() == Some("Open")).await);
    host.remove();
    storage::remove(key);
}

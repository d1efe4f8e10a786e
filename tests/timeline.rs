//! The virtualized timeline in headless Chromium, on a customer with a long history: only a
//! window of rows is in the DOM, it opens at the newest item, earlier pages load as the agent
//! scrolls up without moving what is in view, a refresh adds just the new row, folding works, and
//! jumping to the oldest conversation reads back to it and brings it into view.
#![cfg(all(target_arch = "wasm32", feature = "inline-demo"))]

use leptos::prelude::*;
use rapport::api::{storage, Api, Backend, DemoBackend, DemoSize};
use rapport::App;
use rapport_core::{cmd, Actor, Command, CustomerId, Status};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlSelectElement};

mod common;

use common::{eventually, host};

wasm_bindgen_test_configure!(run_in_browser);

fn attr(el: &web_sys::Element, name: &str) -> String {
    el.get_attribute(name).unwrap_or_default()
}

#[wasm_bindgen_test]
async fn a_long_history_renders_a_window_and_follows_changes() {
    let key = "rapport.test.timeline";
    storage::remove(key);
    let demo = DemoBackend::open_sized(
        key,
        Some(DemoSize {
            conversations: 40,
            heavy_customer_items: Some(1_500),
        }),
    );
    let morgan: CustomerId = demo.read(|s| {
        s.customers()
            .find(|c| c.name == "Morgan Longhistory")
            .map(|c| c.id.clone())
            .expect("the heavy customer is seeded")
    });
    let total = demo.read(|s| s.timeline(&morgan).len());
    assert!(total >= 1_500);
    let window = web_sys::window().unwrap();
    window
        .history()
        .unwrap()
        .push_state_with_url(&JsValue::NULL, "", Some(&format!("/customers/{morgan}")))
        .unwrap();
    let host = host();
    // The app's own stylesheet, so the timeline scrolls inside its pane as it does in the app.
    let style = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .create_element("style")
        .unwrap();
    style.set_text_content(Some(include_str!("../style/app.css")));
    host.append_child(&style).unwrap();
    host.style().set_property("height", "700px").unwrap();
    host.style().set_property("display", "flex").unwrap();
    let api = Api::new(Backend::demo(demo.clone()));
    let _app = leptos::mount::mount_to(host.clone(), move || {
        api.provide();
        view! { <App/> }
    });
    let timeline = || host.query_selector("[data-testid=timeline]").unwrap();
    let newest = |n: usize| {
        timeline().and_then(|t| {
            t.query_selector(&format!("[data-testid=timeline-item][aria-posinset=\"{n}\"]"))
                .unwrap()
        })
    };
    assert!(
        eventually(|| newest(total).is_some()).await,
        "the newest item is rendered"
    );
    let tl = timeline().unwrap();
    assert_eq!(attr(&tl, "data-items"), total.to_string());
    let rendered = tl.query_selector_all("[data-testid=timeline-item]").unwrap().length();
    assert!(rendered > 0 && rendered < 200, "{rendered} of {total} items in the DOM");

    // Only the newest page was read. Scrolling to its top reads the page before, once, and the
    // rows that were in sight stay in sight.
    let more = || {
        host.query_selector("[data-testid=load-earlier]")
            .unwrap()
            .and_then(|b| b.text_content())
            .unwrap_or_default()
    };
    let page = rapport::api::TIMELINE_PAGE;
    assert_eq!(more(), format!("Show earlier history ({} more)", total - page));
    // Rows are measured for a few frames after opening; the agent scrolls after that.
    common::sleep(300).await;
    tl.set_scroll_top(0);
    assert!(
        eventually(|| more() == format!("Show earlier history ({} more)", total - 2 * page)).await,
        "scrolling to the top reads one earlier page: {:?} / {:?} scrollTop {}",
        more(),
        host.query_selector("[data-testid=timeline-tools]")
            .unwrap()
            .and_then(|t| t.text_content()),
        tl.scroll_top()
    );
    // Moved down by the new page's rows (a few hundred px of mostly folded chapters; at the
    // top, 0, it would show the new page instead); which row is kept is checked below.
    assert!(
        eventually(|| tl.scroll_top() > 200).await,
        "the view stays on the rows it showed, below the new page (scrollTop {})",
        tl.scroll_top()
    );
    // The row that was at the top: the first page's first row, or the row after its head when
    // that head's conversation started earlier (its head moves up to the new page).
    let kept = demo.read(|s| {
        let items = &s.timeline(&morgan)[total - page..];
        let row_key = |i: &rapport_core::TimelineItem| match i.conversation_id {
            Some(_) => format!("h{}", i.id),
            None => i.id.to_string(),
        };
        match &items[0].conversation_id {
            None => items[0].id.to_string(),
            Some(c) => items
                .iter()
                .find(|i| i.conversation_id.as_ref() != Some(c))
                .map(row_key)
                .expect("more than one chapter in a page"),
        }
    });
    let in_view = |key: &str| {
        let view = tl.get_bounding_client_rect();
        tl.query_selector(&format!("[data-size-key=\"{key}\"]"))
            .unwrap()
            .is_some_and(|row| {
                let r = row.get_bounding_client_rect();
                r.bottom() > view.top() && r.top() < view.bottom()
            })
    };
    assert!(
        eventually(|| in_view(&kept)).await,
        "the row that was at the top ({kept}) is still in view"
    );
    tl.set_scroll_top(tl.scroll_height());
    assert!(
        eventually(|| newest(total).is_some()).await,
        "back at the bottom, the newest item is rendered again"
    );

    // A status change: the page updates in place, with one more item at the bottom; rows that
    // did not change are the same DOM nodes as before.
    let conv = demo.read(|s| s.conversations_of(&morgan).last().cloned()).unwrap();
    let kept = newest(total - 1).expect("the item before the newest is rendered");
    api.execute(Command::SetStatus(cmd::SetStatus {
        conversation_id: conv.id.clone(),
        expected_version: None,
        status: if conv.status == Status::Closed {
            Status::Open
        } else {
            Status::Waiting
        },
        actor: Actor::agent(&"ag1".into()),
    }))
    .await
    .unwrap();
    assert!(
        eventually(|| newest(total + 1).is_some()).await,
        "the change's own item appears at the bottom"
    );
    assert_eq!(attr(&timeline().unwrap(), "data-items"), (total + 1).to_string());
    assert!(kept.is_connected(), "an unchanged row is kept, not rebuilt");

    // Fold the last chapter and unfold it again.
    let head = || {
        let heads = tl.query_selector_all("[data-testid=chapter]").unwrap();
        heads
            .item(heads.length() - 1)
            .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
    };
    let open_before = attr(&head().unwrap(), "data-open");
    head()
        .unwrap()
        .query_selector("button")
        .unwrap()
        .unwrap()
        .unchecked_ref::<HtmlElement>()
        .click();
    assert!(
        eventually(|| head().is_some_and(|h| attr(&h, "data-open") != open_before)).await,
        "the chapter folds"
    );

    // Jump to the oldest conversation: its head comes to the top, unfolded.
    let select = host
        .query_selector("[data-testid=jump-conversation]")
        .unwrap()
        .unwrap()
        .unchecked_into::<HtmlSelectElement>();
    select.focus().unwrap();
    assert!(
        eventually(|| select.length() > 2).await,
        "the jump list fills when focused"
    );
    let oldest = select
        .item(select.length() - 1)
        .unwrap()
        .get_attribute("value")
        .unwrap();
    select.set_value(&oldest);
    select.dispatch_event(&web_sys::Event::new("change").unwrap()).unwrap();
    assert!(
        eventually(|| newest(1).is_some()).await,
        "the first item is rendered after jumping to the oldest conversation"
    );
    assert!(newest(total + 1).is_none(), "the newest item left the DOM");
    host.remove();
}

//! The scenario suite: writes show up, stale versions change nothing, a PATCH is all or nothing,
//! inbound routing, views read as ids then rows, malformed requests named. It runs against the
//! reference server over HTTP and, under e2e/worker-bridge.mjs, against the demo's service in its
//! Web Worker (see `TestServer::start`): one contract, both transports. What only the HTTP shell
//! does (restarts, the event stream, CORS, the token) is in shell.rs.

mod common;

use common::{add_note, first_in, get, request, temp_db, TestServer, AGENT};
use serde_json::{json, Value};

#[test]
fn a_write_then_a_read_shows_it() {
    let server = TestServer::start(&temp_db("write-read"), None);
    let (conv, customer) = first_in(&server, "new");
    let before = get(&server, &format!("/api/v1/conversations/{conv}"));
    assert_eq!(before["status"], "NEW");

    let body = json!({"assignee": {"inboxId": before["inboxId"], "agentId": "ag2"}}).to_string();
    let inbox = before["inboxId"].as_str().unwrap();
    let agent_in_inbox = get(&server, "/api/v1/inboxes")
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == inbox)
        .unwrap()["agentIds"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let body = body.replace("ag2", &agent_in_inbox);
    let r = request(
        "PATCH",
        &server.url(&format!("/api/v1/conversations/{conv}")),
        &[AGENT],
        Some(&body),
    );
    assert_eq!(r.status, 200, "{}", r.text);

    let after = get(&server, &format!("/api/v1/conversations/{conv}"));
    assert_eq!(after["status"], "OPEN");
    assert_eq!(after["agentId"], agent_in_inbox.as_str());
    assert_eq!(after["version"].as_u64(), before["version"].as_u64().map(|v| v + 1));
    let items = get(&server, &format!("/api/v1/conversations/{conv}/items"));
    let last_assignment = items
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|i| i["content"]["type"] == "ASSIGNMENT_CHANGE")
        .unwrap();
    assert_eq!(last_assignment["content"]["agentId"], agent_in_inbox.as_str());
    assert_eq!(last_assignment["initiator"], json!({"type": "AGENT", "id": "ag1"}));

    assert_eq!(add_note(&server, &conv, "Checked the order."), 201);
    let timeline = get(&server, &format!("/api/v1/customers/{customer}/timeline?limit=1"));
    assert_eq!(timeline["items"][0]["content"]["body"], "Checked the order.");
}

#[test]
fn a_stale_if_match_is_refused_and_changes_nothing() {
    let server = TestServer::start(&temp_db("if-match"), None);
    let (conv, customer) = first_in(&server, "open");
    let path = format!("/api/v1/conversations/{conv}");
    let r = request("GET", &server.url(&path), &[], None);
    let etag = r.header("etag").unwrap().to_owned();
    let before = r.json();
    let timeline_before = get(&server, &format!("/api/v1/customers/{customer}/timeline"));

    // Someone else changes it.
    assert_eq!(add_note(&server, &conv, "meanwhile"), 201);
    let current = get(&server, &path);
    assert_ne!(current["version"], before["version"]);

    for (method, suffix, body) in [
        ("PATCH", "", r#"{"status":{"value":"WAITING"}}"#),
        ("PUT", "/topics", r#"{"topicIds":[]}"#),
        ("POST", "/topics", r#"{"topicIds":["refund"]}"#),
        ("POST", "/notes", r#"{"body":"late"}"#),
        ("POST", "/replies", r#"{"channel":"EMAIL","body":"late"}"#),
    ] {
        let r = request(
            method,
            &server.url(&format!("{path}{suffix}")),
            &[AGENT, ("If-Match", &etag)],
            Some(body),
        );
        assert_eq!(r.status, 409, "{method} {suffix}: {}", r.text);
        assert_eq!(r.error_code(), "conflict");
    }
    assert_eq!(get(&server, &path), current, "nothing changed");
    let timeline_after = get(&server, &format!("/api/v1/customers/{customer}/timeline"));
    assert_eq!(
        timeline_after["items"].as_array().unwrap().len(),
        timeline_before["items"].as_array().unwrap().len() + 1,
        "only the one note was added"
    );

    // The current ETag works.
    let fresh = request("GET", &server.url(&path), &[], None)
        .header("etag")
        .unwrap()
        .to_owned();
    let r = request(
        "PATCH",
        &server.url(&path),
        &[AGENT, ("If-Match", &fresh)],
        Some(r#"{"status":{"value":"WAITING"}}"#),
    );
    assert_eq!(r.status, 200, "{}", r.text);
}

#[test]
fn patch_with_assignee_and_status_is_all_or_nothing() {
    let server = TestServer::start(&temp_db("patch-both"), None);
    // A NEW conversation in an inbox that requires topics: assigning works, closing does not.
    let inboxes = get(&server, "/api/v1/inboxes");
    let page = get(&server, "/api/v1/conversations?view=new&limit=500");
    let (conv, inbox) = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["conversation"])
        .find_map(|c| {
            let inbox = inboxes
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["id"] == c["assignee"]["inboxId"] && i["topicsRequiredToClose"] == true)?;
            Some((c["id"].as_str().unwrap().to_owned(), inbox.clone()))
        })
        .expect("a NEW conversation in a topics-required inbox");
    let path = format!("/api/v1/conversations/{conv}");
    let before = get(&server, &path);
    let body = json!({"assignee": {"inboxId": inbox["id"], "agentId": inbox["agentIds"][0]},
                      "status": {"value": "CLOSED"}})
    .to_string();
    let r = request("PATCH", &server.url(&path), &[AGENT], Some(&body));
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.error_code(), "topics_required");
    assert_eq!(get(&server, &path), before, "the assignee change was not kept either");

    let body = json!({"assignee": {"inboxId": inbox["id"], "agentId": inbox["agentIds"][0]},
                      "status": {"value": "WAITING"}})
    .to_string();
    let r = request("PATCH", &server.url(&path), &[AGENT], Some(&body));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["status"], "WAITING");
    assert_eq!(r.json()["agentId"], inbox["agentIds"][0]);
}

#[test]
fn inbound_contacts_are_routed() {
    let server = TestServer::start(&temp_db("inbound"), None);
    let inbound = |customer: &str, channel: &str| {
        let body = json!({"customerId": customer, "channel": channel, "text": "Hello again"}).to_string();
        let r = request("POST", &server.url("/api/v1/inbound"), &[], Some(&body));
        assert_eq!(r.status, 201, "{}", r.text);
        r.json()
    };

    // APPENDED: the customer has an open conversation.
    let (open_conv, open_customer) = first_in(&server, "open");
    let r = inbound(&open_customer, "SMS");
    assert_eq!(r, json!({"conversationId": open_conv, "routing": "APPENDED"}));

    // REOPENED: close it, and the customer writes again within the window.
    common::close(&server, &open_conv);
    let r = inbound(&open_customer, "SMS");
    assert_eq!(r, json!({"conversationId": open_conv, "routing": "REOPENED"}));
    let conv = get(&server, &format!("/api/v1/conversations/{open_conv}"));
    assert_eq!(conv["reopenCount"], 1);
    assert_ne!(conv["status"], "CLOSED");

    // STARTED: a customer with no open conversation whose last close is long past.
    let closed = get(&server, "/api/v1/conversations?view=closed&limit=500");
    let customer = closed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["conversation"]["customerId"].as_str().unwrap().to_owned())
        .find(|c| {
            let convs = get(&server, &format!("/api/v1/customers/{c}/conversations"));
            let convs = convs.as_array().unwrap();
            convs.iter().all(|c| c["status"] == "CLOSED")
                && convs.iter().all(|c| {
                    let closed_at: chrono::DateTime<chrono::Utc> = c["closedAt"].as_str().unwrap().parse().unwrap();
                    chrono::Utc::now() - closed_at > chrono::Duration::hours(100)
                })
        })
        .expect("a customer whose conversations all closed long ago");
    let count_before = get(&server, &format!("/api/v1/customers/{customer}/conversations"))
        .as_array()
        .unwrap()
        .len();
    let r = inbound(&customer, "EMAIL");
    assert_eq!(r["routing"], "STARTED");
    let convs = get(&server, &format!("/api/v1/customers/{customer}/conversations"));
    let convs = convs.as_array().unwrap();
    assert_eq!(convs.len(), count_before + 1);
    let newest = convs.last().unwrap();
    assert_eq!(newest["id"], r["conversationId"]);
    assert_eq!(newest["status"], "NEW");
    assert_eq!(
        newest["inboxId"], "email",
        "email contacts start in the inbox that lists EMAIL"
    );
}

fn ids_of(server: &TestServer, path: &str, headers: &[(&str, &str)]) -> Vec<String> {
    let r = request("GET", &server.url(path), headers, None);
    assert_eq!(r.status, 200, "GET {path}: {}", r.text);
    r.json()["ids"]
        .as_array()
        .expect("ids")
        .iter()
        .map(|v| v.as_str().expect("an id").to_owned())
        .collect()
}

fn row_ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["conversation"]["id"].as_str().expect("an id").to_owned())
        .collect()
}

#[test]
fn a_view_is_read_as_ids_then_rows_by_id() {
    let server = TestServer::start(&temp_db("ids"), None);
    // Whose "mine": agentId, else X-Agent-Id, else nobody's.
    let mine = ids_of(&server, "/api/v1/conversation-ids?view=mine", &[AGENT]);
    assert!(!mine.is_empty(), "ag1 owns conversations in the seed");
    assert_eq!(
        ids_of(&server, "/api/v1/conversation-ids?view=mine&agentId=ag1", &[]),
        mine
    );
    assert!(ids_of(&server, "/api/v1/conversation-ids?view=mine", &[]).is_empty());
    let ag2 = ids_of(&server, "/api/v1/conversation-ids?view=mine&agentId=ag2", &[AGENT]);
    assert!(ag2.iter().all(|id| !mine.contains(id)), "agentId wins over the header");

    // Rows by id are the rows of the paged list, page for page.
    let open = ids_of(&server, "/api/v1/conversation-ids?view=open", &[]);
    let listed = get(&server, "/api/v1/conversations?view=open&limit=500");
    assert_eq!(row_ids(&listed), open);
    let page = &open[3..9.min(open.len())];
    let by_id = get(&server, &format!("/api/v1/conversations?ids={}", page.join(",")));
    assert_eq!(
        by_id["items"].as_array().unwrap()[..],
        listed["items"].as_array().unwrap()[3..3 + page.len()]
    );

    // A write shows in the row read by id.
    let conv = &open[0];
    assert_eq!(add_note(&server, conv, "Called the courier"), 201);
    let row = get(&server, &format!("/api/v1/conversations?ids={conv}"));
    assert_eq!(row["items"][0]["preview"], "Called the courier");

    // Empty asks for nothing; an id is split off before decoding, so `%2C` stays inside it.
    assert_eq!(get(&server, "/api/v1/conversations?ids=")["items"], json!([]));
    let joined = get(&server, &format!("/api/v1/conversations?ids={}%2C{}", open[0], open[1]));
    assert_eq!(joined["items"], json!([]), "`a,b` is one (unknown) id");
    let spaced = get(&server, &format!("/api/v1/conversations?ids={},,{}", open[0], open[1]));
    assert_eq!(row_ids(&spaced), [open[0].clone(), open[1].clone()]);

    // Exactly 200 is fine; 201, or ids with a view, is refused with the field named.
    let two_hundred = vec![open[0].as_str(); 200].join(",");
    let r = get(&server, &format!("/api/v1/conversations?ids={two_hundred}"));
    assert_eq!(r["items"].as_array().unwrap().len(), 200);
    for query in [
        format!("ids={two_hundred},{}", open[1]),
        format!("ids={}&view=open", open[0]),
        format!("view=&ids={}", open[0]),
    ] {
        let r = request("GET", &server.url(&format!("/api/v1/conversations?{query}")), &[], None);
        assert_eq!(r.status, 400, "{query}: {}", r.text);
        assert_eq!(r.error_code(), "invalid");
        assert_eq!(r.json()["errors"][0]["attr"], "ids", "{query}");
    }
    for query in ["", "view=", "view=someday", "view=inbox-nope"] {
        let r = request(
            "GET",
            &server.url(&format!("/api/v1/conversation-ids?{query}")),
            &[],
            None,
        );
        assert_eq!(r.status, 400, "{query}: {}", r.text);
        assert_eq!(r.json()["errors"][0]["attr"], "view", "{query}");
    }
}

#[test]
fn malformed_requests_get_400_with_the_field() {
    let server = TestServer::start(&temp_db("malformed"), None);
    let (conv, _) = first_in(&server, "open");
    let path = server.url(&format!("/api/v1/conversations/{conv}"));
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], Option<&'a str>, Option<&'a str>);
    let cases: [Case; 8] = [
        ("PATCH", &[AGENT], Some("not json"), None),
        ("PATCH", &[AGENT], Some(""), None),
        ("PATCH", &[AGENT], Some("{}"), None),
        (
            "PATCH",
            &[AGENT],
            Some(r#"{"assignee":{"agentId":"ag1"}}"#),
            Some("assignee.inboxId"),
        ),
        ("PATCH", &[AGENT], Some(r#"{"status":"CLOSED"}"#), Some("status")),
        (
            "PATCH",
            &[AGENT, ("If-Match", "seven")],
            Some(r#"{"status":{"value":"WAITING"}}"#),
            Some("If-Match"),
        ),
        (
            "PATCH",
            &[("X-Agent-Id", "ag-nobody")],
            Some(r#"{"status":{"value":"WAITING"}}"#),
            Some("X-Agent-Id"),
        ),
        (
            "PATCH",
            &[AGENT],
            Some(r#"{"status":{"value":"WAITING"}} trailing"#),
            None,
        ),
    ];
    let before = get(&server, &format!("/api/v1/conversations/{conv}"));
    for (method, headers, body, attr) in cases {
        let r = request(method, &path, headers, body);
        assert_eq!(r.status, 400, "{body:?}: {}", r.text);
        assert_eq!(r.error_code(), "invalid");
        assert_eq!(r.json()["errors"][0]["attr"].as_str(), attr, "{body:?}");
        assert!(!r.json()["errors"][0]["detail"].as_str().unwrap().is_empty());
    }
    assert_eq!(get(&server, &format!("/api/v1/conversations/{conv}")), before);
    for query in [
        "view=open&limit=0",
        "view=open&limit=x",
        "view=open&cursor=zz",
        "view=inbox-nope",
        "view=",
    ] {
        let r = request("GET", &server.url(&format!("/api/v1/conversations?{query}")), &[], None);
        assert_eq!(r.status, 400, "{query}: {}", r.text);
    }
    let r = request("GET", &server.url("/api/v1/customers/%FF/timeline"), &[], None);
    assert!(r.status == 400 || r.status == 404, "{}", r.status);
    assert!(r.json()["errors"].is_array());
}

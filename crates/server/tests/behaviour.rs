//! Behaviour over HTTP: writes show up, stale versions change nothing, inbound routing, restart
//! persistence, resumable live events, CORS and the optional token.

mod common;

use std::time::Duration;

use common::{request, temp_db, EventStream, Spec, TestServer};
use serde_json::{json, Value};

const AGENT: (&str, &str) = ("X-Agent-Id", "ag1");

fn get(server: &TestServer, path: &str) -> Value {
    let r = request("GET", &server.url(path), &[AGENT], None);
    assert_eq!(r.status, 200, "GET {path}: {}", r.text);
    r.json()
}

/// The first conversation (id, customer id) of a view.
fn first_in(server: &TestServer, view: &str) -> (String, String) {
    let page = get(server, &format!("/api/v1/conversations?view={view}&limit=1"));
    let conv = &page["items"][0]["conversation"];
    (
        conv["id"].as_str().expect("a conversation in the view").to_owned(),
        conv["customerId"].as_str().unwrap().to_owned(),
    )
}

fn add_note(server: &TestServer, conv: &str, text: &str) -> u16 {
    let body = json!({ "body": text }).to_string();
    request(
        "POST",
        &server.url(&format!("/api/v1/conversations/{conv}/notes")),
        &[AGENT],
        Some(&body),
    )
    .status
}

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
    let topics = get(&server, "/api/v1/topics");
    let topic = topics
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["disabled"] == false)
        .unwrap()["id"]
        .clone();
    let body = json!({ "topicIds": [topic] }).to_string();
    let r = request(
        "PUT",
        &server.url(&format!("/api/v1/conversations/{open_conv}/topics")),
        &[AGENT],
        Some(&body),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let r = request(
        "PATCH",
        &server.url(&format!("/api/v1/conversations/{open_conv}")),
        &[AGENT],
        Some(r#"{"status":{"value":"CLOSED"}}"#),
    );
    assert_eq!(r.status, 200, "{}", r.text);
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

#[test]
fn writes_survive_a_restart_and_seq_continues() {
    let db = temp_db("restart");
    let server = TestServer::start(&db, None);
    let (conv, _) = first_in(&server, "open");
    assert_eq!(add_note(&server, &conv, "before the restart"), 201);
    assert_eq!(add_note(&server, &conv, "second"), 201);
    let before = get(&server, &format!("/api/v1/conversations/{conv}"));
    let counts_before = get(&server, "/api/v1/conversation-counts?agentId=ag1");
    server.stop();

    let server = TestServer::start(&db, None);
    let after = get(&server, &format!("/api/v1/conversations/{conv}"));
    assert_eq!(after, before, "replay rebuilt the same conversation");
    assert_eq!(get(&server, "/api/v1/conversation-counts?agentId=ag1"), counts_before);
    let items = get(&server, &format!("/api/v1/conversations/{conv}/items"));
    assert!(items
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["content"]["body"] == "before the restart"));

    let stream = EventStream::open(&server.url("/api/v1/events"), &[("Last-Event-ID", "1")]);
    let replayed = stream.next(Duration::from_secs(5)).expect("the stored second event");
    assert_eq!(replayed.id.as_deref(), Some("2"));
    assert_eq!(add_note(&server, &conv, "after the restart"), 201);
    let live = stream.next(Duration::from_secs(5)).expect("the new event");
    assert_eq!(live.id.as_deref(), Some("3"), "seq continues after a restart");
}

#[test]
fn events_are_resumable_without_gaps_or_duplicates() {
    let spec = Spec::load();
    let server = TestServer::start(&temp_db("events"), None);
    let (conv, customer) = first_in(&server, "open");

    let stream = EventStream::open(&server.url("/api/v1/events"), &[]);
    assert_eq!(stream.status, 200);
    assert_eq!(add_note(&server, &conv, "one"), 201);
    assert_eq!(add_note(&server, &conv, "two"), 201);
    let first = stream.next(Duration::from_secs(5)).expect("first event");
    let second = stream.next(Duration::from_secs(5)).expect("second event");
    let id1: u64 = first.id.as_deref().unwrap().parse().unwrap();
    let id2: u64 = second.id.as_deref().unwrap().parse().unwrap();
    assert_eq!(id2, id1 + 1, "consecutive ids");
    assert_eq!(first.event, "change");
    let data: Value = serde_json::from_str(&first.data).unwrap();
    spec.check_component("Change", &data);
    assert_eq!(
        data,
        json!({"seq": id1, "customerId": customer, "conversationId": conv, "taskId": null})
    );

    // Reconnect after the first: the second comes again, then only live ones.
    let resumed = EventStream::open(&server.url("/api/v1/events"), &[("Last-Event-ID", &id1.to_string())]);
    let again = resumed.next(Duration::from_secs(5)).expect("the missed event");
    assert_eq!(again.id, second.id);
    assert_eq!(again.data, second.data);
    assert!(resumed.quiet_for(Duration::from_millis(300)), "nothing else is pending");
    assert_eq!(add_note(&server, &conv, "three"), 201);
    let live = resumed.next(Duration::from_secs(5)).expect("the live event");
    assert_eq!(live.id.as_deref(), Some((id2 + 1).to_string().as_str()));
    assert_eq!(stream.next(Duration::from_secs(5)).unwrap().id, live.id);

    // `?after=` does the same for tools; the header wins over it.
    let by_query = EventStream::open(&server.url(&format!("/api/v1/events?after={id1}")), &[]);
    assert_eq!(by_query.next(Duration::from_secs(5)).unwrap().id, second.id);
    let both = EventStream::open(
        &server.url("/api/v1/events?after=0"),
        &[("Last-Event-ID", &id2.to_string())],
    );
    assert_eq!(both.next(Duration::from_secs(5)).unwrap().id, live.id);

    // A burst of writes while a client is connected: every id once, in order.
    for i in 0..30 {
        assert_eq!(add_note(&server, &conv, &format!("burst {i}")), 201);
    }
    let mut expected = id2 + 2;
    while expected <= id2 + 31 {
        let event = resumed.next(Duration::from_secs(5)).expect("burst event");
        assert_eq!(event.id.as_deref(), Some(expected.to_string().as_str()));
        expected += 1;
    }
    assert!(resumed.quiet_for(Duration::from_millis(200)));

    // An id from another database: the stream says to reload, then goes on.
    let reset = EventStream::open(&server.url("/api/v1/events"), &[("Last-Event-ID", "999999")]);
    let first = reset.next(Duration::from_secs(5)).expect("reset event");
    assert_eq!(first.event, "reset");
    assert_eq!(first.id.as_deref(), Some((id2 + 31).to_string().as_str()));
}

#[test]
fn cors_preflight_and_headers() {
    let server = TestServer::start(&temp_db("cors"), Some("s3cret"));
    let r = request(
        "OPTIONS",
        &server.url("/api/v1/conversations/co1"),
        &[
            ("Origin", "http://app.example"),
            ("Access-Control-Request-Method", "PATCH"),
            (
                "Access-Control-Request-Headers",
                "authorization, content-type, if-match, x-agent-id",
            ),
        ],
        None,
    );
    assert!(r.status == 200 || r.status == 204, "preflight: {} {}", r.status, r.text);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let methods = r
        .header("access-control-allow-methods")
        .unwrap_or_default()
        .to_ascii_uppercase();
    for m in ["GET", "POST", "PATCH", "PUT", "DELETE"] {
        assert!(methods.contains(m), "allow-methods has {m}: {methods}");
    }
    let allowed = r
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    for h in [
        "authorization",
        "content-type",
        "if-match",
        "x-agent-id",
        "last-event-id",
    ] {
        assert!(allowed.contains(h), "allow-headers has {h}: {allowed}");
    }

    let r = request(
        "GET",
        &server.url("/api/v1/agents"),
        &[("Origin", "http://app.example"), ("Authorization", "Bearer s3cret")],
        None,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert!(r
        .header("access-control-expose-headers")
        .unwrap_or_default()
        .to_ascii_lowercase()
        .contains("etag"));
}

#[test]
fn a_token_is_required_when_configured() {
    let spec = Spec::load();
    let server = TestServer::start(&temp_db("token"), Some("s3cret"));
    for auth in [None, Some("Bearer wrong"), Some("Basic czNjcmV0"), Some("Bearer s3cre")] {
        let headers: Vec<(&str, &str)> = auth.map(|a| ("Authorization", a)).into_iter().collect();
        for (method, path) in [
            ("GET", "/api/v1/agents"),
            ("GET", "/api/v1/conversations/co1"),
            ("GET", "/api/v1/events"),
        ] {
            let r = request(method, &server.url(path), &headers, None);
            assert_eq!(r.status, 401, "{method} {path} with {auth:?}");
            assert_eq!(r.error_code(), "unauthorized");
            assert_eq!(r.header("www-authenticate"), Some("Bearer"));
            let template = if path.ends_with("co1") {
                "/api/v1/conversations/{conversationId}"
            } else {
                path
            };
            spec.check(method, template, 401, &r.json());
            assert!(!r.text.contains("s3cret"));
        }
    }
    let r = request("POST", &server.url("/api/v1/inbound"), &[], Some("{}"));
    assert_eq!(r.status, 401, "writes too");
    let r = request(
        "GET",
        &server.url("/api/v1/agents"),
        &[("Authorization", "Bearer s3cret")],
        None,
    );
    assert_eq!(r.status, 200);
    // The SSE stream with the token.
    let stream = EventStream::open(&server.url("/api/v1/events"), &[("Authorization", "Bearer s3cret")]);
    assert_eq!(stream.status, 200);
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

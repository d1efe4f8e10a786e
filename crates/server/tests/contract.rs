//! Contract tests: every operation in api/openapi.yaml is called on a real server over HTTP and
//! each JSON answer (successes and errors) is validated against the schema the document gives
//! for that operation and status. The document's own examples are validated too.

mod common;

use std::time::Duration;

use common::{request, temp_db, EventStream, Spec, TestServer, AGENT, HTTP_METHODS};
use rapport_core::{
    ActivityContent, AgentId, Assignee, Channel, ConversationId, CustomerId, Direction, EmailContent, InboxId,
    Initiator, ItemContent, ItemId, Status, TaskEvent, TaskId, TimelineItem, TopicId,
};
use serde_json::{json, Value};

#[test]
fn every_operation_answers_as_documented() {
    let spec = Spec::load();
    let server = TestServer::start(&temp_db("contract"), None);
    // Each part runs even when one before it failed, so one broken operation does not hide the
    // rest; the parts share the server (the events part reads back every write before it).
    let mut failed: Vec<&str> = Vec::new();
    part(&mut failed, "directory and lists", || {
        directory_and_lists(&server, &spec)
    });
    let conversation = part(&mut failed, "one conversation", || one_conversation(&server, &spec));
    match conversation {
        Some((row, customer)) => {
            part(&mut failed, "customers, tasks, search, inbound", || {
                customers_and_tasks(&server, &spec, &row, &customer)
            });
        }
        None => failed.push("customers, tasks, search, inbound (not run: it needs the conversation)"),
    }
    part(&mut failed, "events, errors, the sandbox", || {
        events_errors_and_sandbox(&server, &spec)
    });
    part(&mut failed, "sign-in and the team", || {
        sign_in_and_the_team(&server, &spec)
    });
    assert!(
        failed.is_empty(),
        "parts that failed (each one's panic is printed above): {failed:?}"
    );

    // Every documented operation was exercised above (401s are covered in tests/behaviour.rs).
    let missing: Vec<_> = spec.operations().difference(&spec.covered()).cloned().collect();
    assert!(missing.is_empty(), "operations without a contract check: {missing:?}");
}

/// Runs one part of a test, noting its name in `failed` if it panics (its message is printed).
fn part<T>(failed: &mut Vec<&'static str>, name: &'static str, f: impl FnOnce() -> T) -> Option<T> {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    if result.is_err() {
        failed.push(name);
    }
    result.ok()
}

/// The directory, every list view (following cursors), rows by id.
fn directory_and_lists(server: &TestServer, spec: &Spec) {
    let get = |path: &str| request("GET", &server.url(path), &[AGENT], None);
    // Directory.
    for (path, template) in [
        ("/api/v1/organization", "/api/v1/organization"),
        ("/api/v1/agents", "/api/v1/agents"),
        ("/api/v1/inboxes", "/api/v1/inboxes"),
        ("/api/v1/teams", "/api/v1/teams"),
        ("/api/v1/topics", "/api/v1/topics"),
        ("/api/v1/answers", "/api/v1/answers"),
        ("/api/v1/conversation-counts?agentId=ag1", "/api/v1/conversation-counts"),
        ("/api/v1/search?q=refund", "/api/v1/search"),
        ("/api/v1/tasks?agentId=ag1", "/api/v1/tasks"),
    ] {
        let r = get(path);
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        spec.check("GET", template, 200, &r.json());
    }
    let inboxes = get("/api/v1/inboxes").json();

    // Lists, every view, following cursors.
    let mut views: Vec<String> = ["mine", "new", "open", "waiting", "closed"].map(String::from).to_vec();
    for inbox in inboxes.as_array().unwrap() {
        views.push(format!("inbox-{}", inbox["id"].as_str().unwrap()));
    }
    for view in &views {
        let mut cursor: Option<String> = None;
        let mut seen = 0;
        let mut paged: Vec<Value> = Vec::new();
        loop {
            let mut path = format!("/api/v1/conversations?view={view}&limit=7");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let r = get(&path);
            assert_eq!(r.status, 200, "{path}: {}", r.text);
            let page = r.json();
            spec.check("GET", "/api/v1/conversations", 200, &page);
            seen += page["items"].as_array().unwrap().len();
            paged.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["conversation"]["id"].clone()),
            );
            match page["nextCursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let counts = get("/api/v1/conversation-counts").json();
        let expected = match view.strip_prefix("inbox-") {
            Some(id) => counts["byInbox"][id].as_u64().unwrap(),
            None => counts[view.as_str()].as_u64().unwrap(),
        };
        assert_eq!(seen as u64, expected, "view {view}: pages add up to its count");
        // The view's ids are the ids of its pages, in the same order.
        let r = get(&format!("/api/v1/conversation-ids?view={view}"));
        assert_eq!(r.status, 200, "{view}: {}", r.text);
        spec.check("GET", "/api/v1/conversation-ids", 200, &r.json());
        assert_eq!(r.json()["ids"], Value::Array(paged), "view {view}");
    }
    let r = get("/api/v1/conversations?view=someday");
    assert_eq!(r.status, 400);
    spec.check("GET", "/api/v1/conversations", 400, &r.json());
    assert_eq!(r.json()["errors"][0]["attr"], "view");
    for path in [
        "/api/v1/conversation-ids?view=someday",
        "/api/v1/conversation-ids?view=inbox-nope",
    ] {
        let r = get(path);
        assert_eq!(r.status, 400, "{path}");
        spec.check("GET", "/api/v1/conversation-ids", 400, &r.json());
        assert_eq!(r.json()["errors"][0]["attr"], "view", "{path}");
    }

    // Rows by id: in the order asked, an unknown id left out.
    let open_ids = get("/api/v1/conversation-ids?view=open").json()["ids"].clone();
    let (a, b) = (open_ids[0].as_str().unwrap(), open_ids[1].as_str().unwrap());
    let r = get(&format!("/api/v1/conversations?ids={b},co-none,{a}"));
    assert_eq!(r.status, 200, "{}", r.text);
    spec.check("GET", "/api/v1/conversations", 200, &r.json());
    let rows = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(
        rows.iter().map(|r| &r["conversation"]["id"]).collect::<Vec<_>>(),
        [b, a]
    );
    assert!(r.json().get("nextCursor").is_none());
    let too_many = vec![a; 201].join(",");
    for path in [
        format!("/api/v1/conversations?ids={too_many}"),
        format!("/api/v1/conversations?ids={a}&view=open"),
    ] {
        let r = get(&path);
        assert_eq!(r.status, 400, "{path}: {}", r.text);
        spec.check("GET", "/api/v1/conversations", 400, &r.json());
        assert_eq!(r.json()["errors"][0]["attr"], "ids");
    }
}

/// One conversation of ag1's in an inbox that requires topics: read, topics, notes, replies,
/// PATCH, undo. Returns its list row and its customer's profile.
fn one_conversation(server: &TestServer, spec: &Spec) -> (Value, Value) {
    let get = |path: &str| request("GET", &server.url(path), &[AGENT], None);
    // A conversation owned by ag1 in an inbox that requires topics to close.
    let inboxes = get("/api/v1/inboxes").json();
    let mine = get("/api/v1/conversations?view=mine&limit=500").json();
    let row = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| {
            let inbox = row["conversation"]["assignee"]["inboxId"].as_str().unwrap();
            inboxes
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["id"] == inbox && i["topicsRequiredToClose"] == true)
                && row["conversation"]["topicIds"].as_array().unwrap().is_empty()
        })
        .expect("ag1 owns a topic-less conversation in a topics-required inbox")
        .clone();
    spec.check_component("ConversationSummary", &row);
    let conv_id = row["conversation"]["id"].as_str().unwrap().to_owned();
    let customer_id = row["conversation"]["customerId"].as_str().unwrap().to_owned();
    let conv_path = format!("/api/v1/conversations/{conv_id}");

    let r = get(&conv_path);
    assert_eq!(r.status, 200);
    let conv = r.json();
    spec.check("GET", "/api/v1/conversations/{conversationId}", 200, &conv);
    assert_eq!(r.header("etag"), Some(format!("\"{}\"", conv["version"]).as_str()));
    assert_eq!(conv["inboxId"], conv["assignee"]["inboxId"]);
    assert_eq!(conv["agentId"], "ag1");

    let r = get("/api/v1/conversations/co-none");
    assert_eq!(r.status, 404);
    spec.check("GET", "/api/v1/conversations/{conversationId}", 404, &r.json());
    assert_eq!(r.error_code(), "not_found");

    let r = get(&format!("{conv_path}/items"));
    assert_eq!(r.status, 200);
    spec.check("GET", "/api/v1/conversations/{conversationId}/items", 200, &r.json());
    let r = get("/api/v1/conversations/co-none/items");
    spec.check("GET", "/api/v1/conversations/{conversationId}/items", 404, &r.json());

    // Closing without a topic is a rule refusal (422).
    let close = r#"{"status":{"value":"CLOSED"}}"#;
    let r = request("PATCH", &server.url(&conv_path), &[AGENT], Some(close));
    assert_eq!(r.status, 422, "{}", r.text);
    spec.check("PATCH", "/api/v1/conversations/{conversationId}", 422, &r.json());
    assert_eq!(r.error_code(), "topics_required");

    // Topics: add, replace, remove.
    let topics = get("/api/v1/topics").json();
    let enabled: Vec<&str> = topics
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["disabled"] == false)
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    let disabled = topics
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["disabled"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = json!({"topicIds": [enabled[0]]}).to_string();
    let r = request(
        "POST",
        &server.url(&format!("{conv_path}/topics")),
        &[AGENT],
        Some(&body),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    spec.check_empty("POST", "/api/v1/conversations/{conversationId}/topics", 204);
    let body = json!({"topicIds": [disabled]}).to_string();
    let r = request(
        "POST",
        &server.url(&format!("{conv_path}/topics")),
        &[AGENT],
        Some(&body),
    );
    assert_eq!(r.status, 422);
    spec.check("POST", "/api/v1/conversations/{conversationId}/topics", 422, &r.json());
    assert_eq!(r.error_code(), "topic_disabled");

    let body = json!({"topicIds": [enabled[1], enabled[2]]}).to_string();
    let r = request(
        "PUT",
        &server.url(&format!("{conv_path}/topics")),
        &[AGENT],
        Some(&body),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    spec.check("PUT", "/api/v1/conversations/{conversationId}/topics", 200, &r.json());
    assert_eq!(r.json()["topicIds"], json!([enabled[1], enabled[2]]));

    let r = request(
        "DELETE",
        &server.url(&format!("{conv_path}/topics/{}", enabled[2])),
        &[AGENT],
        None,
    );
    assert_eq!(r.status, 204, "{}", r.text);
    spec.check_empty("DELETE", "/api/v1/conversations/{conversationId}/topics/{topicId}", 204);
    let r = request(
        "DELETE",
        &server.url(&format!("{conv_path}/topics/no-such-topic")),
        &[AGENT],
        None,
    );
    assert_eq!(r.status, 404);
    spec.check(
        "DELETE",
        "/api/v1/conversations/{conversationId}/topics/{topicId}",
        404,
        &r.json(),
    );

    // Notes.
    let r = request(
        "POST",
        &server.url(&format!("{conv_path}/notes")),
        &[AGENT],
        Some(r#"{"body":"Prefers a callback after 5pm."}"#),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    spec.check("POST", "/api/v1/conversations/{conversationId}/notes", 201, &r.json());
    assert_eq!(r.json()["content"]["type"], "CONVERSATION_NOTE");
    let r = request(
        "POST",
        &server.url(&format!("{conv_path}/notes")),
        &[AGENT],
        Some(r#"{"body":"  "}"#),
    );
    assert_eq!(r.status, 422);
    spec.check("POST", "/api/v1/conversations/{conversationId}/notes", 422, &r.json());
    let r = request(
        "POST",
        &server.url(&format!("{conv_path}/notes")),
        &[AGENT],
        Some(r#"{"body":"#),
    );
    assert_eq!(r.status, 400);
    spec.check("POST", "/api/v1/conversations/{conversationId}/notes", 400, &r.json());
    let r = request(
        "POST",
        &server.url(&format!("{conv_path}/notes")),
        &[],
        Some(r#"{"body":"x"}"#),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["errors"][0]["attr"], "X-Agent-Id");
    spec.check("POST", "/api/v1/conversations/{conversationId}/notes", 400, &r.json());

    // Replies: on a channel the customer can be reached on, then a stale If-Match.
    let customer = get(&format!("/api/v1/customer-profiles/{customer_id}")).json();
    spec.check("GET", "/api/v1/customer-profiles/{customerId}", 200, &customer);
    let channel = if !customer["emails"].as_array().unwrap().is_empty() {
        "EMAIL"
    } else {
        "SMS"
    };
    let version = get(&conv_path).json()["version"].as_u64().unwrap();
    let etag = format!("\"{version}\"");
    let body = json!({"channel": channel, "body": "Your refund is on its way.", "subject": "Refund"}).to_string();
    let r = request(
        "POST",
        &server.url(&format!("{conv_path}/replies")),
        &[AGENT, ("If-Match", &etag)],
        Some(&body),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    spec.check("POST", "/api/v1/conversations/{conversationId}/replies", 201, &r.json());
    assert_eq!(r.json()["status"], "WAITING");
    let r = request(
        "POST",
        &server.url(&format!("{conv_path}/replies")),
        &[AGENT, ("If-Match", &etag)],
        Some(&body),
    );
    assert_eq!(r.status, 409);
    spec.check("POST", "/api/v1/conversations/{conversationId}/replies", 409, &r.json());
    assert_eq!(r.error_code(), "conflict");
    let r = request(
        "POST",
        &server.url(&format!("{conv_path}/replies")),
        &[AGENT],
        Some(r#"{"channel":"VOICEMAIL","body":"hi"}"#),
    );
    assert_eq!(r.status, 422);
    spec.check("POST", "/api/v1/conversations/{conversationId}/replies", 422, &r.json());
    assert_eq!(r.error_code(), "channel_not_replyable");

    // PATCH: a stale If-Match, a malformed body, then a real close.
    let r = request(
        "PATCH",
        &server.url(&conv_path),
        &[AGENT, ("If-Match", "\"1\"")],
        Some(close),
    );
    assert_eq!(r.status, 409);
    spec.check("PATCH", "/api/v1/conversations/{conversationId}", 409, &r.json());
    let r = request(
        "PATCH",
        &server.url(&conv_path),
        &[AGENT],
        Some(r#"{"status":{"value":"DONE"}}"#),
    );
    assert_eq!(r.status, 400);
    spec.check("PATCH", "/api/v1/conversations/{conversationId}", 400, &r.json());
    assert_eq!(r.json()["errors"][0]["attr"], "status.value");
    let r = request(
        "PATCH",
        &server.url("/api/v1/conversations/co-none"),
        &[AGENT],
        Some(close),
    );
    assert_eq!(r.status, 404);
    spec.check("PATCH", "/api/v1/conversations/{conversationId}", 404, &r.json());
    let before_close = get(&conv_path).json();
    let r = request("PATCH", &server.url(&conv_path), &[AGENT], Some(close));
    assert_eq!(r.status, 200, "{}", r.text);
    spec.check("PATCH", "/api/v1/conversations/{conversationId}", 200, &r.json());
    assert_eq!(r.json()["status"], "CLOSED");
    assert!(r.header("etag").is_some());

    // Undo of that close: Waiting again (a move no agent may make by hand); then it is stale.
    let state = |c: &Value| json!({ "status": c["status"], "assignee": c["assignee"] });
    let undo_path = format!("{conv_path}/undo");
    let undo = json!({ "undone": state(&r.json()), "restore": state(&before_close) }).to_string();
    let r = request("POST", &server.url(&undo_path), &[AGENT], Some(&undo));
    assert_eq!(r.status, 200, "{}", r.text);
    spec.check("POST", "/api/v1/conversations/{conversationId}/undo", 200, &r.json());
    assert_eq!(r.json()["status"], "WAITING");
    let r = request("POST", &server.url(&undo_path), &[AGENT], Some(&undo));
    assert_eq!(r.status, 409, "{}", r.text);
    assert_eq!(r.error_code(), "changed_since");
    spec.check("POST", "/api/v1/conversations/{conversationId}/undo", 409, &r.json());
    let r = request("POST", &server.url(&undo_path), &[AGENT], Some(r#"{"undone":{}}"#));
    assert_eq!(r.status, 400);
    spec.check("POST", "/api/v1/conversations/{conversationId}/undo", 400, &r.json());
    let r = request("PATCH", &server.url(&conv_path), &[AGENT], Some(close));
    assert_eq!(r.json()["status"], "CLOSED", "closed again for what follows");
    (row, customer)
}

/// That conversation's customer: profile, conversations, timeline paging, tasks; then search
/// and inbound.
fn customers_and_tasks(server: &TestServer, spec: &Spec, row: &Value, customer: &Value) {
    let get = |path: &str| request("GET", &server.url(path), &[AGENT], None);
    let customer_id = row["conversation"]["customerId"].as_str().unwrap().to_owned();
    // Customers.
    for template in [
        "/api/v1/customer-profiles/{customerId}",
        "/api/v1/customers/{customerId}",
    ] {
        let path = template.replace("{customerId}", &customer_id);
        let r = get(&path);
        assert_eq!(r.status, 200);
        spec.check("GET", template, 200, &r.json());
        let r = get(&template.replace("{customerId}", "cu-none"));
        assert_eq!(r.status, 404);
        spec.check("GET", template, 404, &r.json());
    }
    let r = get(&format!("/api/v1/customers/{customer_id}/conversations"));
    assert_eq!(r.status, 200);
    spec.check("GET", "/api/v1/customers/{customerId}/conversations", 200, &r.json());
    let r = get("/api/v1/customers/cu-none/conversations");
    spec.check("GET", "/api/v1/customers/{customerId}/conversations", 404, &r.json());

    // The whole timeline, paged backwards, equals the unpaged one.
    let full = get(&format!("/api/v1/customers/{customer_id}/timeline")).json();
    spec.check("GET", "/api/v1/customers/{customerId}/timeline", 200, &full);
    assert!(full.get("nextCursor").is_none());
    let mut pages: Vec<Value> = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/customers/{customer_id}/timeline?limit=5");
        if let Some(b) = &before {
            path.push_str(&format!("&before={b}"));
        }
        let page = get(&path).json();
        spec.check("GET", "/api/v1/customers/{customerId}/timeline", 200, &page);
        assert_eq!(
            page["total"],
            json!(full["items"].as_array().unwrap().len()),
            "every page says the whole length"
        );
        let items = page["items"].as_array().unwrap().clone();
        pages.splice(0..0, items);
        match page["nextCursor"].as_str() {
            Some(c) => before = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(Value::Array(pages), full["items"]);
    let r = get(&format!("/api/v1/customers/{customer_id}/timeline?limit=abc"));
    assert_eq!(r.status, 400);
    spec.check("GET", "/api/v1/customers/{customerId}/timeline", 400, &r.json());
    let r = get("/api/v1/customers/cu-none/timeline");
    spec.check("GET", "/api/v1/customers/{customerId}/timeline", 404, &r.json());

    // Tasks.
    let inbox = row["conversation"]["assignee"]["inboxId"].as_str().unwrap();
    let body = json!({"body": "Call back about the refund", "dueAt": "2031-01-02T10:00:00Z",
                      "assignee": {"inboxId": inbox, "agentId": "ag1"}})
    .to_string();
    let tasks_path = format!("/api/v1/customers/{customer_id}/tasks");
    let r = request("POST", &server.url(&tasks_path), &[AGENT], Some(&body));
    assert_eq!(r.status, 201, "{}", r.text);
    spec.check("POST", "/api/v1/customers/{customerId}/tasks", 201, &r.json());
    let task_id = r.json()["id"].as_str().unwrap().to_owned();
    let r = request("POST", &server.url(&tasks_path), &[AGENT], Some(r#"{"body":"x"}"#));
    assert_eq!(r.status, 400);
    spec.check("POST", "/api/v1/customers/{customerId}/tasks", 400, &r.json());
    let bad_assignee = json!({"body": "x", "dueAt": "2031-01-02T10:00:00Z",
                              "assignee": {"inboxId": inbox, "agentId": "ag10"}})
    .to_string();
    let r = request("POST", &server.url(&tasks_path), &[AGENT], Some(&bad_assignee));
    assert_eq!(r.status, 422, "{}", r.text);
    spec.check("POST", "/api/v1/customers/{customerId}/tasks", 422, &r.json());
    let r = request(
        "POST",
        &server.url("/api/v1/customers/cu-none/tasks"),
        &[AGENT],
        Some(&body),
    );
    assert_eq!(r.status, 404);
    spec.check("POST", "/api/v1/customers/{customerId}/tasks", 404, &r.json());

    let r = get(&tasks_path);
    spec.check("GET", "/api/v1/customers/{customerId}/tasks", 200, &r.json());
    assert!(r.json().as_array().unwrap().iter().any(|t| t["id"] == task_id.as_str()));
    let r = get(&format!("{tasks_path}?status=CLOSED"));
    spec.check("GET", "/api/v1/customers/{customerId}/tasks", 200, &r.json());
    assert!(!r.json().as_array().unwrap().iter().any(|t| t["id"] == task_id.as_str()));
    let r = get(&format!("{tasks_path}?status=DONE"));
    assert_eq!(r.status, 400);
    spec.check("GET", "/api/v1/customers/{customerId}/tasks", 400, &r.json());
    let r = get("/api/v1/customers/cu-none/tasks");
    spec.check("GET", "/api/v1/customers/{customerId}/tasks", 404, &r.json());

    let comment_path = format!("/api/v1/tasks/{task_id}/comments");
    let r = request(
        "POST",
        &server.url(&comment_path),
        &[],
        Some(r#"{"comment":"Left a voicemail.","agentId":"ag1"}"#),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    spec.check("POST", "/api/v1/tasks/{taskId}/comments", 201, &r.json());
    assert_eq!(r.json()["comments"][0]["agentId"], "ag1");
    let r = request("POST", &server.url(&comment_path), &[AGENT], Some(r#"{"comment":""}"#));
    assert_eq!(r.status, 422);
    spec.check("POST", "/api/v1/tasks/{taskId}/comments", 422, &r.json());
    let r = request(
        "POST",
        &server.url("/api/v1/tasks/ta-none/comments"),
        &[AGENT],
        Some(r#"{"comment":"x"}"#),
    );
    assert_eq!(r.status, 404);
    spec.check("POST", "/api/v1/tasks/{taskId}/comments", 404, &r.json());
    let r = request(
        "POST",
        &server.url(&comment_path),
        &[AGENT],
        Some(r#"{"comment":"x","agentId":"ag2"}"#),
    );
    assert_eq!(r.status, 400);
    spec.check("POST", "/api/v1/tasks/{taskId}/comments", 400, &r.json());

    let r = request(
        "PATCH",
        &server.url(&format!("/api/v1/tasks/{task_id}")),
        &[AGENT],
        Some(r#"{"status":"CLOSED"}"#),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    spec.check("PATCH", "/api/v1/tasks/{taskId}", 200, &r.json());
    assert_eq!(r.json()["status"], "CLOSED");
    let r = request(
        "PATCH",
        &server.url(&format!("/api/v1/tasks/{task_id}")),
        &[AGENT],
        Some(r#"{"status":"OPEN","dueAt":"2031-01-01T00:00:00Z"}"#),
    );
    assert_eq!(r.status, 400);
    spec.check("PATCH", "/api/v1/tasks/{taskId}", 400, &r.json());
    let r = request(
        "PATCH",
        &server.url("/api/v1/tasks/ta-none"),
        &[AGENT],
        Some(r#"{"status":"CLOSED"}"#),
    );
    assert_eq!(r.status, 404);
    spec.check("PATCH", "/api/v1/tasks/{taskId}", 404, &r.json());
    let r = request("GET", &server.url("/api/v1/tasks"), &[], None);
    assert_eq!(r.status, 400);
    spec.check("GET", "/api/v1/tasks", 400, &r.json());

    // Search and inbound.
    let r = get(&format!(
        "/api/v1/search?q={}",
        customer["name"].as_str().unwrap().replace(' ', "%20")
    ));
    spec.check("GET", "/api/v1/search", 200, &r.json());
    assert!(r.json()["customers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["customerId"] == customer_id.as_str()));
    let r = get("/api/v1/search?q=refund&limit=0");
    assert_eq!(r.status, 400);
    spec.check("GET", "/api/v1/search", 400, &r.json());
    let body = json!({"customerId": customer_id, "channel": "SMS", "text": "Any news?"}).to_string();
    let r = request("POST", &server.url("/api/v1/inbound"), &[], Some(&body));
    assert_eq!(r.status, 201, "{}", r.text);
    spec.check("POST", "/api/v1/inbound", 201, &r.json());
    let r = request(
        "POST",
        &server.url("/api/v1/inbound"),
        &[],
        Some(r#"{"customerId":"cu-none","channel":"SMS","text":"hi"}"#),
    );
    assert_eq!(r.status, 404);
    spec.check("POST", "/api/v1/inbound", 404, &r.json());
    let r = request(
        "POST",
        &server.url("/api/v1/inbound"),
        &[],
        Some(&json!({"customerId": customer_id, "channel": "SMS", "text": ""}).to_string()),
    );
    assert_eq!(r.status, 422);
    spec.check("POST", "/api/v1/inbound", 422, &r.json());
    let r = request(
        "POST",
        &server.url("/api/v1/inbound"),
        &[],
        Some(r#"{"channel":"SMS","text":"hi"}"#),
    );
    assert_eq!(r.status, 400);
    spec.check("POST", "/api/v1/inbound", 400, &r.json());
    assert_eq!(r.json()["errors"][0]["attr"], "customerId");
}

/// The event backlog, unknown routes and methods, the trial endpoints.
fn events_errors_and_sandbox(server: &TestServer, spec: &Spec) {
    let get = |path: &str| request("GET", &server.url(path), &[AGENT], None);
    // Events: the backlog replays every write above as a documented `Change`.
    let stream = EventStream::open(&server.url("/api/v1/events?after=0"), &[]);
    assert_eq!(stream.status, 200);
    assert!(stream.content_type.starts_with("text/event-stream"));
    spec.mark("GET", "/api/v1/events");
    let mut expected_seq = 1;
    if server.through_worker() {
        // The reset that started this test from the seed comes first (a fresh server has none);
        // earlier tests' changes on the same worker are before it.
        let reset = stream.next(Duration::from_millis(500)).expect("the reset");
        assert_eq!(reset.event, "reset");
        expected_seq = reset
            .id
            .as_deref()
            .and_then(|id| id.parse::<u64>().ok())
            .expect("a seq")
            + 1;
    }
    while let Some(event) = stream.next(Duration::from_millis(500)) {
        assert_eq!(event.event, "change");
        let data: Value = serde_json::from_str(&event.data).unwrap();
        spec.check_component("Change", &data);
        assert_eq!(data["seq"], expected_seq);
        assert_eq!(event.id.as_deref(), Some(expected_seq.to_string().as_str()));
        expected_seq += 1;
    }
    assert!(expected_seq > 10, "every accepted write above is an event");
    let r = get("/api/v1/events?after=x");
    assert_eq!(r.status, 400);
    spec.check("GET", "/api/v1/events", 400, &r.json());

    // Unknown routes and methods still answer with the error body.
    let r = get("/api/v1/nothing-here");
    assert_eq!(r.status, 404);
    spec.check_component("ErrorBody", &r.json());
    let r = request("DELETE", &server.url("/api/v1/agents"), &[AGENT], None);
    assert_eq!(r.status, 405);
    spec.check_component("ErrorBody", &r.json());
    // The trial endpoints: absent on a plain server (404), answered by a `--sandbox` one and by
    // the demo's worker (which is where they come from).
    let started;
    let sandbox = if server.through_worker() {
        server
    } else {
        let r = get("/elsewhere");
        assert_eq!(r.status, 404);
        spec.check_component("ErrorBody", &r.json());
        let r = get("/api/v1/sandbox");
        assert_eq!(r.status, 404);
        spec.check("GET", "/api/v1/sandbox", 404, &r.json());
        for path in ["/api/v1/sandbox/clock", "/api/v1/sandbox/reset"] {
            let r = request("POST", &server.url(path), &[], Some(r#"{"advanceMs":1}"#));
            assert_eq!(r.status, 404, "{path} on a server without --sandbox");
            spec.check("POST", path, 404, &r.json());
        }
        started = TestServer::start_with(rapport_server::Options {
            db: temp_db("contract-sandbox"),
            conversations: common::SEED_CONVERSATIONS,
            sandbox: true,
            ..rapport_server::Options::default()
        });
        &started
    };
    let post = |path: &str, body: Option<&str>| request("POST", &sandbox.url(path), &[], body);
    let r = request("GET", &sandbox.url("/api/v1/sandbox"), &[], None);
    assert_eq!(r.status, 200, "{}", r.text);
    spec.check("GET", "/api/v1/sandbox", 200, &r.json());
    let r = post("/api/v1/sandbox/clock", Some(r#"{"advanceMs":86400000}"#));
    assert_eq!(r.status, 200, "{}", r.text);
    spec.check("POST", "/api/v1/sandbox/clock", 200, &r.json());
    assert_eq!(r.json()["clockOffsetMs"], 86_400_000);
    let r = post("/api/v1/sandbox/clock", Some(r#"{"advanceMs":-1}"#));
    assert_eq!(r.status, 400);
    spec.check("POST", "/api/v1/sandbox/clock", 400, &r.json());
    let r = post("/api/v1/sandbox/reset", None);
    assert_eq!(r.status, 200, "{}", r.text);
    spec.check("POST", "/api/v1/sandbox/reset", 200, &r.json());
    assert_eq!(r.json()["clockOffsetMs"], 0);
}

/// Sign-in (absent on a trial), managing the team and the inboxes.
fn sign_in_and_the_team(server: &TestServer, spec: &Spec) {
    let get = |path: &str| request("GET", &server.url(path), &[AGENT], None);
    // Sign-in: a trial (no accounts, or the demo) has none (404); a server with accounts answers.
    let r = request("GET", &server.url("/api/v1/me"), &[], None);
    assert_eq!(
        (r.status, r.json()["trial"].as_bool()),
        (200, Some(true)),
        "a trial says so: {}",
        r.text
    );
    spec.check("GET", "/api/v1/me", 200, &r.json());
    let sign_in_ops: [(&str, &str, &str, Option<&str>); 10] = [
        ("GET", "/api/v1/accounts", "/api/v1/accounts", None),
        (
            "POST",
            "/api/v1/accounts",
            "/api/v1/accounts",
            Some(r#"{"email":"a@b.c","agentId":"ag1"}"#),
        ),
        (
            "PATCH",
            "/api/v1/accounts/a@b.c",
            "/api/v1/accounts/{email}",
            Some(r#"{"active":false}"#),
        ),
        (
            "POST",
            "/api/v1/session",
            "/api/v1/session",
            Some(r#"{"email":"a@b.c","password":"x"}"#),
        ),
        ("DELETE", "/api/v1/session", "/api/v1/session", None),
        ("DELETE", "/api/v1/sessions", "/api/v1/sessions", None),
        (
            "POST",
            "/api/v1/me/password",
            "/api/v1/me/password",
            Some(r#"{"currentPassword":"a","newPassword":"b"}"#),
        ),
        ("GET", "/api/v1/me/tokens", "/api/v1/me/tokens", None),
        (
            "POST",
            "/api/v1/me/tokens",
            "/api/v1/me/tokens",
            Some(r#"{"name":"x"}"#),
        ),
        ("DELETE", "/api/v1/me/tokens/t1", "/api/v1/me/tokens/{tokenId}", None),
    ];
    for (method, path, template, body) in sign_in_ops {
        let r = request(method, &server.url(path), &[], body);
        assert_eq!(r.status, 404, "{method} {path} on a trial: {}", r.text);
        spec.check(method, template, 404, &r.json());
    }
    // Managing the team (on a trial, anyone may).
    let post = |path: &str, body: &str| request("POST", &server.url(path), &[AGENT], Some(body));
    let rosa = r#"{"name":"Rosa Diaz","emailAddress":"rosa@rapport.example","inboxIds":["voice"]}"#;
    let r = post("/api/v1/agents", rosa);
    assert_eq!(r.status, 201, "{}", r.text);
    spec.check("POST", "/api/v1/agents", 201, &r.json());
    let rosa_id = r.json()["id"].as_str().unwrap_or_default().to_owned();
    for (body, status) in [(rosa, 409), (r#"{"name":"Rosa","emailAddress":"rosa"}"#, 422)] {
        let r = post("/api/v1/agents", body);
        assert_eq!(r.status, status, "{}", r.text);
        spec.check("POST", "/api/v1/agents", status, &r.json());
    }
    let members = "/api/v1/inboxes/{inboxId}/members/{agentId}";
    for (method, path, status) in [
        ("PUT", format!("/api/v1/inboxes/support/members/{rosa_id}"), 200),
        ("DELETE", format!("/api/v1/inboxes/support/members/{rosa_id}"), 200),
        ("PUT", "/api/v1/inboxes/nowhere/members/ag1".to_owned(), 404),
    ] {
        let r = request(method, &server.url(&path), &[AGENT], None);
        assert_eq!(r.status, status, "{method} {path}: {}", r.text);
        spec.check(method, members, status, &r.json());
    }
    let mine = get("/api/v1/conversation-ids?view=mine").json();
    let owned = get(&format!(
        "/api/v1/conversations/{}",
        mine["ids"][0].as_str().unwrap_or_default()
    ))
    .json();
    let inbox = owned["inboxId"].as_str().unwrap_or_default();
    let r = request(
        "DELETE",
        &server.url(&format!("/api/v1/inboxes/{inbox}/members/ag1")),
        &[AGENT],
        None,
    );
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (409, "still_assigned"),
        "{}",
        r.text
    );
    spec.check("DELETE", members, 409, &r.json());
    // Inboxes: created (201; a name or channel another inbox has is 409), edited (200).
    let returns = r#"{"name":"Returns","reopenWindowHours":48,"agentIds":["ag1"]}"#;
    for (body, status) in [
        (returns, 201),
        (returns, 409),
        (r#"{"name":"Social","channels":["EMAIL"]}"#, 409),
        (r#"{"name":"Returns 2","reopenWindowHours":9000}"#, 422),
        (r#"{"channels":[]}"#, 400),
    ] {
        let r = post("/api/v1/inboxes", body);
        assert_eq!(r.status, status, "{body}: {}", r.text);
        spec.check("POST", "/api/v1/inboxes", status, &r.json());
    }
    let one = "/api/v1/inboxes/{inboxId}";
    for (path, body, status) in [
        ("/api/v1/inboxes/billing", r#"{"topicsRequiredToClose":false}"#, 200),
        // JSON Schema's integers include 48.0; 48.5 is not one.
        ("/api/v1/inboxes/billing", r#"{"reopenWindowHours":48.0}"#, 200),
        ("/api/v1/inboxes/billing", r#"{"reopenWindowHours":48.5}"#, 400),
        ("/api/v1/inboxes/billing", r#"{"name":"Email Care"}"#, 409),
        ("/api/v1/inboxes/billing", r#"{"name":null}"#, 400),
        ("/api/v1/inboxes/nowhere", "{}", 404),
    ] {
        let r = request("PATCH", &server.url(path), &[AGENT], Some(body));
        assert_eq!(r.status, status, "{path} {body}: {}", r.text);
        spec.check("PATCH", one, status, &r.json());
    }

    if !server.through_worker() {
        signed_in_operations(spec);
    }
}

/// The sign-in endpoints' answers on a server with accounts (their rules: tests/access.rs).
fn signed_in_operations(spec: &Spec) {
    let db = temp_db("contract-accounts");
    let accounts = rapport_server::accounts::Accounts::open(&db).expect("accounts");
    let password = accounts
        .create(
            "ava@rapport.example",
            &AgentId::from("ag1"),
            rapport_core::access::Role::Agent,
        )
        .expect("account");
    let admin_password = accounts
        .create(
            "jonas@rapport.example",
            &AgentId::from("ag10"),
            rapport_core::access::Role::Admin,
        )
        .expect("admin");
    drop(accounts);
    let server = TestServer::start_with(rapport_server::Options {
        db,
        conversations: common::SEED_CONVERSATIONS,
        ..rapport_server::Options::default()
    });
    let call = |method: &str, path: &str, auth: &str, body: Option<&str>| {
        request(method, &server.url(path), &[("authorization", auth)], body)
    };
    let wrong = json!({"email": "ava@rapport.example", "password": "wrong"}).to_string();
    let r = request("POST", &server.url("/api/v1/session"), &[], Some(&wrong));
    assert_eq!(r.status, 401);
    spec.check("POST", "/api/v1/session", 401, &r.json());
    let right = json!({"email": "ava@rapport.example", "password": password}).to_string();
    let r = request("POST", &server.url("/api/v1/session"), &[], Some(&right));
    assert_eq!(r.status, 201, "{}", r.text);
    spec.check("POST", "/api/v1/session", 201, &r.json());
    let auth = format!("Bearer {}", r.json()["token"].as_str().unwrap_or_default());
    let r = call("GET", "/api/v1/me", &auth, None);
    assert_eq!(r.status, 200, "{}", r.text);
    spec.check("GET", "/api/v1/me", 200, &r.json());
    let r = call("POST", "/api/v1/me/tokens", &auth, Some(r#"{"name":"CRM"}"#));
    assert_eq!(r.status, 201, "{}", r.text);
    spec.check("POST", "/api/v1/me/tokens", 201, &r.json());
    let r = call("GET", "/api/v1/me/tokens", &auth, None);
    assert_eq!(r.status, 200, "{}", r.text);
    spec.check("GET", "/api/v1/me/tokens", 200, &r.json());
    let r = call(
        "POST",
        "/api/v1/me/password",
        &auth,
        Some(r#"{"currentPassword":"no","newPassword":"long enough now"}"#),
    );
    assert_eq!(r.status, 403, "{}", r.text);
    spec.check("POST", "/api/v1/me/password", 403, &r.json());
    let r = call("GET", "/api/v1/conversations?view=inbox-voice", &auth, None);
    assert_eq!(r.status, 403, "{}", r.text);
    spec.check("GET", "/api/v1/conversations", 403, &r.json());
    let r = call("GET", "/api/v1/accounts", &auth, None);
    assert_eq!(r.status, 403, "an agent manages no accounts");
    spec.check("GET", "/api/v1/accounts", 403, &r.json());
    let admin = json!({"email": "jonas@rapport.example", "password": admin_password}).to_string();
    let r = request("POST", &server.url("/api/v1/session"), &[], Some(&admin));
    let admin = format!("Bearer {}", r.json()["token"].as_str().unwrap_or_default());
    let r = call(
        "POST",
        "/api/v1/accounts",
        &admin,
        Some(r#"{"email":"mia@rapport.example","agentId":"ag3"}"#),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    spec.check("POST", "/api/v1/accounts", 201, &r.json());
    let r = call(
        "PATCH",
        "/api/v1/accounts/mia@rapport.example",
        &admin,
        Some(r#"{"active":false}"#),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    spec.check("PATCH", "/api/v1/accounts/{email}", 200, &r.json());
    let r = call("GET", "/api/v1/accounts", &admin, None);
    assert_eq!(r.status, 200, "{}", r.text);
    spec.check("GET", "/api/v1/accounts", 200, &r.json());
    let r = call("DELETE", "/api/v1/session", &auth, None);
    assert_eq!(r.status, 204);
    let r = call("GET", "/api/v1/me", &auth, None);
    assert_eq!(r.status, 401);
    spec.check("GET", "/api/v1/me", 401, &r.json());
}

#[test]
fn every_operation_is_marked_and_its_examples_are_valid() {
    let spec = Spec::load();
    let mut checked = 0;
    for (path, item) in spec.doc["paths"].as_object().unwrap() {
        for method in HTTP_METHODS {
            let Some(op) = item.get(method) else { continue };
            let marker = op.get("x-gladly").and_then(Value::as_str);
            assert!(
                matches!(marker, Some("same") | Some("extension")),
                "{method} {path}: x-gladly must be same or extension"
            );
            let op_ptr = format!("/paths/{}/{method}", common::escape(path));
            let mut has_example = false;
            let mut media_types: Vec<(String, &Value)> = Vec::new();
            if let Some(body) = op.get("requestBody") {
                for (media, m) in spec.resolve(body)["content"].as_object().unwrap() {
                    media_types.push((format!("{op_ptr}/requestBody/content/{}", common::escape(media)), m));
                }
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                let response_ptr = match response.get("$ref").and_then(Value::as_str) {
                    Some(r) => r.trim_start_matches('#').to_owned(),
                    None => format!("{op_ptr}/responses/{status}"),
                };
                if let Some(content) = spec.resolve(response).get("content").and_then(Value::as_object) {
                    for (media, m) in content {
                        media_types.push((format!("{response_ptr}/content/{}", common::escape(media)), m));
                    }
                }
            }
            for (ptr, m) in media_types {
                let mut examples: Vec<&Value> = Vec::new();
                if let Some(e) = m.get("example") {
                    examples.push(e);
                }
                if let Some(map) = m.get("examples").and_then(Value::as_object) {
                    for e in map.values() {
                        examples.push(&spec.resolve(e)["value"]);
                    }
                }
                for example in examples {
                    has_example = true;
                    if ptr.contains("text~1event-stream") {
                        continue;
                    }
                    // Examples may omit nothing the strict schema requires, and add nothing either.
                    spec.validate_at(&format!("{ptr}/schema"), example)
                        .unwrap_or_else(|e| panic!("{method} {path} example at {ptr}: {e}"));
                    checked += 1;
                }
            }
            assert!(has_example, "{method} {path} has no example");
        }
    }
    assert!(checked > 40, "only {checked} examples checked");
}

/// Every kind of timeline content, as the core serializes it, matches `TimelineItem`; an unknown
/// kind matches the tolerated `UnknownContent`.
#[test]
fn every_item_kind_matches_the_schema() {
    let spec = Spec::load();
    let kinds = vec![
        ItemContent::message(Channel::Chat, Direction::Inbound, "hi".into(), None),
        ItemContent::message(
            Channel::Email,
            Direction::Outbound,
            "hello".into(),
            Some("Re: order".into()),
        ),
        ItemContent::Email(Box::new(EmailContent {
            subject: "s".into(),
            content: "c".into(),
            html: Some("<p>c</p>".into()),
            from: "a@example.com".into(),
            to: vec!["b@example.com".into()],
            direction: Direction::Inbound,
        })),
        ItemContent::message(Channel::Sms, Direction::Inbound, "sms".into(), None),
        ItemContent::message(Channel::Phone, Direction::Outbound, "call".into(), None),
        ItemContent::message(Channel::Voicemail, Direction::Inbound, "vm".into(), None),
        ItemContent::message(Channel::Whatsapp, Direction::Inbound, "wa".into(), None),
        ItemContent::message(Channel::FacebookMessenger, Direction::Inbound, "fb".into(), None),
        ItemContent::message(Channel::InstagramDirect, Direction::Inbound, "ig".into(), None),
        ItemContent::ConversationNote { body: "note".into() },
        ItemContent::ConversationStatusChange {
            status: Status::Waiting,
        },
        ItemContent::TopicChange {
            added: vec![TopicId::from("a")],
            removed: vec![TopicId::from("b")],
        },
        ItemContent::AssignmentChange {
            inbox_id: InboxId::from("support"),
            agent_id: Some(AgentId::from("ag1")),
        },
        ItemContent::AssignmentChange {
            inbox_id: InboxId::from("support"),
            agent_id: None,
        },
        ItemContent::CustomerActivity(Box::new(ActivityContent {
            title: "Order placed".into(),
            body: "3 items".into(),
            link: Some("https://shop.example/o/1".into()),
        })),
        ItemContent::Task {
            task_id: TaskId::from("ta1"),
            event: TaskEvent::Reopened,
            body: "call back".into(),
        },
        rapport_core::content_codec::decode(json!({"type": "LOYALTY_POINTS", "points": 500})),
    ];
    for (i, content) in kinds.into_iter().enumerate() {
        let item = TimelineItem {
            id: ItemId::from(format!("it{i}")),
            customer_id: CustomerId::from("cu1"),
            conversation_id: Some(ConversationId::from("co1")),
            timestamp: "2026-01-02T03:04:05.678Z".parse().unwrap(),
            initiator: if i % 2 == 0 {
                Initiator::Agent {
                    id: AgentId::from("ag1"),
                    via: (i % 4 == 0).then(|| AgentId::from("ag9")),
                }
            } else {
                Initiator::System
            },
            content,
        };
        spec.check_component("TimelineItem", &serde_json::to_value(&item).unwrap());
    }
    let assignee = serde_json::to_value(Assignee {
        inbox_id: InboxId::from("support"),
        agent_id: None,
    })
    .unwrap();
    spec.check_component("Assignee", &assignee);
    // A misspelt field must fail the strict schema, or these checks would prove nothing.
    let wrong = json!({"id": "it1", "customerId": "cu1", "timestamp": "2026-01-02T03:04:05Z",
                       "initiator": {"type": "SYSTEM"}, "content": {"type": "SMS", "content": "x", "direction": "INBOUND"},
                       "conversationID": "co1"});
    assert!(spec.validate_at("/components/schemas/TimelineItem", &wrong).is_err());
    assert!(spec.validate_plain("/components/schemas/TimelineItem", &wrong).is_ok());
    // A known kind missing a field, a bad enum value and a bad time are caught too.
    let mut item = json!({"id": "it1", "customerId": "cu1", "timestamp": "2026-01-02T03:04:05Z",
                          "initiator": {"type": "SYSTEM"},
                          "content": {"type": "EMAIL", "subject": "s", "content": "c", "from": "", "direction": "INBOUND"}});
    assert!(spec.validate_at("/components/schemas/TimelineItem", &item).is_err());
    item["content"] = json!({"type": "SMS", "content": "x", "direction": "SIDEWAYS"});
    assert!(spec.validate_at("/components/schemas/TimelineItem", &item).is_err());
    item["content"] = json!({"type": "SMS", "content": "x", "direction": "INBOUND"});
    assert!(spec.validate_at("/components/schemas/TimelineItem", &item).is_ok());
    item["timestamp"] = json!("yesterday");
    assert!(spec.validate_at("/components/schemas/TimelineItem", &item).is_err());
    let resource = json!({"id": "co1", "customerId": "cu1", "status": "NEW", "assignee": {"inboxId": "support"},
                          "topicIds": [], "createdAt": "2026-01-02T03:04:05Z", "updatedAt": "2026-01-02T03:04:05Z",
                          "version": 1, "channels": [], "lastActivityAt": null, "reopenCount": 0});
    assert!(spec.validate_at("/components/schemas/Conversation", &resource).is_ok());
    assert!(
        spec.validate_at("/components/schemas/ConversationResource", &resource)
            .is_err(),
        "the flat inboxId is required on a resource"
    );
}

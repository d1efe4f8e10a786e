//! The service's guards against a hostile caller (see docs/http-api.md, "Security"): each test is
//! an attack that worked before its guard existed.

mod common;

use common::{now, open_conversation, origin};
use rapport_service::{MemoryLog, Method, Options, Request, Service};

fn service(token: Option<&str>) -> Service<MemoryLog> {
    service_with(token, None)
}

fn service_with(token: Option<&str>, inbound_secret: Option<&str>) -> Service<MemoryLog> {
    let options = Options {
        token: token.map(str::to_owned),
        sandbox: false,
        inbound_secret: inbound_secret.map(str::to_owned),
    };
    Service::open(origin(), MemoryLog::default(), options).expect("opens")
}

fn notes(s: &Service<MemoryLog>, conv: &str, text: &str) -> usize {
    s.store()
        .conversations()
        .filter(|c| c.id.as_str() == conv)
        .flat_map(|c| s.store().timeline(&c.customer_id))
        .filter(|i| matches!(&i.content, rapport_core::ItemContent::ConversationNote { body } if body == text))
        .count()
}

/// A page on another site can post a form, or `fetch` with `text/plain`, without the browser
/// asking the server first; JSON it cannot send so. Such a body is refused before it is read.
#[test]
fn a_body_not_sent_as_json_is_refused_415_and_changes_nothing() {
    let mut s = service(None);
    let conv = open_conversation(s.store());
    let path = format!("/v1/conversations/{conv}/notes");
    let body = r#"{"body":"posted from another site"}"#;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
    ] {
        let mut request = Request::new(Method::Post, &path).with_header("x-agent-id", "ag1");
        if let Some(t) = content_type {
            request = request.with_header("content-type", t);
        }
        let response = s.handle(now(), &request.with_body(body)).response;
        assert_eq!(response.status, 415, "Content-Type {content_type:?}");
        let parsed: serde_json::Value = serde_json::from_slice(&response.body).expect("an error body");
        assert_eq!(parsed["errors"][0]["code"], "unsupported_media_type");
        assert_eq!(parsed["errors"][0]["attr"], "Content-Type");
    }
    assert_eq!(notes(&s, &conv, "posted from another site"), 0);
    // JSON, however it is spelled, is taken.
    for content_type in [
        "application/json",
        "Application/JSON; charset=utf-8",
        "application/merge-patch+json",
    ] {
        let request = Request::new(Method::Post, &path)
            .with_header("x-agent-id", "ag1")
            .with_header("content-type", content_type)
            .with_body(body);
        assert_eq!(s.handle(now(), &request).response.status, 201, "{content_type}");
    }
}

/// The token is compared exactly (no trimming), whatever the case of its scheme, and in a time
/// that does not depend on the guess.
#[test]
fn the_token_is_taken_exactly_as_sent() {
    let s = service(Some("s3cret"));
    let with = |auth: &str| Request::new(Method::Get, "/v1/agents").with_header("authorization", auth);
    // (Whitespace around a header value is not part of it, RFC 9110 §5.5: no case for it here.)
    for refused in [
        "Bearer  s3cret",
        "Bearer s3 cret",
        "Bearer s3cre",
        "Bearer s3cret2",
        "Bearer ",
        "s3cret",
    ] {
        assert!(s.authorize(now(), &with(refused)).is_err(), "{refused:?}");
    }
    for taken in ["Bearer s3cret", "bearer s3cret", "BEARER s3cret"] {
        assert!(s.authorize(now(), &with(taken)).is_ok(), "{taken:?}");
    }
}

#[test]
fn same_secret_needs_the_whole_secret_and_nothing_more() {
    use rapport_service::extract::same_secret;
    assert!(same_secret(b"abc", b"abc"));
    for guess in [&b""[..], b"ab", b"abd", b"abcd", b"\0abc", b"abc\0"] {
        assert!(!same_secret(guess, b"abc"), "{guess:?}");
    }
}

/// Finding 7: a ~2 MiB note and a ~2 MiB email subject were accepted and kept for ever. Now a
/// text over its limit is refused 422 `too_long`, naming the field, and nothing is stored.
#[test]
fn a_text_over_its_limit_is_refused_422_and_not_stored() {
    let mut s = service(None);
    let conv = open_conversation(s.store());
    let big = "x".repeat(rapport_core::limits::NOTE + 1);
    let request = Request::new(Method::Post, &format!("/v1/conversations/{conv}/notes"))
        .with_header("x-agent-id", "ag1")
        .with_json(serde_json::json!({ "body": big }).to_string());
    let response = s.handle(now(), &request).response;
    assert_eq!(response.status, 422);
    let parsed: serde_json::Value = serde_json::from_slice(&response.body).expect("an error body");
    assert_eq!(parsed["errors"][0]["code"], "too_long");
    assert_eq!(parsed["errors"][0]["attr"], "body");
    assert_eq!(notes(&s, &conv, &big), 0);
    let subject = "s".repeat(rapport_core::limits::SUBJECT + 1);
    let request = Request::new(Method::Post, "/v1/inbound").with_json(
        serde_json::json!({ "customerId": "cu1", "channel": "EMAIL", "text": "hi", "subject": subject }).to_string(),
    );
    let response = s.handle(now(), &request).response;
    assert_eq!(response.status, 422, "{}", String::from_utf8_lossy(&response.body));
}

/// Finding 4: `/inbound` took the agents' token and no signature, so anyone holding that token
/// could make up customer messages, and a captured delivery could be sent again at any time.
/// With an inbound secret, only a fresh delivery signed with it gets in.
#[test]
fn the_inbound_webhook_takes_only_fresh_deliveries_signed_with_its_secret() {
    use rapport_service::signature::{sign, HEADER, TOLERANCE_SECS};
    let mut s = service_with(Some("agents-token"), Some("whsec_integration"));
    let body = serde_json::json!({ "customerId": "cu1", "channel": "SMS", "text": "Is my parcel coming?" }).to_string();
    let unix = now().timestamp();
    let deliver = |s: &mut Service<MemoryLog>, extra: &[(&str, String)]| {
        let mut request = Request::new(Method::Post, "/v1/inbound").with_json(body.clone());
        for (name, value) in extra {
            request = request.with_header(name, value.as_bytes());
        }
        let response = s.handle(now(), &request).response;
        let code = serde_json::from_slice::<serde_json::Value>(&response.body)
            .ok()
            .map(|v| v["errors"][0]["code"].clone());
        (response.status, code)
    };
    let refused = |status: u16| status == 401;
    // An agent's token is not the integration's credential.
    let (status, code) = deliver(&mut s, &[("authorization", "Bearer agents-token".into())]);
    assert!(refused(status), "{status}");
    assert_eq!(code, Some(serde_json::json!("bad_signature")));
    // Nor is no signature, another secret's, a stale one, or one of another body.
    for header in [
        sign("another-secret", unix, body.as_bytes()),
        sign("whsec_integration", unix - TOLERANCE_SECS - 1, body.as_bytes()),
        sign("whsec_integration", unix + TOLERANCE_SECS + 1, body.as_bytes()),
        sign("whsec_integration", unix, b"{\"text\":\"something else\"}"),
        "t=abc,v1=00".into(),
        "v1=deadbeef".into(),
    ] {
        let (status, _) = deliver(&mut s, &[(HEADER, header.clone())]);
        assert!(refused(status), "{header}: {status}");
    }
    assert!(refused(deliver(&mut s, &[]).0));
    // A fresh, right signature: in, once; the same delivery retried with its key is not a second.
    let signed = sign("whsec_integration", unix - 10, body.as_bytes());
    let key = ("idempotency-key", "delivery-7".to_owned());
    assert_eq!(deliver(&mut s, &[(HEADER, signed.clone()), key.clone()]).0, 201);
    assert_eq!(deliver(&mut s, &[(HEADER, signed), key]).0, 201);
    let customer = rapport_core::CustomerId::from("cu1".to_owned());
    let said = s
        .store()
        .timeline(&customer)
        .iter()
        .filter(|i| matches!(&i.content, rapport_core::ItemContent::Sms { content, .. } if content == "Is my parcel coming?"))
        .count();
    assert_eq!(said, 1);
    // Other endpoints still take the agents' token, not the signature.
    let agents = Request::new(Method::Get, "/v1/agents").with_header("authorization", "Bearer agents-token");
    assert_eq!(s.handle(now(), &agents).response.status, 200);
}

/// Security review 10: lists had no cap, so one request could ask for every row of a big
/// organisation. Each list is capped; a `Link` header (or `nextCursor`) leads to the rest.
#[test]
fn every_list_is_capped_and_says_where_the_rest_is() {
    let mut s = service(None);
    let get = |s: &mut Service<MemoryLog>, path: &str| {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let mut request = Request::new(Method::Get, path);
        request.query = query.to_owned();
        s.handle(now(), &request).response
    };
    let customer = s
        .store()
        .customers()
        .find(|c| s.store().conversations_of(&c.id).count() >= 3)
        .map(|c| c.id.to_string())
        .expect("a customer with three conversations");
    let path = format!("/v1/customers/{customer}/conversations");
    let mut seen = Vec::new();
    let mut next = format!("{path}?limit=2");
    for _ in 0..10 {
        let r = get(&mut s, &next);
        assert_eq!(r.status, 200);
        let page: Vec<serde_json::Value> = serde_json::from_slice(&r.body).expect("an array");
        assert!(page.len() <= 2, "the limit holds");
        seen.extend(
            page.into_iter()
                .map(|c| c["id"].as_str().unwrap_or_default().to_owned()),
        );
        let Some(link) = r.header("link") else { break };
        let relative = link.trim_start_matches("<?").split(">;").next().unwrap_or_default();
        assert!(link.ends_with("rel=\"next\""), "{link}");
        next = format!("{path}?{relative}");
    }
    let all = s.store().conversations_of(&customer.as_str().into()).count();
    assert_eq!(seen.len(), all, "following the links reads each conversation once");
    seen.dedup();
    assert_eq!(seen.len(), all);

    let whole: serde_json::Value =
        serde_json::from_slice(&get(&mut s, "/v1/conversation-ids?view=closed").body).expect("json");
    let total = whole["ids"].as_array().map_or(0, Vec::len);
    assert!(total > 3, "enough closed conversations to page: {total}");
    assert!(whole.get("nextCursor").is_none(), "under the cap, no cursor");
    let r = get(&mut s, "/v1/conversation-ids?view=closed&limit=3");
    let page: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
    assert_eq!(page["ids"].as_array().map(Vec::len), Some(3));
    assert_eq!(page["nextCursor"], "3");
    let r = get(&mut s, "/v1/conversation-ids?view=closed&cursor=3");
    let rest: serde_json::Value = serde_json::from_slice(&r.body).expect("json");
    assert_eq!(rest["ids"].as_array().map_or(0, Vec::len), total - 3);
    let r = get(&mut s, "/v1/conversations/nope/items?cursor=x");
    assert_eq!(r.status, 404, "an unknown conversation first");
}

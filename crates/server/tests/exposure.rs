//! The server on a network: each test is an attack from ../shared/reference/security-review.md
//! (findings 3, 7, 8, 12, 13, 15) that worked before its guard existed.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::{add_note, first_in, raw, request, temp_db, EventStream, TestServer, SEED_CONVERSATIONS};
use rapport_server::Options;

fn server_with(name: &str, tweak: impl FnOnce(&mut Options)) -> TestServer {
    let mut options = Options {
        db: temp_db(name),
        conversations: SEED_CONVERSATIONS,
        ..Options::default()
    };
    tweak(&mut options);
    TestServer::start_with(options)
}

fn host_of(server: &TestServer) -> String {
    server.base.trim_start_matches("http://").to_owned()
}

/// Finding 3: with `Access-Control-Allow-Origin: *` any page an agent visits could read the API.
/// Now only the origins named with --allow-origin may; by default none (same origin only).
#[test]
fn only_named_origins_may_read_the_api_from_a_browser() {
    let strict = server_with("cors-none", |_| {});
    let r = request(
        "GET",
        &strict.url("/api/v1/agents"),
        &[("Origin", "http://evil.example")],
        None,
    );
    assert_eq!(
        r.header("access-control-allow-origin"),
        None,
        "no origin is allowed by default"
    );

    let named = server_with("cors-named", |o| o.allowed_origins = vec!["http://desk.example".into()]);
    let r = request(
        "GET",
        &named.url("/api/v1/agents"),
        &[("Origin", "http://desk.example")],
        None,
    );
    assert_eq!(r.header("access-control-allow-origin"), Some("http://desk.example"));
    let r = request(
        "GET",
        &named.url("/api/v1/agents"),
        &[("Origin", "http://evil.example")],
        None,
    );
    assert_eq!(r.header("access-control-allow-origin"), None, "another origin is not");
    let preflight = |origin: &str| {
        request(
            "OPTIONS",
            &named.url("/api/v1/inbound"),
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "content-type"),
            ],
            None,
        )
    };
    assert_eq!(
        preflight("http://evil.example").header("access-control-allow-origin"),
        None
    );
    assert_eq!(
        preflight("http://desk.example").header("access-control-allow-origin"),
        Some("http://desk.example")
    );
}

/// Finding 3: `Host: attacker.example` was served, so a name an attacker points at 127.0.0.1
/// (DNS rebinding) made the API the attacker's own origin. A loopback server answers 421.
#[test]
fn a_forged_host_is_refused_on_a_loopback_server() {
    let server = server_with("host", |_| {});
    let (status, answer) = raw(
        &server.base,
        "GET /api/v1/agents HTTP/1.1\r\nHost: attacker.example",
        "",
    );
    assert_eq!(status, 421, "{answer}");
    assert!(answer.contains("misdirected"), "{answer}");
    let (status, _) = raw(
        &server.base,
        "POST /api/v1/inbound HTTP/1.1\r\nHost: attacker.example:8787\r\nContent-Type: application/json",
        r#"{"customerId":"cu1","channel":"SMS","text":"rebound"}"#,
    );
    assert_eq!(status, 421);
    let (status, _) = raw(
        &server.base,
        &format!("GET /api/v1/agents HTTP/1.1\r\nHost: {}", host_of(&server)),
        "",
    );
    assert_eq!(status, 200, "its own address is served");
    let (status, _) = raw(&server.base, "GET /api/v1/agents HTTP/1.1\r\nHost: localhost", "");
    assert_eq!(status, 200, "and localhost");
}

/// Finding 3: a page on any site could post a customer message with `Content-Type: text/plain`
/// (no preflight). It is refused before anything is read or stored.
#[test]
fn a_cross_site_form_post_is_refused() {
    let server = server_with("form-post", |_| {});
    let (status, answer) = raw(
        &server.base,
        &format!(
            "POST /api/v1/inbound HTTP/1.1\r\nHost: {}\r\nOrigin: http://evil.example\r\nContent-Type: text/plain",
            host_of(&server)
        ),
        r#"{"customerId":"cu1","channel":"SMS","text":"a fake customer message"}"#,
    );
    assert_eq!(status, 415, "{answer}");
    assert!(!answer.to_ascii_lowercase().contains("access-control-allow-origin"));
    let timeline = request(
        "GET",
        &server.url("/api/v1/customers/cu1/timeline?limit=500"),
        &[],
        None,
    );
    assert!(!timeline.text.contains("a fake customer message"));
}

/// Finding 12: no security headers; pages could be framed and customer data cached.
#[test]
fn every_answer_carries_the_security_headers() {
    let dist = std::env::temp_dir().join(format!("rapport-dist-{}", std::process::id()));
    std::fs::create_dir_all(&dist).expect("dist");
    std::fs::write(dist.join("index.html"), "<!doctype html><title>t</title>").expect("index");
    let server = server_with("headers", |o| o.dist = Some(dist.clone()));
    for (path, api) in [
        ("/api/v1/agents", true),
        ("/api/v1/nope", true),
        ("/", false),
        ("/inbox/mine", false),
    ] {
        let r = request("GET", &server.url(path), &[], None);
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{path}");
        // Served files also keep the app talking to this server only (security review 5).
        let csp = if api {
            "frame-ancestors 'none'"
        } else {
            "frame-ancestors 'none'; connect-src 'self'"
        };
        assert_eq!(r.header("content-security-policy"), Some(csp), "{path}");
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{path}");
        assert_eq!(
            r.header("cache-control") == Some("no-store"),
            api,
            "{path}: API answers only are no-store"
        );
    }
}

/// Finding 8: 4,000 event streams from one client were all held open. A cap answers 503 with
/// Retry-After, and a stream that ends gives its place back.
#[test]
fn live_streams_are_capped_and_a_closed_one_frees_its_place() {
    let server = server_with("streams", |o| o.max_streams = Some(2));
    let url = server.url("/api/v1/events");
    let a = EventStream::open(&url, &[]);
    let b = EventStream::open(&url, &[]);
    assert_eq!((a.status, b.status), (200, 200));
    let third = request("GET", &url, &[], None);
    assert_eq!(third.status, 503);
    assert_eq!(third.header("retry-after"), Some("30"));
    assert_eq!(third.error_code(), "too_many_streams");
    // A dropped client is noticed when its stream is next written to: a change, or the 15 s
    // keep-alive.
    drop(a);
    let (conv, _) = first_in(&server, "open");
    assert_eq!(add_note(&server, &conv, "wakes the streams"), 201);
    let started = Instant::now();
    loop {
        let again = EventStream::open(&url, &[]);
        if again.status == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the closed stream's place never came back"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Finding 8: a body sent a byte at a time held its connection for as long as the client liked.
#[test]
fn a_body_that_takes_too_long_is_cut_off() {
    let server = server_with("slow-body", |o| o.request_deadline = Some(Duration::from_millis(500)));
    let (conv, _) = first_in(&server, "open");
    let addr = host_of(&server);
    let mut conn = std::net::TcpStream::connect(&addr).expect("connects");
    conn.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let head = format!(
        "POST /api/v1/conversations/{conv}/notes HTTP/1.1\r\nHost: {addr}\r\nX-Agent-Id: ag1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"bo"
    );
    conn.write_all(head.as_bytes()).expect("writes");
    let started = Instant::now();
    let mut answer = String::new();
    let _ = std::io::Read::read_to_string(&mut conn, &mut answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(5), "cut off at the deadline");
}

/// Finding 8: 200 connections with a half-sent request head were all still open after 45 s
/// (axum's serve sets no timer, so hyper's head timeout was off). Now they are closed.
#[test]
fn a_request_head_that_never_ends_is_cut_off() {
    let server = server_with("slow-head", |o| o.head_deadline = Some(Duration::from_millis(500)));
    let addr = host_of(&server);
    let mut conns: Vec<std::net::TcpStream> = (0..20)
        .map(|_| {
            let mut c = std::net::TcpStream::connect(&addr).expect("connects");
            c.write_all(b"GET /api/v1/agents HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                .expect("writes");
            c.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
            c
        })
        .collect();
    let started = Instant::now();
    for c in &mut conns {
        let mut rest = Vec::new();
        // The server closes it (maybe after a 408): the read ends instead of waiting 10 s.
        let _ = std::io::Read::read_to_end(c, &mut rest);
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "closed at the deadline, not held"
    );
    // And the server still serves.
    assert_eq!(request("GET", &server.url("/api/v1/agents"), &[], None).status, 200);
}

/// Finding 8: 300 wrong tokens in 3.8 s all got an answer, with no limit. Past its burst an
/// address is told to wait (429 with Retry-After), whatever it sends.
#[test]
fn an_address_past_its_rate_is_told_to_wait() {
    let server = server_with("rate", |o| {
        o.token = Some("s3cret".into());
        o.rate_limit = Some(1);
        o.rate_burst = Some(5);
    });
    let guess = |n: usize| {
        request(
            "GET",
            &server.url("/api/v1/agents"),
            &[("Authorization", &format!("Bearer guess{n}"))],
            None,
        )
    };
    let statuses: Vec<u16> = (0..8).map(|n| guess(n).status).collect();
    assert_eq!(&statuses[..5], [401; 5], "the burst is answered");
    assert!(statuses[5..].iter().all(|s| *s == 429), "then refused: {statuses:?}");
    let r = guess(99);
    assert_eq!(r.error_code(), "rate_limited");
    let wait: u64 = r
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=2).contains(&wait), "{wait}");
    // The right token is not let through while the address waits either.
    let right = request(
        "GET",
        &server.url("/api/v1/agents"),
        &[("Authorization", "Bearer s3cret")],
        None,
    );
    assert_eq!(right.status, 429);
}

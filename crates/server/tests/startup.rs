//! Starting up: the binary's ready line, refusing databases it cannot replay faithfully, command
//! line parsing, and serving the built app.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{request, temp_db, TestServer};
use rapport_server::{config, AppState, Options};

fn options(db: &std::path::Path) -> Options {
    Options {
        db: db.to_path_buf(),
        conversations: 30,
        ..Options::default()
    }
}

fn open_error(db: &std::path::Path) -> String {
    match AppState::open(&options(db)) {
        Ok(_) => panic!("the server should refuse {}", db.display()),
        Err(e) => e.to_string(),
    }
}

/// A team's server is made with `admin create` (the first account, and the database); without
/// accounts a server starts only as a trial (`--sandbox`), so none is left open by mistake.
#[test]
fn the_binary_prints_its_address_when_ready_and_stops_on_sigterm() {
    let db = temp_db("binary");
    let bin = env!("CARGO_BIN_EXE_rapport-server");
    let open = Command::new(bin)
        .args(["--addr", "127.0.0.1:0", "--conversations", "30", "--db"])
        .arg(&db)
        .env_remove("RAPPORT_TOKEN")
        .output()
        .expect("runs");
    let said = String::from_utf8_lossy(&open.stderr);
    assert!(
        !open.status.success() && said.contains("admin create") && said.contains("--sandbox"),
        "{said}"
    );
    let created = Command::new(bin)
        .args([
            "admin",
            "create",
            "--email",
            "ava@x.example",
            "--agent",
            "ag1",
            "--role",
            "admin",
        ])
        .args(["--conversations", "30", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    let printed = String::from_utf8_lossy(&created.stdout);
    let password = printed
        .lines()
        .find_map(|l| l.strip_prefix("first password (shown once): "))
        .unwrap_or_else(|| panic!("no password in: {printed}"))
        .to_owned();
    let mut child = Command::new(bin)
        .args(["--addr", "127.0.0.1:0", "--conversations", "30", "--db"])
        .arg(&db)
        .env_remove("RAPPORT_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("a line");
    let addr = line
        .trim()
        .strip_prefix("rapport-server listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line: {line}"))
        .to_owned();
    assert!(!addr.ends_with(":0"), "the real port is printed: {addr}");
    let r = request("GET", &format!("http://{addr}/api/v1/organization"), &[], None);
    assert_eq!(r.status, 401, "agents sign in");
    let body = serde_json::json!({"email": "ava@x.example", "password": password}).to_string();
    let r = request("POST", &format!("http://{addr}/api/v1/session"), &[], Some(&body));
    assert_eq!(r.status, 201, "{}", r.text);
    let auth = format!("Bearer {}", r.json()["token"].as_str().unwrap_or_default());
    let r = request(
        "GET",
        &format!("http://{addr}/api/v1/organization"),
        &[("authorization", &auth)],
        None,
    );
    assert_eq!(r.status, 200);

    // SIGTERM: a clean exit (the process id is our own child's).
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill");
    assert!(status.success());
    let started = Instant::now();
    loop {
        if let Some(code) = child.try_wait().expect("wait") {
            assert!(code.success(), "exit status {code}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Security review, finding 15: no access log. One line per request, with neither the query
/// (what was searched for) nor any header (the token).
#[test]
fn the_binary_logs_one_line_per_request_without_secrets() {
    let db = temp_db("access-log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rapport-server"))
        .args([
            "--addr",
            "127.0.0.1:0",
            "--conversations",
            "30",
            "--sandbox",
            "--token",
            "s3cret-token",
            "--db",
        ])
        .arg(&db)
        .env_remove("RAPPORT_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("a line");
    let addr = line
        .trim()
        .trim_start_matches("rapport-server listening on ")
        .to_owned();
    let auth = [("Authorization", "Bearer s3cret-token")];
    assert_eq!(
        request("GET", &format!("{addr}/api/v1/search?q=olivia-secret"), &auth, None).status,
        200
    );
    assert_eq!(
        request(
            "GET",
            &format!("{addr}/api/v1/agents"),
            &[("Authorization", "Bearer wrong")],
            None
        )
        .status,
        401
    );
    let _ = child.kill();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut err).expect("stderr");
    let _ = child.wait();
    assert!(
        err.lines()
            .any(|l| l.starts_with("rapport-server: GET /api/v1/search 200 ")),
        "{err}"
    );
    assert!(
        err.lines()
            .any(|l| l.starts_with("rapport-server: GET /api/v1/agents 401 ")),
        "{err}"
    );
    assert!(
        !err.contains("olivia-secret") && !err.contains("s3cret-token") && !err.contains("wrong"),
        "{err}"
    );
}

#[test]
fn a_bad_command_line_exits_with_a_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_rapport-server"))
        .args(["--port", "1"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown argument `--port`"));
}

#[test]
fn command_line_parsing() {
    let parse = |args: &[&str]| config::parse(args.iter().map(|s| s.to_string()), None);
    let c = parse(&[]).unwrap();
    assert_eq!(c.addr.to_string(), "127.0.0.1:8787");
    assert_eq!(c.options.conversations, 1000);
    assert_eq!(c.options.db.to_str(), Some("rapport.db"));
    let c = parse(&[
        "--addr",
        "127.0.0.1:0",
        "--db=x.db",
        "--token",
        "t",
        "--conversations",
        "50",
    ])
    .unwrap();
    assert_eq!(c.addr.port(), 0);
    assert_eq!(c.options.db.to_str(), Some("x.db"));
    assert_eq!(c.options.token.as_deref(), Some("t"));
    assert_eq!(c.options.conversations, 50);
    assert!(!c.options.sandbox, "the trial endpoints are off unless asked for");
    assert_eq!(c.options.postgres, None, "a file path is SQLite");
    let pg = parse(&["--db", "postgres://rapport@db.internal/rapport"]).unwrap();
    assert_eq!(
        pg.options.postgres.as_deref(),
        Some("postgres://rapport@db.internal/rapport")
    );
    assert!(parse(&["--sandbox"]).unwrap().options.sandbox);
    assert!(parse(&["--sandbox=yes"]).is_err(), "--sandbox takes no value");
    assert!(parse(&["--help"]).unwrap_err().starts_with("usage:"));
    assert!(parse(&["--addr"]).unwrap_err().contains("needs a value"));
    assert!(parse(&["--addr", "localhost"]).is_err());
    assert!(parse(&["--conversations", "0"]).is_err());
    assert!(parse(&["--dist", "/nonexistent-dir"])
        .unwrap_err()
        .contains("index.html"));
    let c = config::parse(Vec::new(), Some("from-env".into())).unwrap();
    assert_eq!(c.options.token.as_deref(), Some("from-env"));
    // Security review, finding 3: `--addr 0.0.0.0:…` without a token served anyone, silently.
    let wide = parse(&["--addr", "0.0.0.0:8787"]).unwrap();
    let open = wide.exposure(false).unwrap_err();
    assert!(
        open.contains("beyond this machine") && open.contains("--token") && open.contains("admin create"),
        "{open}"
    );
    assert!(
        wide.exposure(true).is_ok(),
        "a database with accounts signs everyone in"
    );
    assert!(parse(&["--addr", "0.0.0.0:8787", "--token", "t"])
        .unwrap()
        .exposure(false)
        .is_ok());
    let c = parse(&[
        "--allow-origin",
        "https://desk.example",
        "--allow-origin=http://127.0.0.1:8080",
    ])
    .unwrap();
    assert_eq!(
        c.options.allowed_origins,
        ["https://desk.example", "http://127.0.0.1:8080"]
    );
    for bad in ["desk.example", "https://desk.example/inbox", "*", "https://"] {
        assert!(parse(&["--allow-origin", bad]).is_err(), "{bad}");
    }
}

#[test]
fn a_database_from_another_generator_version_is_refused() {
    let db = temp_db("generator");
    drop(AppState::open(&options(&db)).expect("a new database opens"));
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("UPDATE meta SET value = '999' WHERE key = 'generator'", [])
        .unwrap();
    drop(conn);
    let message = open_error(&db);
    assert!(message.contains("generator version 999"), "{message}");
    assert!(message.contains("new --db"), "{message}");
}

#[test]
fn a_stored_change_that_no_longer_applies_is_refused() {
    let db = temp_db("replay");
    drop(AppState::open(&options(&db)).expect("a new database opens"));
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "INSERT INTO commands (at, command) VALUES ('2026-01-01T00:00:00Z',
         '{\"command\":\"ADD_NOTE\",\"conversationId\":\"co-gone\",\"agentId\":\"ag1\",\"body\":\"x\"}')",
        [],
    )
    .unwrap();
    drop(conn);
    let message = open_error(&db);
    assert!(message.contains("change 1 no longer applies"), "{message}");

    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE commands SET command = '{\"command\":\"TELEPORT\"}' WHERE seq = 1",
        [],
    )
    .unwrap();
    drop(conn);
    let message = open_error(&db);
    assert!(message.contains("change 1 cannot be read"), "{message}");
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let db = temp_db("garbage");
    std::fs::write(
        &db,
        b"this is not sqlite, just some text that is long enough to look like a header",
    )
    .unwrap();
    let message = open_error(&db);
    assert!(message.contains(&db.display().to_string()), "{message}");
}

#[test]
fn the_built_app_is_served_with_a_spa_fallback() {
    let dist = temp_db("dist").with_extension("d");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), "<!doctype html><title>Rapport</title>").unwrap();
    std::fs::write(dist.join("app.js"), "console.log(1)").unwrap();
    let server = TestServer::start_with(Options {
        dist: Some(dist),
        ..options(&temp_db("dist-db"))
    });
    for path in ["/", "/inbox/open", "/customers/cu1/timeline"] {
        let r = request("GET", &server.url(path), &[], None);
        assert_eq!(r.status, 200, "{path}");
        assert!(r.text.contains("<title>Rapport</title>"), "{path}");
    }
    let r = request("GET", &server.url("/app.js"), &[], None);
    assert_eq!(r.text, "console.log(1)");
    let r = request("GET", &server.url("/api/v2/nothing"), &[], None);
    assert_eq!(r.status, 404);
    assert_eq!(r.error_code(), "not_found");
    let r = request("GET", &server.url("/api/v1/agents"), &[], None);
    assert_eq!(r.status, 200);
}

#[test]
fn the_sandbox_endpoints_answer_only_on_a_sandbox_server() {
    let plain = TestServer::start(&temp_db("no-sandbox"), None);
    let r = request("GET", &plain.url("/api/v1/sandbox"), &[], None);
    assert_eq!(r.status, 404, "{}", r.text);
    plain.stop();
    let server = TestServer::start_with(Options {
        sandbox: true,
        ..options(&temp_db("sandbox"))
    });
    let r = request(
        "POST",
        &server.url("/api/v1/sandbox/clock"),
        &[("Content-Type", "application/json")],
        Some(r#"{"advanceMs":3600000}"#),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("\"clockOffsetMs\":3600000"), "{}", r.text);
}

/// A desk that reconnects from before a sandbox reset is told to reload everything: the
/// `reset` event is read back from the database (whose JSON keys come in no fixed order).
#[test]
fn a_stream_resumed_from_before_a_reset_is_told_of_the_reset() {
    let server = TestServer::start_with(Options {
        sandbox: true,
        ..options(&temp_db("sandbox-resume"))
    });
    let json = [("Content-Type", "application/json")];
    let r = request("POST", &server.url("/api/v1/sandbox/reset"), &json, Some("{}"));
    assert_eq!(r.status, 200, "{}", r.text);
    let stream = common::EventStream::open(&server.url("/api/v1/events"), &[("last-event-id", "0")]);
    let event = stream.next(std::time::Duration::from_secs(10)).expect("an event");
    assert_eq!(event.event, "reset", "{event:?}");
}

/// A small organisation as data: one agent, one inbox, one customer with an open conversation.
fn organisation(second_open: bool) -> String {
    let conv = |id: &str| {
        serde_json::json!({
            "id": id, "customerId": "cu1", "status": "OPEN",
            "assignee": { "inboxId": "support", "agentId": "ag1" },
            "createdAt": "2026-11-30T10:00:00Z", "updatedAt": "2026-11-30T10:05:00Z", "version": 2
        })
    };
    let mut conversations = vec![conv("co1")];
    if second_open {
        conversations.push(conv("co2"));
    }
    serde_json::json!({
        "organization": { "name": "Trial Outfitters" },
        "agents": [{ "id": "ag1", "name": "Ava Thompson", "emailAddress": "ava@trial.example" }],
        "inboxes": [{ "id": "support", "name": "Support", "agentIds": ["ag1"], "reopenWindowHours": 24 }],
        "customers": [{ "id": "cu1", "name": "Olivia Bennett", "createdAt": "2026-01-01T00:00:00Z",
                        "phones": [{ "original": "+15550100001", "primary": true }] }],
        "conversations": conversations,
        "timeline": { "cu1": [{ "id": "it1", "customerId": "cu1", "conversationId": "co1",
            "timestamp": "2026-11-30T10:00:00Z", "initiator": { "type": "CUSTOMER" },
            "content": { "type": "SMS", "content": "Where is my order?", "direction": "INBOUND" } }] }
    })
    .to_string()
}

#[test]
fn a_server_starts_from_an_organisation_given_as_data_and_keeps_it_across_restarts() {
    let db = temp_db("snapshot");
    let file = db.with_extension("organisation.json");
    std::fs::write(&file, organisation(false)).unwrap();
    let with_snapshot = || Options {
        snapshot: Some(file.clone()),
        ..options(&db)
    };
    let server = TestServer::start_with(with_snapshot());
    let r = request("GET", &server.url("/api/v1/organization"), &[], None);
    assert_eq!(r.json()["name"], "Trial Outfitters");
    // A change on it; the customer writes again, which appends to the open conversation.
    let r = request(
        "POST",
        &server.url("/api/v1/inbound"),
        &[],
        Some(r#"{"customerId":"cu1","channel":"SMS","text":"Any news?"}"#),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["conversationId"], "co1");
    server.stop();

    // Restarted without the flag: the database remembers where it started, and the change.
    let server = TestServer::start_with(options(&db));
    let r = request("GET", &server.url("/api/v1/customers/cu1/timeline"), &[], None);
    let texts: Vec<String> = r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["content"]["content"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(texts, ["Where is my order?", "Any news?"]);
    server.stop();

    // Restarted with the same file: fine. With another organisation: refused, not mixed.
    TestServer::start_with(with_snapshot()).stop();
    std::fs::write(&file, organisation(false).replace("Trial", "Other")).unwrap();
    let err = match AppState::open(&with_snapshot()) {
        Ok(_) => panic!("another organisation on this database must be refused"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("did not start from"), "{err}");
}

#[test]
fn an_organisation_that_breaks_the_rules_is_refused_with_the_reason() {
    let db = temp_db("snapshot-bad");
    let file = db.with_extension("organisation.json");
    std::fs::write(&file, organisation(true)).unwrap();
    let err = match AppState::open(&Options {
        snapshot: Some(file.clone()),
        ..options(&db)
    }) {
        Ok(_) => panic!("two open conversations for one customer must be refused"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("cu1: more than one open conversation"), "{err}");
    std::fs::write(&file, r#"{"agents": [], "inboxes": [], "tickets": []}"#).unwrap();
    let err = match AppState::open(&Options {
        snapshot: Some(file.clone()),
        ..options(&temp_db("snapshot-bad2"))
    }) {
        Ok(_) => panic!("an unknown field must be refused"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("unknown field `tickets`"), "{err}");
}

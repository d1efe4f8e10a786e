//! Test support: an in-process server on 127.0.0.1:0 with a fresh database, a small blocking HTTP
//! client, an SSE reader, and validation of responses against api/openapi.yaml.
#![allow(dead_code)] // each test binary uses a different part of this module

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{mpsc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rapport_server::{serve, AppState, Options};
use serde_json::{json, Map, Value};

/// Conversations in each test server's seed: enough customers for every routing case, small
/// enough to keep the suite quick.
pub const SEED_CONVERSATIONS: usize = 120;

pub struct TestServer {
    pub base: String,
    pub db: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    /// Held while a test runs against the shared worker (see `start`), so they take turns.
    bridge: Option<std::sync::MutexGuard<'static, ()>>,
}

/// Where `RAPPORT_SCENARIO_BRIDGE` points: the demo's service in its Web Worker, relayed by
/// e2e/worker-bridge.mjs. One service for every test, so they run one at a time.
fn bridge() -> Option<String> {
    std::env::var("RAPPORT_SCENARIO_BRIDGE").ok().filter(|u| !u.is_empty())
}

impl TestServer {
    /// A server on a fresh database seeded with `SEED_CONVERSATIONS`. Under the worker bridge
    /// (and with no token, which the demo does not have) it is the demo's service instead, reset
    /// to the same seed: the scenario tests run through both transports unchanged.
    pub fn start(db: &Path, token: Option<&str>) -> TestServer {
        if let (Some(base), None) = (bridge(), token) {
            static TURN: Mutex<()> = Mutex::new(());
            let turn = TURN.lock().unwrap_or_else(|p| p.into_inner());
            let r = request("POST", &format!("{base}/api/v1/sandbox/reset"), &[], None);
            assert_eq!(r.status, 200, "the worker resets to the seed: {}", r.text);
            return TestServer {
                base,
                db: db.to_path_buf(),
                stop: None,
                thread: None,
                bridge: Some(turn),
            };
        }
        TestServer::start_with(Options {
            db: db.to_path_buf(),
            conversations: SEED_CONVERSATIONS,
            token: token.map(str::to_owned),
            ..Options::default()
        })
    }

    /// With `RAPPORT_TEST_PG` set, on PostgreSQL (see `postgres_for`), unless the test has made
    /// the SQLite file itself (accounts, say).
    pub fn start_with(mut options: Options) -> TestServer {
        if options.postgres.is_none() && !options.db.exists() {
            options.postgres = postgres_for(&options.db);
        }
        let db = options.db.clone();
        let state = AppState::open(&options).expect("server state opens");
        let (addr_tx, addr_rx) = mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
                addr_tx.send(listener.local_addr().expect("addr")).expect("send addr");
                serve(listener, state, async {
                    let _ = stopped.await;
                })
                .await
                .expect("serve");
            });
        });
        let addr = addr_rx.recv_timeout(Duration::from_secs(10)).expect("server starts");
        TestServer {
            base: format!("http://{addr}"),
            db,
            stop: Some(stop),
            thread: Some(thread),
            bridge: None,
        }
    }

    /// Whether this is the demo's service in the worker, not an HTTP server: what only the HTTP
    /// shell does (routes outside /api/v1, CORS, restarts) is not there to test.
    pub fn through_worker(&self) -> bool {
        self.bridge.is_some()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Stops the server and waits until it has (open event streams end too).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// With `RAPPORT_TEST_PG` (a PostgreSQL server's URL without its database, as `make test` sets
/// it), the database on that server named after `db`, made on first use: the suites then run
/// against PostgreSQL, and a test that restarts a server on `db` finds its data again.
pub fn postgres_for(db: &Path) -> Option<String> {
    let base = std::env::var("RAPPORT_TEST_PG").ok().filter(|u| !u.is_empty())?;
    let named: String = db
        .iter()
        .rev()
        .take(2)
        .map(|part| {
            part.to_string_lossy()
                .trim_start_matches("rapport-server-tests-")
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("_");
    let name: String = format!("t_{named}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(63)
        .collect();
    let mut admin = postgres::Client::connect(&format!("{base}/postgres"), postgres::NoTls)
        .unwrap_or_else(|e| panic!("the test PostgreSQL at {base} answers: {e}"));
    let known = admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .expect("pg_database reads")
        .is_some();
    if !known {
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("a test database is made");
    }
    Some(format!("{base}/{name}"))
}

/// A fresh database path under the system temp dir.
pub fn temp_db(name: &str) -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    static SWEEP: std::sync::Once = std::sync::Once::new();
    // Databases of earlier runs whose process has exited (a server may be reopened within a run,
    // so nothing is removed while its process lives).
    SWEEP.call_once(|| {
        let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(pid) = name
                .strip_prefix("rapport-server-tests-")
                .and_then(|rest| rest.split('-').next())
            else {
                continue;
            };
            if !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    });
    let dir = std::env::temp_dir().join(format!(
        "rapport-server-tests-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{name}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

// ----- HTTP -----

pub struct Reply {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    pub fn error_code(&self) -> String {
        self.json()["errors"][0]["code"].as_str().unwrap_or_default().to_owned()
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

/// One request. `headers` are (name, value); a `body` is sent as JSON.
pub fn request(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Reply {
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    if body.is_some() {
        builder = builder.header("content-type", "application/json");
    }
    let request = builder.body(body.unwrap_or("").to_owned()).expect("request");
    let mut response = agent().run(request).unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    Reply { status, headers, text }
}

// ----- server-sent events -----

#[derive(Clone, Debug)]
pub struct SseEvent {
    pub id: Option<String>,
    pub event: String,
    pub data: String,
}

pub struct EventStream {
    pub status: u16,
    pub content_type: String,
    events: mpsc::Receiver<SseEvent>,
}

impl EventStream {
    /// Connects and reads events on a thread (ends when the server stops).
    pub fn open(url: &str, headers: &[(&str, &str)]) -> EventStream {
        let mut builder = ureq::http::Request::builder().method("GET").uri(url);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let response = agent.run(builder.body(()).expect("request")).expect("connect");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let (tx, rx) = mpsc::channel();
        let reader = BufReader::new(response.into_body().into_reader());
        std::thread::spawn(move || {
            let mut current = SseEvent {
                id: None,
                event: "message".into(),
                data: String::new(),
            };
            for line in reader.lines() {
                let Ok(line) = line else { return };
                if line.is_empty() {
                    if (current.id.is_some() || !current.data.is_empty()) && tx.send(current.clone()).is_err() {
                        return;
                    }
                    current = SseEvent {
                        id: None,
                        event: "message".into(),
                        data: String::new(),
                    };
                    continue;
                }
                if line.starts_with(':') {
                    continue;
                }
                let (field, value) = line.split_once(':').unwrap_or((&line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value).to_owned();
                match field {
                    "id" => current.id = Some(value),
                    "event" => current.event = value,
                    "data" => current.data.push_str(&value),
                    _ => {}
                }
            }
        });
        EventStream {
            status,
            content_type,
            events: rx,
        }
    }

    pub fn next(&self, within: Duration) -> Option<SseEvent> {
        self.events.recv_timeout(within).ok()
    }

    /// Whether nothing arrives within `wait`.
    pub fn quiet_for(&self, wait: Duration) -> bool {
        self.events.recv_timeout(wait).is_err()
    }
}

// ----- the OpenAPI document -----

pub struct Spec {
    /// The document as written.
    pub doc: Value,
    /// The same, made strict for tests: `allOf` merged and unknown properties refused, so a field
    /// the server sends that the document does not name fails (clients must still ignore them).
    strict: Value,
    covered: Mutex<BTreeSet<(String, String)>>,
}

pub const HTTP_METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

impl Spec {
    pub fn load() -> Spec {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../api/openapi.yaml");
        let text = std::fs::read_to_string(&path).expect("api/openapi.yaml is readable");
        let doc: Value = serde_norway::from_str(&text).expect("api/openapi.yaml parses");
        let mut strict = doc.clone();
        let components = doc["components"]["schemas"].clone();
        if let Some(paths) = strict.get_mut("paths") {
            strictify(paths, &components, false);
        }
        if let Some(schemas) = strict.pointer_mut("/components/schemas") {
            for schema in schemas.as_object_mut().expect("schemas").values_mut() {
                strictify(schema, &components, true);
            }
        }
        if let Some(responses) = strict.pointer_mut("/components/responses") {
            strictify(responses, &components, false);
        }
        Spec {
            doc,
            strict,
            covered: Mutex::new(BTreeSet::new()),
        }
    }

    /// Every (METHOD, path template) the document lists.
    pub fn operations(&self) -> BTreeSet<(String, String)> {
        let mut out = BTreeSet::new();
        for (path, item) in self.doc["paths"].as_object().expect("paths") {
            for method in HTTP_METHODS {
                if item.get(method).is_some() {
                    out.insert((method.to_uppercase(), path.clone()));
                }
            }
        }
        out
    }

    pub fn covered(&self) -> BTreeSet<(String, String)> {
        self.covered.lock().expect("lock").clone()
    }

    /// Resolves a local `$ref` chain in the plain document.
    pub fn resolve<'a>(&'a self, mut node: &'a Value) -> &'a Value {
        while let Some(r) = node.get("$ref").and_then(Value::as_str) {
            node = self
                .doc
                .pointer(r.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("dangling $ref {r}"));
        }
        node
    }

    /// The JSON pointer of the schema an operation documents for `status` and `media`.
    fn response_schema_pointer(&self, method: &str, template: &str, status: u16, media: &str) -> String {
        let op = format!("/paths/{}/{}", escape(template), method.to_lowercase());
        let response_ptr = format!("{op}/responses/{status}");
        let response = self
            .doc
            .pointer(&response_ptr)
            .unwrap_or_else(|| panic!("{method} {template} does not document status {status}"));
        let base = match response.get("$ref").and_then(Value::as_str) {
            Some(r) => r.trim_start_matches('#').to_owned(),
            None => response_ptr,
        };
        let schema_ptr = format!("{base}/content/{}/schema", escape(media));
        assert!(
            self.doc.pointer(&schema_ptr).is_some(),
            "{method} {template} {status} documents no {media} body"
        );
        schema_ptr
    }

    /// Asserts `body` matches what the document says `method template` answers with `status`,
    /// and counts the operation as covered.
    pub fn check(&self, method: &str, template: &str, status: u16, body: &Value) {
        self.covered
            .lock()
            .expect("lock")
            .insert((method.to_uppercase(), template.to_owned()));
        let pointer = self.response_schema_pointer(method, template, status, "application/json");
        self.validate_at(&pointer, body)
            .unwrap_or_else(|e| panic!("{method} {template} {status}: {e}\nbody: {body}"));
    }

    /// Asserts an operation documents `status` with no body (e.g. 204), and counts it covered.
    pub fn check_empty(&self, method: &str, template: &str, status: u16) {
        self.covered
            .lock()
            .expect("lock")
            .insert((method.to_uppercase(), template.to_owned()));
        let ptr = format!(
            "/paths/{}/{}/responses/{status}",
            escape(template),
            method.to_lowercase()
        );
        let response = self
            .doc
            .pointer(&ptr)
            .unwrap_or_else(|| panic!("{method} {template} does not document status {status}"));
        assert!(
            response.get("content").is_none(),
            "{method} {template} {status} should have no body"
        );
    }

    /// Marks an operation covered whose body is not JSON (the event stream).
    pub fn mark(&self, method: &str, template: &str) {
        self.covered
            .lock()
            .expect("lock")
            .insert((method.to_uppercase(), template.to_owned()));
    }

    /// Validates against a component schema, e.g. `Change` or `TimelineItem`.
    pub fn check_component(&self, name: &str, value: &Value) {
        self.validate_at(&format!("/components/schemas/{name}"), value)
            .unwrap_or_else(|e| panic!("{name}: {e}\nvalue: {value}"));
    }

    /// Validates against the schema at a pointer in the strict document (or the plain one).
    pub fn validate_at(&self, pointer: &str, value: &Value) -> Result<(), String> {
        validate_in(&self.strict, pointer, value)
    }

    pub fn validate_plain(&self, pointer: &str, value: &Value) -> Result<(), String> {
        validate_in(&self.doc, pointer, value)
    }
}

fn validate_in(doc: &Value, pointer: &str, value: &Value) -> Result<(), String> {
    // The whole document is the root, so every `#/components/...` reference resolves.
    let mut root = Map::new();
    root.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
    // In a URI fragment the braces of path templates must be percent-encoded.
    let fragment = pointer.replace('{', "%7B").replace('}', "%7D");
    root.insert("$ref".into(), json!(format!("#{fragment}")));
    root.insert("paths".into(), doc["paths"].clone());
    root.insert("components".into(), doc["components"].clone());
    let root = Value::Object(root);
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .map_err(|e| format!("schema at {pointer} does not compile: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// JSON pointer escaping of one segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Makes schemas strict (see `Spec::strict`). `is_schema`: whether `node` itself is a schema.
fn strictify(node: &mut Value, components: &Value, is_schema: bool) {
    match node {
        Value::Object(map) => {
            if is_schema {
                if let Some(Value::Array(parts)) = map.remove("allOf") {
                    let mut properties = Map::new();
                    let mut required: Vec<Value> = Vec::new();
                    for part in parts {
                        let part = match part.get("$ref").and_then(Value::as_str) {
                            Some(r) => components[r.trim_start_matches("#/components/schemas/")].clone(),
                            None => part,
                        };
                        if let Some(p) = part.get("properties").and_then(Value::as_object) {
                            properties.extend(p.clone());
                        }
                        if let Some(r) = part.get("required").and_then(Value::as_array) {
                            required.extend(r.iter().cloned());
                        }
                    }
                    map.insert("type".into(), json!("object"));
                    map.insert("properties".into(), Value::Object(properties));
                    map.insert("required".into(), Value::Array(required));
                }
                if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                    map.insert("additionalProperties".into(), json!(false));
                }
            }
            for (key, child) in map.iter_mut() {
                let child_is_schema = match key.as_str() {
                    // Maps from names to schemas.
                    "properties" | "schemas" => {
                        if let Value::Object(entries) = child {
                            for value in entries.values_mut() {
                                strictify(value, components, true);
                            }
                        }
                        continue;
                    }
                    "schema" | "items" | "additionalProperties" | "not" => true,
                    "oneOf" | "anyOf" | "allOf" => {
                        if let Value::Array(list) = child {
                            for value in list.iter_mut() {
                                strictify(value, components, true);
                            }
                        }
                        continue;
                    }
                    "example" | "examples" => continue,
                    _ => false,
                };
                strictify(child, components, child_is_schema);
            }
        }
        Value::Array(list) => {
            for value in list.iter_mut() {
                strictify(value, components, false);
            }
        }
        _ => {}
    }
}

// ----- scenario helpers -----

/// The agent the scenario tests act as.
pub const AGENT: (&str, &str) = ("X-Agent-Id", "ag1");

pub fn get(server: &TestServer, path: &str) -> Value {
    let r = request("GET", &server.url(path), &[AGENT], None);
    assert_eq!(r.status, 200, "GET {path}: {}", r.text);
    r.json()
}

/// The first conversation (id, customer id) of a view.
pub fn first_in(server: &TestServer, view: &str) -> (String, String) {
    let page = get(server, &format!("/api/v1/conversations?view={view}&limit=1"));
    let conv = &page["items"][0]["conversation"];
    (
        conv["id"].as_str().expect("a conversation in the view").to_owned(),
        conv["customerId"].as_str().unwrap().to_owned(),
    )
}

/// Closes a conversation as `AGENT`, with the first topic in use (inboxes may require one).
pub fn close(server: &TestServer, conv: &str) {
    let topics = get(server, "/api/v1/topics");
    let topic = topics
        .as_array()
        .expect("topics")
        .iter()
        .find(|t| t["disabled"] == false)
        .expect("a topic in use")["id"]
        .clone();
    let body = json!({ "topicIds": [topic] }).to_string();
    let path = format!("/api/v1/conversations/{conv}");
    let r = request("PUT", &server.url(&format!("{path}/topics")), &[AGENT], Some(&body));
    assert_eq!(r.status, 200, "{}", r.text);
    let closed = r#"{"status":{"value":"CLOSED"}}"#;
    let r = request("PATCH", &server.url(&path), &[AGENT], Some(closed));
    assert_eq!(r.status, 200, "{}", r.text);
}

pub fn add_note(server: &TestServer, conv: &str, text: &str) -> u16 {
    let body = json!({ "body": text }).to_string();
    request(
        "POST",
        &server.url(&format!("/api/v1/conversations/{conv}/notes")),
        &[AGENT],
        Some(&body),
    )
    .status
}

/// A request written by hand on a fresh connection (`Connection: close` is added): for what a
/// client library would not send, such as a forged `Host`. The status and the whole answer.
pub fn raw(base: &str, head: &str, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut conn = std::net::TcpStream::connect(addr).expect("connects");
    conn.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    let text = format!(
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    conn.write_all(text.as_bytes()).expect("writes");
    let mut answer = String::new();
    let _ = conn.read_to_string(&mut answer);
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

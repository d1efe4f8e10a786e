//! Sign-in and access control on a server whose database has accounts (security review,
//! findings 1 and 2): identity comes from the credential only, and an agent acts within the
//! inboxes they belong to. In the seed, ag1 (Ava) is in support, email and billing, not voice.

mod common;

use std::time::Duration;

use common::{request, temp_db, EventStream, Reply, TestServer, SEED_CONVERSATIONS};
use rapport_core::access::Role;
use rapport_server::accounts::Accounts;
use rapport_server::Options;
use serde_json::{json, Value};

struct Org {
    server: TestServer,
    passwords: Vec<(String, String)>,
    db: std::path::PathBuf,
}

/// A server with accounts: ava (agent ag1), noah (agent ag2, in voice), liam (supervisor ag4),
/// jonas (admin ag10).
fn org(name: &str) -> Org {
    let db = temp_db(name);
    let accounts = Accounts::open(&db).expect("accounts open");
    let mut passwords = Vec::new();
    for (email, agent, role) in [
        ("ava@rapport.example", "ag1", Role::Agent),
        ("noah@rapport.example", "ag2", Role::Agent),
        ("liam@rapport.example", "ag4", Role::Supervisor),
        ("jonas@rapport.example", "ag10", Role::Admin),
    ] {
        let password = accounts.create(email, &agent.into(), role).expect("account created");
        passwords.push((email.to_owned(), password));
    }
    drop(accounts);
    let server = serve(&db);
    Org { server, passwords, db }
}

fn serve(db: &std::path::Path) -> TestServer {
    TestServer::start_with(Options {
        db: db.to_owned(),
        conversations: SEED_CONVERSATIONS,
        ..Options::default()
    })
}

impl Org {
    fn password(&self, email: &str) -> &str {
        self.passwords
            .iter()
            .find(|(e, _)| e == email)
            .map(|(_, p)| p.as_str())
            .unwrap_or_default()
    }

    fn sign_in(&self, who: &str) -> String {
        let email = format!("{who}@rapport.example");
        let body = json!({"email": email, "password": self.password(&email)}).to_string();
        let r = request("POST", &self.server.url("/api/v1/session"), &[], Some(&body));
        assert_eq!(r.status, 201, "{who} signs in: {}", r.text);
        format!("Bearer {}", r.json()["token"].as_str().unwrap_or_default())
    }

    /// Each call is refused with 403 `forbidden`: only an admin makes it.
    fn refused_to_all_but_admins(&self, auth: &str, calls: &[(&str, &str, Option<&String>)]) {
        for (method, path, body) in calls {
            let r = self.call(method, path, auth, body.map(String::as_str));
            assert_eq!(
                (r.status, r.error_code().as_str()),
                (403, "forbidden"),
                "{method} {path}: {}",
                r.text
            );
        }
    }

    fn call(&self, method: &str, path: &str, auth: &str, body: Option<&str>) -> Reply {
        request(method, &self.server.url(path), &[("authorization", auth)], body)
    }
}

/// The server stopped and started again on its database: its inboxes and agents, as `auth` reads them.
fn restarted_directory(org: Org, auth: &str) -> (Value, Value) {
    let Org { server, db, .. } = org;
    drop(server);
    let server = serve(&db);
    let read = |path: &str| request("GET", &server.url(path), &[("authorization", auth)], None).json();
    (read("/api/v1/inboxes"), read("/api/v1/agents"))
}

/// A conversation of the voice inbox (which ava is not in), assigned to someone else.
fn voice_conversation(org: &Org, supervisor: &str) -> String {
    let r = org.call("GET", "/api/v1/conversation-ids?view=inbox-voice", supervisor, None);
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["ids"][0].as_str().expect("a voice conversation").to_owned()
}

#[test]
fn nothing_is_answered_without_a_credential_and_a_session_acts_as_its_agent() {
    let org = org("access-signin");
    let r = request("GET", &org.server.url("/api/v1/conversation-counts"), &[], None);
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (401, "sign_in_required"),
        "{}",
        r.text
    );
    // Not even with X-Agent-Id, which only a trial server honours.
    let r = request(
        "GET",
        &org.server.url("/api/v1/conversation-counts"),
        &[("x-agent-id", "ag1")],
        None,
    );
    assert_eq!(r.status, 401);

    let wrong = json!({"email": "ava@rapport.example", "password": "not it"}).to_string();
    let r = request("POST", &org.server.url("/api/v1/session"), &[], Some(&wrong));
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (401, "bad_credentials"),
        "{}",
        r.text
    );
    let unknown = json!({"email": "nobody@rapport.example", "password": "x"}).to_string();
    let r = request("POST", &org.server.url("/api/v1/session"), &[], Some(&unknown));
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (401, "bad_credentials"),
        "an unknown email reads the same"
    );

    let ava = org.sign_in("ava");
    let me = org.call("GET", "/api/v1/me", &ava, None);
    assert_eq!(me.status, 200, "{}", me.text);
    let me = me.json();
    assert_eq!(
        (me["agentId"].as_str(), me["role"].as_str()),
        (Some("ag1"), Some("agent"))
    );
    assert_eq!(me["agent"]["name"], "Ava Thompson");
    assert_eq!(me["inboxIds"], json!(["support", "email", "billing"]));

    // Signing out ends that session only.
    let again = org.sign_in("ava");
    assert_eq!(org.call("DELETE", "/api/v1/session", &ava, None).status, 204);
    assert_eq!(org.call("GET", "/api/v1/me", &ava, None).status, 401);
    assert_eq!(org.call("GET", "/api/v1/me", &again, None).status, 200);
    // Everywhere: every session.
    let third = org.sign_in("ava");
    assert_eq!(org.call("DELETE", "/api/v1/sessions", &third, None).status, 204);
    assert_eq!(org.call("GET", "/api/v1/me", &again, None).status, 401);
}

#[test]
fn the_acting_agent_is_who_signed_in_never_the_x_agent_id_header() {
    let org = org("access-impersonation");
    let ava = org.sign_in("ava");
    let ids = org
        .call("GET", "/api/v1/conversation-ids?view=inbox-support", &ava, None)
        .json();
    let conv = ids["ids"][0].as_str().expect("a support conversation").to_owned();
    let path = format!("/api/v1/conversations/{conv}/notes");
    let body = json!({"body": "who wrote this?"}).to_string();
    // Finding 1: the forged name was recorded in the audit trail.
    let forged = request(
        "POST",
        &org.server.url(&path),
        &[("authorization", &ava), ("x-agent-id", "ag2")],
        Some(&body),
    );
    assert_eq!(
        (forged.status, forged.error_code().as_str()),
        (403, "forbidden"),
        "{}",
        forged.text
    );
    let own = org.call("POST", &path, &ava, Some(&body));
    assert_eq!(own.status, 201, "{}", own.text);
    let items = org
        .call("GET", &format!("/api/v1/conversations/{conv}/items"), &ava, None)
        .json();
    let notes: Vec<&Value> = items
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["content"]["body"] == "who wrote this?")
        .collect();
    assert_eq!(notes.len(), 1, "the forged note was not stored");
    assert_eq!(notes[0]["initiator"]["id"], "ag1", "the note is Ava's: {}", notes[0]);
}

/// Every write of the API × who: a member of the conversation's inbox, an agent outside it,
/// the outsider once it is assigned to them, a supervisor, an admin.
#[test]
fn the_access_matrix() {
    let org = org("access-matrix");
    let (ava, noah, liam, jonas) = (
        org.sign_in("ava"),
        org.sign_in("noah"),
        org.sign_in("liam"),
        org.sign_in("jonas"),
    );
    let conv = voice_conversation(&org, &liam);
    let path = format!("/api/v1/conversations/{conv}");
    let writes: Vec<(&str, String, Value)> = vec![
        ("POST", format!("{path}/notes"), json!({"body": "a note"})),
        ("POST", format!("{path}/topics"), json!({"topicIds": ["billing"]})),
        ("PUT", format!("{path}/topics"), json!({"topicIds": []})),
        ("PATCH", path.clone(), json!({"status": {"value": "OPEN"}})),
        ("PATCH", path.clone(), json!({"assignee": {"inboxId": "support"}})),
    ];
    // Ava is outside voice: every write is refused and changes nothing.
    let before = org.call("GET", &path, &liam, None).json();
    for (method, p, body) in &writes {
        let r = org.call(method, p, &ava, Some(&body.to_string()));
        assert_eq!(
            (r.status, r.error_code().as_str()),
            (403, "forbidden"),
            "ava {method} {p}: {}",
            r.text
        );
        assert!(
            r.text.contains("Phone Team"),
            "the refusal says which inbox: {}",
            r.text
        );
    }
    let mut after = org.call("GET", &path, &liam, None).json();
    assert_eq!(after, before, "nothing changed");
    let reply = json!({"channel": "SMS", "body": "hello"}).to_string();
    let r = org.call("POST", &format!("{path}/replies"), &ava, Some(&reply));
    assert_eq!(r.status, 403, "ava replies outside her inboxes: {}", r.text);

    // Noah (a voice member), Liam (supervisor) and Jonas (admin) may: the first write of each.
    for (who, auth) in [("noah", &noah), ("liam", &liam), ("jonas", &jonas)] {
        let r = org.call("POST", &format!("{path}/notes"), auth, Some(r#"{"body":"in"}"#));
        assert_eq!(r.status, 201, "{who} adds a note: {}", r.text);
    }
    // Assigned to Ava (by the supervisor), it is hers wherever it is.
    let give = json!({"assignee": {"inboxId": "voice", "agentId": "ag1"}}).to_string();
    let r = org.call("PATCH", &path, &liam, Some(&give));
    assert_eq!(
        r.status, 422,
        "ava is not a voice member, so she cannot own it there: {}",
        r.text
    );
    let give = json!({"assignee": {"inboxId": "email", "agentId": "ag1"}}).to_string();
    let r = org.call("PATCH", &path, &liam, Some(&give));
    assert_eq!(r.status, 200, "a supervisor moves it anywhere: {}", r.text);
    // Now in email, Noah (not in email) cannot act on it any more.
    let r = org.call("POST", &format!("{path}/notes"), &noah, Some(r#"{"body":"still?"}"#));
    assert_eq!(r.status, 403, "{}", r.text);
    let r = org.call("POST", &format!("{path}/notes"), &ava, Some(r#"{"body":"mine now"}"#));
    assert_eq!(r.status, 201, "{}", r.text);
    after = org.call("GET", &path, &ava, None).json();
    assert_eq!(after["agentId"], "ag1");

    // Posting what a customer wrote is an integration's: an admin's credential, not an agent's.
    let customer = before["customerId"].as_str().unwrap_or_default();
    let inbound = json!({"customerId": customer, "channel": "SMS", "text": "hi"}).to_string();
    let r = org.call("POST", "/api/v1/inbound", &noah, Some(&inbound));
    assert_eq!((r.status, r.error_code().as_str()), (403, "forbidden"), "{}", r.text);
    let r = org.call("POST", "/api/v1/inbound", &jonas, Some(&inbound));
    assert!(r.status < 300, "an admin's credential posts inbound: {}", r.text);
}

#[test]
fn lists_counts_and_tasks_show_an_agent_their_inboxes_but_any_timeline_reads() {
    let org = org("access-reads");
    let (ava, liam) = (org.sign_in("ava"), org.sign_in("liam"));
    let conv = voice_conversation(&org, &liam);
    // Finding 2: lists showed everyone everything.
    let r = org.call("GET", "/api/v1/conversation-ids?view=inbox-voice", &ava, None);
    assert_eq!((r.status, r.error_code().as_str()), (403, "forbidden"), "{}", r.text);
    let r = org.call("GET", "/api/v1/conversations?view=inbox-voice", &ava, None);
    assert_eq!(r.status, 403);
    for view in ["new", "open", "waiting", "closed"] {
        let ids = org
            .call("GET", &format!("/api/v1/conversation-ids?view={view}"), &ava, None)
            .json();
        for id in ids["ids"].as_array().expect("ids") {
            let c = org
                .call(
                    "GET",
                    &format!("/api/v1/conversations/{}", id.as_str().unwrap_or_default()),
                    &ava,
                    None,
                )
                .json();
            assert!(
                c["inboxId"] != "voice" || c["agentId"] == "ag1",
                "{view} shows ava a voice conversation: {c}"
            );
        }
        let all = org
            .call("GET", &format!("/api/v1/conversation-ids?view={view}"), &liam, None)
            .json();
        assert!(all["ids"].as_array().map_or(0, Vec::len) >= ids["ids"].as_array().map_or(0, Vec::len));
    }
    let rows = org
        .call("GET", &format!("/api/v1/conversations?ids={conv}"), &ava, None)
        .json();
    assert_eq!(rows["items"], json!([]), "a voice row by id is left out: {rows}");
    let counts = org.call("GET", "/api/v1/conversation-counts", &ava, None).json();
    assert!(counts["byInbox"].get("voice").is_none(), "{counts}");
    assert!(counts["byInbox"].get("support").is_some(), "{counts}");
    let everyone = org.call("GET", "/api/v1/conversation-counts", &liam, None).json();
    assert!(
        everyone["byInbox"].get("voice").is_some(),
        "a supervisor counts every inbox"
    );
    // Another agent's task list is theirs to see, and a supervisor's.
    let r = org.call("GET", "/api/v1/tasks?agentId=ag2", &ava, None);
    assert_eq!(r.status, 200);
    for task in r.json().as_array().expect("tasks") {
        assert_ne!(task["assignee"]["inboxId"], "voice", "ava sees no voice task: {task}");
    }
    // The customer's profile and lifelong timeline read for every signed-in agent.
    let c = org.call("GET", &format!("/api/v1/conversations/{conv}"), &ava, None);
    assert_eq!(c.status, 200);
    let customer = c.json()["customerId"].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        org.call("GET", &format!("/api/v1/customers/{customer}/timeline"), &ava, None)
            .status,
        200
    );
    assert_eq!(
        org.call("GET", &format!("/api/v1/customer-profiles/{customer}"), &ava, None)
            .status,
        200
    );
}

#[test]
fn the_live_stream_names_only_what_the_agent_sees() {
    let org = org("access-stream");
    let (ava, liam) = (org.sign_in("ava"), org.sign_in("liam"));
    let conv = voice_conversation(&org, &liam);
    let unsigned = EventStream::open(&org.server.url("/api/v1/events"), &[]);
    assert_eq!(unsigned.status, 401, "the stream needs a credential too");
    let stream = EventStream::open(&org.server.url("/api/v1/events"), &[("authorization", &ava)]);
    assert_eq!(stream.status, 200);
    // A supervisor's note, and the event it makes on Ava's stream.
    let noted = |conv: &str| {
        let r = org.call(
            "POST",
            &format!("/api/v1/conversations/{conv}/notes"),
            &liam,
            Some(r#"{"body":"x"}"#),
        );
        assert_eq!(r.status, 201);
        stream.next(Duration::from_secs(10)).expect("an event")
    };
    let event = noted(&conv);
    assert!(
        !event.data.contains(&conv),
        "the voice conversation is not named: {}",
        event.data
    );
    let support = org
        .call("GET", "/api/v1/conversation-ids?view=inbox-support", &ava, None)
        .json();
    let mine = support["ids"][0].as_str().unwrap_or_default().to_owned();
    let event = noted(&mine);
    assert!(event.data.contains(&mine), "a support change is named: {}", event.data);
}

#[test]
fn personal_tokens_sign_integrations_in_and_revoking_one_ends_it() {
    let org = org("access-tokens");
    let jonas = org.sign_in("jonas");
    let r = org.call("POST", "/api/v1/me/tokens", &jonas, Some(r#"{"name":"CRM sync"}"#));
    assert_eq!(r.status, 201, "{}", r.text);
    let (id, token) = (
        r.json()["id"].as_str().unwrap_or_default().to_owned(),
        r.json()["token"].as_str().unwrap_or_default().to_owned(),
    );
    use base64::Engine;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("jonas@rapport.example:{token}"))
    );
    let me = org.call("GET", "/api/v1/me", &basic, None);
    assert_eq!(
        (me.status, me.json()["via"].as_str()),
        (200, Some("token")),
        "{}",
        me.text
    );
    assert_eq!(
        org.call("GET", "/api/v1/me", &format!("Bearer {token}"), None).status,
        200
    );
    let someone_else = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("ava@rapport.example:{token}"))
    );
    assert_eq!(
        org.call("GET", "/api/v1/me", &someone_else, None).status,
        401,
        "a token is its owner's only"
    );
    let list = org.call("GET", "/api/v1/me/tokens", &jonas, None).json();
    assert_eq!(list["tokens"][0]["name"], "CRM sync");
    assert!(!list.to_string().contains(&token), "the secret is shown once only");
    assert_eq!(
        org.call("DELETE", &format!("/api/v1/me/tokens/{id}"), &jonas, None)
            .status,
        204
    );
    assert_eq!(org.call("GET", "/api/v1/me", &basic, None).status, 401, "revoked");
}

/// Deliver 2: an admin's integration token acts on behalf of an agent only where the token says
/// so, with the agent's rights (not the admin's), and the audit names both, also after a restart.
#[test]
fn an_admin_integration_acts_for_an_agent_only_where_its_token_says_so() {
    let mut org = org("access-on-behalf");
    let (jonas, ava) = (org.sign_in("jonas"), org.sign_in("ava"));
    let token = |auth: &str, on_behalf: bool| {
        let body = json!({"name": "CRM", "onBehalf": on_behalf}).to_string();
        let r = org.call("POST", "/api/v1/me/tokens", auth, Some(&body));
        (
            r.status,
            format!("Bearer {}", r.json()["token"].as_str().unwrap_or_default()),
        )
    };
    assert_eq!(token(&ava, true).0, 403, "only an admin makes an acting token");
    let (status, plain) = token(&jonas, false);
    assert_eq!(status, 201);
    let (status, acting) = token(&jonas, true);
    assert_eq!(status, 201);
    let support = org
        .call("GET", "/api/v1/conversation-ids?view=inbox-support", &jonas, None)
        .json()["ids"][0]
        .as_str()
        .expect("a support conversation")
        .to_owned();
    let voice = voice_conversation(&org, &jonas);
    let note = |auth: &str, agent: &str, conv: &str| {
        let body = json!({"body": format!("for {agent}")}).to_string();
        let url = org.server.url(&format!("/api/v1/conversations/{conv}/notes"));
        let r = request(
            "POST",
            &url,
            &[("authorization", auth), ("x-on-behalf-of", agent)],
            Some(&body),
        );
        (r.status, r.error_code())
    };
    assert_eq!(note(&plain, "ag1", &support).0, 403, "a token not made for it");
    assert_eq!(note(&ava, "ag2", &support).0, 403, "a session never acts for another");
    assert_eq!(note(&acting, "ag99", &support).0, 403, "no such account");
    assert_eq!(
        note(&acting, "ag1", &voice).0,
        403,
        "Ava's rights apply, not the admin's"
    );
    assert_eq!(note(&acting, "ag1", &support).0, 201);

    let initiator = |org: &Org, auth: &str| {
        let items = org
            .call("GET", &format!("/api/v1/conversations/{support}/items"), auth, None)
            .json();
        let notes: Vec<Value> = items
            .as_array()
            .expect("items")
            .iter()
            .filter(|i| i["content"]["body"] == "for ag1")
            .map(|i| i["initiator"].clone())
            .collect();
        notes
    };
    let expected = vec![json!({"type": "AGENT", "id": "ag1", "via": "ag10"})];
    assert_eq!(initiator(&org, &ava), expected, "the audit names both");
    // The new server replays the log the old one wrote.
    std::mem::replace(&mut org.server, serve(&org.db)).stop();
    let ava = org.sign_in("ava");
    assert_eq!(initiator(&org, &ava), expected, "and still does after the log replays");
}

#[test]
fn failed_sign_ins_back_off_and_a_deactivated_account_is_out() {
    let org = org("access-backoff");
    let wrong = json!({"email": "noah@rapport.example", "password": "guess"}).to_string();
    let mut last = None;
    for _ in 0..4 {
        last = Some(request("POST", &org.server.url("/api/v1/session"), &[], Some(&wrong)));
    }
    let right = json!({"email": "noah@rapport.example", "password": org.password("noah@rapport.example")}).to_string();
    let r = request("POST", &org.server.url("/api/v1/session"), &[], Some(&right));
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (429, "too_many_attempts"),
        "{}",
        r.text
    );
    assert!(r
        .header("retry-after")
        .and_then(|s| s.parse::<u64>().ok())
        .is_some_and(|s| s >= 1));
    assert_eq!(last.map(|l| l.status), Some(401));
    // Another account is not held up.
    let ava = org.sign_in("ava");

    let accounts = Accounts::open(&org.server.db).expect("accounts");
    accounts.set_active("ava@rapport.example", false).expect("deactivated");
    assert_eq!(
        org.call("GET", "/api/v1/me", &ava, None).status,
        401,
        "a deactivated account's session ends"
    );
}

#[test]
fn a_session_expires() {
    let db = temp_db("access-expiry");
    let accounts = Accounts::open(&db).expect("accounts");
    let password = accounts
        .create("ava@x.example", &"ag1".into(), Role::Agent)
        .expect("created");
    let now = chrono::Utc::now();
    let session = accounts
        .sign_in("ava@x.example", &password, [127, 0, 0, 1].into(), now)
        .unwrap_or_else(|_| panic!("signs in"));
    let header = format!("Bearer {}", session.token);
    assert!(accounts.authenticate(Some(&header), now).is_ok());
    let later = now + chrono::TimeDelta::hours(rapport_server::accounts::SESSION_HOURS) + chrono::TimeDelta::seconds(1);
    assert_eq!(
        accounts.authenticate(Some(&header), later).err(),
        Some(rapport_server::accounts::Refused::Expired)
    );
}

#[test]
fn an_admin_invites_and_deactivates_agents_and_nobody_else_can() {
    let org = org("access-admin");
    let (jonas, ava) = (org.sign_in("jonas"), org.sign_in("ava"));
    let invite = json!({"email": "mia@rapport.example", "agentId": "ag3", "role": "agent"}).to_string();
    let r = org.call("POST", "/api/v1/accounts", &ava, Some(&invite));
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (403, "forbidden"),
        "an agent invites nobody: {}",
        r.text
    );
    let r = org.call("POST", "/api/v1/accounts", &jonas, Some(&invite));
    assert_eq!(r.status, 201, "{}", r.text);
    let password = r.json()["password"].as_str().unwrap_or_default().to_owned();
    let again = org.call("POST", "/api/v1/accounts", &jonas, Some(&invite));
    assert_eq!(again.status, 409, "one account per email and agent: {}", again.text);
    let unknown = json!({"email": "x@rapport.example", "agentId": "ag99"}).to_string();
    assert_eq!(org.call("POST", "/api/v1/accounts", &jonas, Some(&unknown)).status, 400);

    // Mia signs in with the first password and changes it; the old one stops working.
    let first = json!({"email": "mia@rapport.example", "password": password}).to_string();
    let r = request("POST", &org.server.url("/api/v1/session"), &[], Some(&first));
    assert_eq!(r.status, 201, "{}", r.text);
    let mia = format!("Bearer {}", r.json()["token"].as_str().unwrap_or_default());
    let r = request("POST", &org.server.url("/api/v1/session"), &[], Some(&first));
    let mia_elsewhere = format!("Bearer {}", r.json()["token"].as_str().unwrap_or_default());
    let short = json!({"currentPassword": password, "newPassword": "short"}).to_string();
    assert_eq!(org.call("POST", "/api/v1/me/password", &mia, Some(&short)).status, 400);
    let change = json!({"currentPassword": password, "newPassword": "a much longer secret"}).to_string();
    assert_eq!(org.call("POST", "/api/v1/me/password", &mia, Some(&change)).status, 204);
    let r = request("POST", &org.server.url("/api/v1/session"), &[], Some(&first));
    assert_eq!(r.status, 401, "the first password is gone");
    assert_eq!(
        org.call("GET", "/api/v1/me", &mia, None).status,
        200,
        "this session stays"
    );
    assert_eq!(
        org.call("GET", "/api/v1/me", &mia_elsewhere, None).status,
        401,
        "her other sessions end with the old password"
    );
    let new = json!({"email": "mia@rapport.example", "password": "a much longer secret"}).to_string();
    assert_eq!(
        request("POST", &org.server.url("/api/v1/session"), &[], Some(&new)).status,
        201
    );

    // Deactivated, her session ends at once.
    let off = r#"{"active":false}"#;
    assert_eq!(
        org.call("PATCH", "/api/v1/accounts/mia@rapport.example", &ava, Some(off))
            .status,
        403
    );
    let r = org.call("PATCH", "/api/v1/accounts/mia@rapport.example", &jonas, Some(off));
    assert_eq!(
        (r.status, r.json()["active"].as_bool()),
        (200, Some(false)),
        "{}",
        r.text
    );
    assert_eq!(org.call("GET", "/api/v1/me", &mia, None).status, 401);
    assert_eq!(
        request("POST", &org.server.url("/api/v1/session"), &[], Some(&new)).status,
        401
    );
    let list = org.call("GET", "/api/v1/accounts", &jonas, None).json();
    assert_eq!(list["accounts"].as_array().map(Vec::len), Some(5), "{list}");
    assert!(!list.to_string().contains("argon2"), "no hash is ever shown");
}

/// A new teammate, end to end: an admin adds the agent to the directory, invites an account for
/// them and puts them in an inbox; they act there. Leaving it is refused while they own open
/// work there; once they left, they act there no more. Nobody but an admin does any of it, and
/// it all survives a restart (it is in the command log).
#[test]
fn an_admin_adds_an_agent_and_manages_inbox_memberships_and_nobody_else_can() {
    let org = org("access-members");
    let (jonas, liam, ava) = (org.sign_in("jonas"), org.sign_in("liam"), org.sign_in("ava"));
    let rosa = json!({"name": "Rosa Diaz", "emailAddress": "rosa@rapport.example"}).to_string();
    for auth in [&ava, &liam] {
        org.refused_to_all_but_admins(
            auth,
            &[
                ("POST", "/api/v1/agents", Some(&rosa)),
                ("PUT", "/api/v1/inboxes/voice/members/ag1", None),
            ],
        );
    }
    let stream = EventStream::open(&org.server.url("/api/v1/events"), &[("authorization", &ava)]);
    let r = org.call("POST", "/api/v1/agents", &jonas, Some(&rosa));
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json()["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(r.json()["name"], "Rosa Diaz");
    let event = stream
        .next(Duration::from_secs(10))
        .expect("an event for the directory");
    assert!(
        event.data.contains("\"directory\":true") && event.data.contains("\"conversationId\":null"),
        "a directory change says so, so desks read the directory again: {}",
        event.data
    );
    // Also when the stream resumes from before it (read back from the database).
    let seq: u64 = event.id.as_deref().and_then(|i| i.parse().ok()).expect("an event id");
    let before = (seq - 1).to_string();
    let resumed = EventStream::open(
        &org.server.url("/api/v1/events"),
        &[("authorization", &ava), ("last-event-id", &before)],
    );
    let replayed = resumed.next(Duration::from_secs(10)).expect("the event again");
    assert_eq!((replayed.id, replayed.data), (event.id.clone(), event.data.clone()));
    let again = org.call("POST", "/api/v1/agents", &jonas, Some(&rosa));
    assert_eq!(
        (again.status, again.error_code().as_str()),
        (409, "taken"),
        "{}",
        again.text
    );

    let invite = json!({"email": "rosa@rapport.example", "agentId": id}).to_string();
    let r = org.call("POST", "/api/v1/accounts", &jonas, Some(&invite));
    assert_eq!(r.status, 201, "the new agent gets an account: {}", r.text);
    let password = r.json()["password"].as_str().unwrap_or_default().to_owned();
    let sign_in = json!({"email": "rosa@rapport.example", "password": password}).to_string();
    let r = request("POST", &org.server.url("/api/v1/session"), &[], Some(&sign_in));
    let rosa_auth = format!("Bearer {}", r.json()["token"].as_str().unwrap_or_default());

    // Outside every inbox, she sees no list and acts nowhere.
    let conv = voice_conversation(&org, &liam);
    let path = format!("/api/v1/conversations/{conv}");
    let note = Some(r#"{"body":"hello team"}"#);
    assert_eq!(org.call("POST", &format!("{path}/notes"), &rosa_auth, note).status, 403);
    let r = org.call("PUT", &format!("/api/v1/inboxes/voice/members/{id}"), &jonas, None);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json()["agentIds"].to_string().contains(&id), "{}", r.text);
    assert_eq!(org.call("POST", &format!("{path}/notes"), &rosa_auth, note).status, 201);

    // She owns it: leaving voice is refused, and says why.
    let give = json!({"assignee": {"inboxId": "voice", "agentId": id}}).to_string();
    assert_eq!(org.call("PATCH", &path, &liam, Some(&give)).status, 200);
    let leave = format!("/api/v1/inboxes/voice/members/{id}");
    let r = org.call("DELETE", &leave, &jonas, None);
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (409, "still_assigned"),
        "{}",
        r.text
    );
    assert!(r.text.contains("Rosa Diaz still has 1 open conversation"), "{}", r.text);
    let back = json!({"assignee": {"inboxId": "voice", "agentId": "ag2"}}).to_string();
    assert_eq!(org.call("PATCH", &path, &liam, Some(&back)).status, 200);
    let r = org.call("DELETE", &leave, &jonas, None);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!r.json()["agentIds"].to_string().contains(&id), "{}", r.text);
    assert_eq!(org.call("POST", &format!("{path}/notes"), &rosa_auth, note).status, 403);

    // Restarted, the directory is as the admin left it.
    let (inboxes, agents) = restarted_directory(org, &jonas);
    assert!(agents.to_string().contains("Rosa Diaz"), "{agents}");
    let voice = inboxes
        .as_array()
        .and_then(|l| l.iter().find(|i| i["id"] == "voice"))
        .map(|i| i["agentIds"].to_string())
        .unwrap_or_default();
    assert!(!voice.is_empty() && !voice.contains(&id), "{voice}");
}

#[test]
fn an_admin_sets_up_and_edits_an_inbox_and_nobody_else_can() {
    let org = org("access-inboxes");
    let (jonas, liam, ava, noah) = (
        org.sign_in("jonas"),
        org.sign_in("liam"),
        org.sign_in("ava"),
        org.sign_in("noah"),
    );
    let desk = json!({"name": "WhatsApp Desk", "channels": ["WHATSAPP"], "agentIds": ["ag1"]}).to_string();
    let rename = r#"{"name":"Phones"}"#.to_owned();
    for auth in [&ava, &liam] {
        org.refused_to_all_but_admins(
            auth,
            &[
                ("POST", "/api/v1/inboxes", Some(&desk)),
                ("PATCH", "/api/v1/inboxes/voice", Some(&rename)),
            ],
        );
    }
    // WhatsApp routes to General Support: the admin takes it off there first.
    let r = org.call("POST", "/api/v1/inboxes", &jonas, Some(&desk));
    assert_eq!((r.status, r.error_code().as_str()), (409, "taken"), "{}", r.text);
    let social = json!({"channels": ["CHAT", "SMS", "FB_MESSENGER", "INSTAGRAM_DIRECT"]}).to_string();
    let r = org.call("PATCH", "/api/v1/inboxes/support", &jonas, Some(&social));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["name"], "General Support", "what was not sent stays");
    let r = org.call("POST", "/api/v1/inboxes", &jonas, Some(&desk));
    assert_eq!(r.status, 201, "{}", r.text);
    let created = r.json();
    assert_eq!(
        (
            &created["reopenWindowHours"],
            &created["agentIds"],
            &created["topicsRequiredToClose"]
        ),
        (&json!(72), &json!(["ag1"]), &json!(false)),
        "{created}"
    );
    let id = created["id"].as_str().unwrap_or_default().to_owned();

    // Its members act in it, others do not.
    let conv = voice_conversation(&org, &liam);
    let path = format!("/api/v1/conversations/{conv}");
    let moved = json!({"assignee": {"inboxId": id}}).to_string();
    assert_eq!(org.call("PATCH", &path, &liam, Some(&moved)).status, 200);
    let note = Some(r#"{"body":"hello desk"}"#);
    assert_eq!(org.call("POST", &format!("{path}/notes"), &noah, note).status, 403);
    assert_eq!(org.call("POST", &format!("{path}/notes"), &ava, note).status, 201);

    let r = org.call(
        "PATCH",
        &format!("/api/v1/inboxes/{id}"),
        &jonas,
        Some(r#"{"reopenWindowHours":12}"#),
    );
    assert_eq!(r.status, 200, "{}", r.text);

    // Restarted, the inboxes are as the admin left them.
    let (inboxes, _) = restarted_directory(org, &jonas);
    let find = |id: &str| {
        inboxes
            .as_array()
            .and_then(|l| l.iter().find(|i| i["id"] == id))
            .cloned()
    };
    let desk = find(&id).unwrap_or_default();
    assert_eq!(
        (&desk["name"], &desk["reopenWindowHours"]),
        (&json!("WhatsApp Desk"), &json!(12))
    );
    assert_eq!(
        find("support").map(|s| s["channels"].clone()),
        Some(json!(["CHAT", "SMS", "FB_MESSENGER", "INSTAGRAM_DIRECT"]))
    );
}

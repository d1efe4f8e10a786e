//! Accounts: who may sign in, as which agent of the directory, with which role; their sessions
//! and personal API tokens. Kept in tables of their own beside the log (in the server's SQLite
//! file, or in the PostgreSQL database every instance shares), never in the log of changes (which
//! is replayed and exported; secrets are not).
//!
//! Passwords are hashed with argon2id. A session or token is `<kind>.<id>.<secret>`: the id finds
//! the row, the secret is kept only as its SHA-256 and compared in constant time.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, TimeDelta, Utc};
use rapport_core::access::{Principal, Role};
use rapport_core::AgentId;
use rapport_service::extract::same_secret;
use sha2::{Digest, Sha256};

use crate::tables::{TableError, Tables, Value};

/// How long a sign-in lasts.
pub const SESSION_HOURS: i64 = 12;
/// Shortest password an agent may choose.
pub const MIN_PASSWORD: usize = 12;
/// Failed sign-ins allowed before each further one waits (per account; ten times that per address).
const FREE_FAILURES: u32 = 3;
/// The longest wait between attempts.
const MAX_WAIT: Duration = Duration::from_secs(15 * 60);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub email: String,
    pub agent_id: AgentId,
    pub role: Role,
    pub active: bool,
}

impl Account {
    pub fn principal(&self) -> Principal {
        Principal::new(self.agent_id.clone(), self.role)
    }
}

/// How a request proved who it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    Session,
    /// A personal token; `on_behalf`: an admin's integration token that may act for others.
    Token {
        on_behalf: bool,
    },
}

/// Why a credential did not open the door.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// None sent, or one this server never gave out (or revoked, or of a deactivated account).
    Missing,
    Expired,
    /// Too many failed sign-ins: try again after this.
    Wait(Duration),
    /// The email and password do not match an active account.
    Wrong,
    Storage(String),
}

impl From<TableError> for Refused {
    fn from(e: TableError) -> Self {
        Refused::Storage(e.to_string())
    }
}

pub struct Accounts {
    tables: Tables,
    attempts: Mutex<Attempts>,
}

/// A new sign-in: the credential (shown once) and when it ends.
pub struct Session {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub account: Account,
}

/// A personal token as listed (its secret is never shown again).
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// May act on behalf of other agents (`X-On-Behalf-Of`); only an admin's token can.
    pub on_behalf: bool,
}

/// Emails are compared without case (`lower` on both sides works on both engines).
const ACCOUNT: &str = "SELECT email, agent_id, role, active, password_hash FROM accounts";

fn text(v: &str) -> Value {
    Value::from(v)
}

impl Accounts {
    /// The accounts in the server's SQLite file.
    pub fn open(path: &Path) -> Result<Accounts, String> {
        let conn = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(|e| e.to_string())?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS accounts (
                 email TEXT PRIMARY KEY COLLATE NOCASE,
                 agent_id TEXT NOT NULL UNIQUE,
                 role TEXT NOT NULL,
                 password_hash TEXT NOT NULL,
                 active INTEGER NOT NULL
             );
             CREATE TABLE IF NOT EXISTS sessions (
                 id TEXT PRIMARY KEY,
                 email TEXT NOT NULL COLLATE NOCASE,
                 secret_hash BLOB NOT NULL,
                 expires_at INTEGER NOT NULL
             );
             CREATE TABLE IF NOT EXISTS tokens (
                 id TEXT PRIMARY KEY,
                 email TEXT NOT NULL COLLATE NOCASE,
                 name TEXT NOT NULL,
                 secret_hash BLOB NOT NULL,
                 created_at INTEGER NOT NULL
             );",
        )
        .map_err(|e| e.to_string())?;
        // Added after the first release of the table: databases made before gain the column.
        let has_on_behalf = conn.prepare("SELECT on_behalf FROM tokens LIMIT 0").is_ok();
        if !has_on_behalf {
            conn.execute_batch("ALTER TABLE tokens ADD COLUMN on_behalf INTEGER NOT NULL DEFAULT 0")
                .map_err(|e| e.to_string())?;
        }
        Ok(Accounts::over(Tables::Sqlite(Mutex::new(conn))))
    }

    /// The accounts in a PostgreSQL database, shared by every instance on it (its tables are
    /// the migrations', see `pg`).
    pub fn postgres(url: &str) -> Result<Accounts, String> {
        let mut client = crate::pg::connect(url)?;
        crate::pg::migrate(&mut client).map_err(|e| e.to_string())?;
        Ok(Accounts::over(Tables::Postgres(Mutex::new(client))))
    }

    fn over(tables: Tables) -> Accounts {
        Accounts {
            tables,
            attempts: Mutex::new(Attempts::default()),
        }
    }

    /// Whether any account exists: then every request must sign in.
    pub fn any(&self) -> Result<bool, String> {
        let row = self
            .tables
            .row("SELECT COUNT(*) FROM accounts", &[])
            .map_err(|e| e.to_string())?;
        Ok(row.and_then(|r| r.first().and_then(Value::int)).unwrap_or(0) > 0)
    }

    /// A new account with a generated password, returned once (to give the agent).
    pub fn create(&self, email: &str, agent: &AgentId, role: Role) -> Result<String, String> {
        let email = email.trim();
        if !email.contains('@') || email.len() > 254 {
            return Err(format!("`{email}` is not an email address"));
        }
        let password = random_hex(12);
        let hash = hash_password(&password)?;
        self.tables
            .execute(
                "INSERT INTO accounts (email, agent_id, role, password_hash, active) VALUES (?1, ?2, ?3, ?4, ?5)",
                &[
                    text(email),
                    text(agent.as_str()),
                    text(role.as_str()),
                    text(&hash),
                    Value::Bool(true),
                ],
            )
            .map_err(|e| match e {
                TableError::Taken => format!("an account for {email} or for agent {agent} exists already"),
                e => e.to_string(),
            })?;
        Ok(password)
    }

    /// Deactivates (or reactivates) an account; deactivating signs it out everywhere and revokes
    /// its tokens.
    pub fn set_active(&self, email: &str, active: bool) -> Result<(), String> {
        let n = self
            .tables
            .execute(
                "UPDATE accounts SET active = ?2 WHERE lower(email) = lower(?1)",
                &[text(email), Value::Bool(active)],
            )
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Err(format!("there is no account {email}"));
        }
        if !active {
            for table in ["sessions", "tokens"] {
                self.tables
                    .execute(
                        &format!("DELETE FROM {table} WHERE lower(email) = lower(?1)"),
                        &[text(email)],
                    )
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }

    pub fn account(&self, email: &str) -> Result<Option<(Account, String)>, TableError> {
        let row = self
            .tables
            .row(&format!("{ACCOUNT} WHERE lower(email) = lower(?1)"), &[text(email)])?;
        Ok(row.and_then(|r| {
            let hash = r.get(4)?.text()?.to_owned();
            Some((account_row(&r)?, hash))
        }))
    }

    /// The account of a directory agent, if they have one.
    pub fn account_of(&self, agent: &AgentId) -> Result<Option<Account>, TableError> {
        let row = self
            .tables
            .row(&format!("{ACCOUNT} WHERE agent_id = ?1"), &[text(agent.as_str())])?;
        Ok(row.as_deref().and_then(account_row))
    }

    /// Every account, by email.
    pub fn list(&self) -> Result<Vec<Account>, TableError> {
        let rows = self.tables.rows(&format!("{ACCOUNT} ORDER BY lower(email)"), &[])?;
        Ok(rows.iter().filter_map(|r| account_row(r)).collect())
    }

    /// Signs in with email and password from `addr`, within the backoff.
    pub fn sign_in(&self, email: &str, password: &str, addr: IpAddr, now: DateTime<Utc>) -> Result<Session, Refused> {
        let email = email.trim().to_lowercase();
        let at = Instant::now();
        if let Some(wait) = self.attempts().wait(&email, addr, at) {
            return Err(Refused::Wait(wait));
        }
        let found = self.account(&email)?;
        // An unknown email costs a hash too, so timing does not tell which emails have accounts.
        let hash = found.as_ref().map_or(DUMMY_HASH, |(_, h)| h.as_str());
        let matches = verify_password(password, hash);
        match found {
            Some((account, _)) if matches && account.active => {
                self.attempts().succeeded(&email, addr);
                let (token, expires_at) = self.new_session(&account.email, now)?;
                Ok(Session {
                    token,
                    expires_at,
                    account,
                })
            }
            _ => {
                self.attempts().failed(&email, addr, at);
                Err(Refused::Wrong)
            }
        }
    }

    fn attempts(&self) -> std::sync::MutexGuard<'_, Attempts> {
        self.attempts.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn new_session(&self, email: &str, now: DateTime<Utc>) -> Result<(String, DateTime<Utc>), Refused> {
        let (id, secret) = (random_hex(8), random_hex(32));
        let expires_at = now + TimeDelta::hours(SESSION_HOURS);
        self.tables.execute(
            "INSERT INTO sessions (id, email, secret_hash, expires_at) VALUES (?1, ?2, ?3, ?4)",
            &[
                text(&id),
                text(email),
                Value::Bytes(digest(&secret)),
                Value::Int(expires_at.timestamp()),
            ],
        )?;
        Ok((format!("s.{id}.{secret}"), expires_at))
    }

    /// Who an `Authorization` header value proves to be: `Bearer <session or token>`, or HTTP
    /// Basic `email:token` (as Gladly's API takes).
    pub fn authenticate(&self, authorization: Option<&str>, now: DateTime<Utc>) -> Result<(Account, Via), Refused> {
        let Some((scheme, value)) = authorization.and_then(|a| a.trim().split_once(' ')) else {
            return Err(Refused::Missing);
        };
        let (email, credential) = if scheme.eq_ignore_ascii_case("bearer") {
            (None, value.trim().to_owned())
        } else if scheme.eq_ignore_ascii_case("basic") {
            use base64::Engine;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(value.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or(Refused::Missing)?;
            let (email, token) = decoded.split_once(':').ok_or(Refused::Missing)?;
            (Some(email.to_lowercase()), token.to_owned())
        } else {
            return Err(Refused::Missing);
        };
        let mut parts = credential.splitn(3, '.');
        let (kind, id, secret) = match (parts.next(), parts.next(), parts.next()) {
            (Some(k), Some(i), Some(s)) => (k, i, s),
            _ => return Err(Refused::Missing),
        };
        let query = match (kind, &email) {
            ("s", None) => "SELECT email, secret_hash, expires_at, FALSE FROM sessions WHERE id = ?1",
            ("t", _) => "SELECT email, secret_hash, NULL, on_behalf FROM tokens WHERE id = ?1",
            _ => return Err(Refused::Missing),
        };
        let Some(row) = self.tables.row(query, &[text(id)])? else {
            return Err(Refused::Missing);
        };
        let (Some(owner), Some(hash)) = (row[0].text(), row[1].bytes()) else {
            return Err(Refused::Storage("a credential's row is incomplete".to_owned()));
        };
        let via = if kind == "s" {
            Via::Session
        } else {
            Via::Token {
                on_behalf: row[3].bool().unwrap_or(false),
            }
        };
        if !same_secret(&digest(secret), hash) || email.as_ref().is_some_and(|e| !e.eq_ignore_ascii_case(owner)) {
            return Err(Refused::Missing);
        }
        if row[2].int().is_some_and(|e| e <= now.timestamp()) {
            self.tables.execute("DELETE FROM sessions WHERE id = ?1", &[text(id)])?;
            return Err(Refused::Expired);
        }
        match self.account(owner)? {
            Some((account, _)) if account.active => Ok((account, via)),
            _ => Err(Refused::Missing),
        }
    }

    /// Ends the session this credential is (a token is not a session: nothing happens).
    pub fn sign_out(&self, credential: &str) -> Result<(), TableError> {
        if let Some(id) = session_id(credential) {
            self.tables.execute("DELETE FROM sessions WHERE id = ?1", &[text(id)])?;
        }
        Ok(())
    }

    /// Ends every session of the account (tokens stay: they are revoked one by one).
    pub fn sign_out_everywhere(&self, email: &str) -> Result<(), TableError> {
        self.tables
            .execute("DELETE FROM sessions WHERE lower(email) = lower(?1)", &[text(email)])?;
        Ok(())
    }

    /// Changes the password after checking the current one; other sessions end.
    /// `credential` is the one the change came with: its session stays.
    pub fn change_password(&self, email: &str, current: &str, new: &str, credential: &str) -> Result<(), Refused> {
        let Some((_, hash)) = self.account(email)? else {
            return Err(Refused::Missing);
        };
        if !verify_password(current, &hash) {
            return Err(Refused::Wrong);
        }
        let hash = hash_password(new).map_err(Refused::Storage)?;
        self.tables.execute(
            "UPDATE accounts SET password_hash = ?2 WHERE lower(email) = lower(?1)",
            &[text(email), text(&hash)],
        )?;
        self.tables.execute(
            "DELETE FROM sessions WHERE lower(email) = lower(?1) AND id != ?2",
            &[text(email), text(session_id(credential).unwrap_or(""))],
        )?;
        Ok(())
    }

    /// A new personal token named `name`: its credential, shown once.
    pub fn create_token(
        &self,
        email: &str,
        name: &str,
        on_behalf: bool,
        now: DateTime<Utc>,
    ) -> Result<(TokenInfo, String), TableError> {
        let (id, secret) = (random_hex(8), random_hex(32));
        self.tables.execute(
            "INSERT INTO tokens (id, email, name, secret_hash, created_at, on_behalf) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            &[
                text(&id),
                text(email),
                text(name),
                Value::Bytes(digest(&secret)),
                Value::Int(now.timestamp()),
                Value::Bool(on_behalf),
            ],
        )?;
        let info = TokenInfo {
            id: id.clone(),
            name: name.to_owned(),
            created_at: DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now),
            on_behalf,
        };
        Ok((info, format!("t.{id}.{secret}")))
    }

    pub fn tokens(&self, email: &str) -> Result<Vec<TokenInfo>, TableError> {
        let rows = self.tables.rows(
            "SELECT id, name, created_at, on_behalf FROM tokens WHERE lower(email) = lower(?1) ORDER BY created_at, id",
            &[text(email)],
        )?;
        Ok(rows
            .iter()
            .map(|r| TokenInfo {
                id: r[0].text().unwrap_or_default().to_owned(),
                name: r[1].text().unwrap_or_default().to_owned(),
                created_at: r[2]
                    .int()
                    .and_then(|t| DateTime::from_timestamp(t, 0))
                    .unwrap_or_default(),
                on_behalf: r[3].bool().unwrap_or(false),
            })
            .collect())
    }

    /// Revokes one of the account's tokens; `false` when it has no such token.
    pub fn revoke_token(&self, email: &str, id: &str) -> Result<bool, TableError> {
        let n = self.tables.execute(
            "DELETE FROM tokens WHERE lower(email) = lower(?1) AND id = ?2",
            &[text(email), text(id)],
        )?;
        Ok(n > 0)
    }
}

/// The id of a session credential (`s.<id>.<secret>`); None for a token or anything else.
fn session_id(credential: &str) -> Option<&str> {
    credential.strip_prefix("s.").and_then(|r| r.split('.').next())
}

/// An account from a row whose first columns are email, agent_id, role, active.
fn account_row(r: &[Value]) -> Option<Account> {
    Some(Account {
        email: r.first()?.text()?.to_owned(),
        agent_id: AgentId::from(r.get(1)?.text()?),
        role: Role::parse(r.get(2)?.text()?).unwrap_or(Role::Agent),
        active: r.get(3)?.bool()?,
    })
}

/// A hash no password matches, verified for unknown emails.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5wGsaRBsZLBUP+nKcrRVKwPzDNQ7cs+FiupmZ5LJp8g";

fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("no randomness: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// `bytes` random bytes as hex. Without randomness nothing secret can be made: the server stops.
fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    if let Err(e) = getrandom::fill(&mut buf) {
        panic!("rapport-server: the system has no randomness to make secrets with: {e}");
    }
    hex::encode(buf)
}

/// Failed sign-ins, per account and per address: past the free ones, each waits twice as long
/// as the last (up to `MAX_WAIT`). In memory: a restart forgives, which is fine at this scale.
#[derive(Default)]
struct Attempts {
    by_account: HashMap<String, Strikes>,
    by_address: HashMap<IpAddr, Strikes>,
}

#[derive(Clone, Copy)]
struct Strikes {
    failures: u32,
    until: Instant,
}

impl Attempts {
    fn wait(&self, email: &str, addr: IpAddr, now: Instant) -> Option<Duration> {
        let left = |s: Option<&Strikes>| {
            s.and_then(|s| s.until.checked_duration_since(now))
                .filter(|d| !d.is_zero())
        };
        left(self.by_account.get(email)).max(left(self.by_address.get(&addr)))
    }

    fn failed(&mut self, email: &str, addr: IpAddr, now: Instant) {
        strike(
            self.by_account.entry(email.to_owned()).or_insert(Strikes {
                failures: 0,
                until: now,
            }),
            FREE_FAILURES,
            now,
        );
        strike(
            self.by_address.entry(addr).or_insert(Strikes {
                failures: 0,
                until: now,
            }),
            FREE_FAILURES * 10,
            now,
        );
    }

    fn succeeded(&mut self, email: &str, addr: IpAddr) {
        self.by_account.remove(email);
        self.by_address.remove(&addr);
    }
}

fn strike(s: &mut Strikes, free: u32, now: Instant) {
    s.failures += 1;
    if s.failures > free {
        let doublings = (s.failures - free - 1).min(10);
        s.until = now + Duration::from_secs(1u64 << doublings).min(MAX_WAIT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_past_the_free_ones_wait_twice_as_long_each() {
        let mut a = Attempts::default();
        let (addr, t0) = (IpAddr::from([10, 0, 0, 1]), Instant::now());
        for _ in 0..FREE_FAILURES {
            a.failed("a@x", addr, t0);
        }
        assert_eq!(a.wait("a@x", addr, t0), None, "the free failures do not wait");
        a.failed("a@x", addr, t0);
        assert_eq!(a.wait("a@x", addr, t0), Some(Duration::from_secs(1)));
        a.failed("a@x", addr, t0);
        assert_eq!(a.wait("a@x", addr, t0), Some(Duration::from_secs(2)));
        assert_eq!(
            a.wait("b@x", IpAddr::from([10, 0, 0, 2]), t0),
            None,
            "another account elsewhere is not held up"
        );
        a.succeeded("a@x", addr);
        assert_eq!(a.wait("a@x", addr, t0), None);
    }

    #[test]
    fn the_dummy_hash_is_a_hash_no_generated_password_matches() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password(&random_hex(12), DUMMY_HASH));
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
    }
}

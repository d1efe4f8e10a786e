//! Command-line options (plain std parsing: six flags do not need a parser crate).

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::state::Options;

pub const USAGE: &str = "\
usage: rapport-server [--addr 127.0.0.1:8787] [--db rapport.db] [--dist DIR] [--token T] [--allow-origin URL]... [--rate-limit 50]
                      [--conversations 1000] [--sandbox] [--snapshot FILE]

  --addr ADDR          where to listen (port 0 picks a free one); an address beyond this machine
                       needs --token
  --db FILE|URL        SQLite database file, or a PostgreSQL database (postgres://user@host/db,
                       shared by any number of instances); created and seeded on first start
  --dist DIR           also serve the built app from DIR at /
  --token T            require `Authorization: Bearer T` on /api/v1 (or set RAPPORT_TOKEN)
  --rate-limit N       requests per second one address may send (default 50, bursts of 500;
                       0: no limit), answered 429 with Retry-After beyond it
  (RAPPORT_INBOUND_SECRET: the channel integrations' secret; /api/v1/inbound then takes only
  deliveries signed with it, see docs/http-api.md, and no agent's token)
  --allow-origin URL   a web origin (https://desk.example) whose pages may call the API; repeat
                       for more. Without it only the app this server serves (--dist) may
  --conversations N    how many conversations to seed a new database with
  --sandbox            answer the trial endpoints (/api/v1/sandbox: move the clock, reset to the
                       seed), for product teams trying the rules; never on a real team's server
  --snapshot FILE      start a new database from the organisation in FILE (JSON: agents, inboxes,
                       topics, customers, conversations, timeline, tasks) instead of the seed";

#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub options: Options,
}

/// `Err` holds the message to print (the usage for `--help`).
pub fn parse(args: impl IntoIterator<Item = String>, env_token: Option<String>) -> Result<Config, String> {
    let mut addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 8787));
    let mut options = Options {
        db: PathBuf::from("rapport.db"),
        postgres: None,
        conversations: 1000,
        token: env_token.filter(|t| !t.is_empty()),
        dist: None,
        sandbox: false,
        snapshot: None,
        inbound_secret: None,
        allowed_origins: Vec::new(),
        max_streams: None,
        request_deadline: None,
        head_deadline: None,
        rate_limit: None,
        rate_burst: None,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.to_owned());
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value\n\n{USAGE}"))
        };
        match flag.as_str() {
            "--addr" => {
                let v = value()?;
                addr = v
                    .parse()
                    .map_err(|_| format!("--addr: `{v}` is not an address like 127.0.0.1:8787"))?;
            }
            "--sandbox" if inline.is_none() => options.sandbox = true,
            "--db" => {
                let v = value()?;
                if crate::pg::is_url(&v) {
                    options.postgres = Some(v);
                } else {
                    options.db = PathBuf::from(v);
                }
            }
            "--dist" => options.dist = Some(PathBuf::from(value()?)),
            "--snapshot" => options.snapshot = Some(PathBuf::from(value()?)),
            "--rate-limit" => {
                let v = value()?;
                options.rate_limit = Some(
                    v.parse()
                        .map_err(|_| format!("--rate-limit: `{v}` is not a number of requests per second"))?,
                );
            }
            "--allow-origin" => {
                let v = value()?;
                options.allowed_origins.push(origin(&v)?);
            }
            "--token" => {
                let v = value()?;
                if v.is_empty() {
                    return Err("--token must not be empty".to_owned());
                }
                options.token = Some(v);
            }
            "--conversations" => {
                let v = value()?;
                options.conversations = v
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("--conversations: `{v}` is not a positive number"))?;
            }
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    if let Some(dist) = &options.dist {
        if !dist.join("index.html").is_file() {
            return Err(format!(
                "--dist: {} has no index.html (build the app first)",
                dist.display()
            ));
        }
    }
    Ok(Config { addr, options })
}

impl Config {
    /// `Err` when the server would listen beyond this machine with nobody signing in: a database
    /// with accounts (`signs_in`) or a --token is needed there.
    pub fn exposure(&self, signs_in: bool) -> Result<(), String> {
        if self.addr.ip().is_loopback() || signs_in || self.options.token.is_some() {
            return Ok(());
        }
        Err(format!(
            "--addr {} listens beyond this machine, where anyone could use the API: create accounts \
             (rapport-server admin create) so that agents sign in, or for a trial set --token (or \
             RAPPORT_TOKEN) so that only those holding it can",
            self.addr
        ))
    }
}

/// The `admin` subcommand: `admin create --email E --agent ID [--role R]`, `admin deactivate
/// --email E`, `admin activate --email E`, then any server flag (`--db` above all).
#[derive(Clone, Debug)]
pub struct Admin {
    pub action: String,
    pub email: String,
    pub agent: Option<String>,
    pub role: rapport_core::access::Role,
    pub config: Config,
}

pub const ADMIN_USAGE: &str = "\
usage: rapport-server admin create --email E --agent AGENT_ID [--role agent|supervisor|admin] [--db FILE] [server flags]
       rapport-server admin deactivate --email E [--db FILE]
       rapport-server admin activate --email E [--db FILE]

  create prints the account's first password, once: give it to the agent, who changes it with
  POST /api/v1/me/password. A database with accounts has every request sign in.";

pub fn parse_admin(args: impl IntoIterator<Item = String>) -> Result<Admin, String> {
    let mut args = args.into_iter();
    let action = args.next().unwrap_or_default();
    if !matches!(action.as_str(), "create" | "deactivate" | "activate") {
        return Err(ADMIN_USAGE.to_owned());
    }
    let (mut email, mut agent, mut role, mut rest) = (None, None, rapport_core::access::Role::Agent, Vec::new());
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} needs a value\n\n{ADMIN_USAGE}"))
        };
        match arg.as_str() {
            "--email" => email = Some(value()?),
            "--agent" => agent = Some(value()?),
            "--role" => {
                let v = value()?;
                role = rapport_core::access::Role::parse(&v)
                    .ok_or_else(|| format!("--role: `{v}` is not agent, supervisor or admin"))?;
            }
            _ => rest.push(arg),
        }
    }
    let email = email.ok_or_else(|| format!("--email is needed\n\n{ADMIN_USAGE}"))?;
    if action == "create" && agent.is_none() {
        return Err(format!(
            "--agent is needed: the agent of the directory this account signs in as\n\n{ADMIN_USAGE}"
        ));
    }
    Ok(Admin {
        action,
        email,
        agent,
        role,
        config: parse(rest, None)?,
    })
}

/// A web origin as browsers send it in `Origin`: scheme, host and port, nothing after.
fn origin(v: &str) -> Result<String, String> {
    let rest = v.strip_prefix("https://").or_else(|| v.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', ' ']) => Ok(v.to_owned()),
        _ => Err(format!(
            "--allow-origin: `{v}` is not a web origin like https://desk.example (scheme and host, no path)"
        )),
    }
}

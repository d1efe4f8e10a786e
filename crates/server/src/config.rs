//! Command-line options (plain std parsing: six flags do not need a parser crate).

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::state::Options;

pub const USAGE: &str = "\
usage: rapport-server [--addr 127.0.0.1:8787] [--db rapport.db] [--dist DIR] [--token T] [--allow-origin URL]... [--rate-limit 50]
                      [--conversations 1000] [--sandbox] [--snapshot FILE]

  --addr ADDR          where to listen (port 0 picks a free one); an address beyond this machine
                       needs --token
  --db FILE            SQLite database; created and seeded on first start
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
            "--db" => options.db = PathBuf::from(value()?),
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
    if !addr.ip().is_loopback() && options.token.is_none() {
        return Err(format!(
            "--addr {addr} listens beyond this machine, where anyone could use the API: set --token \
             (or RAPPORT_TOKEN) so that only those holding it can"
        ));
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

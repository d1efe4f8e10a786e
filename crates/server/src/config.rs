//! Command-line options (plain std parsing: six flags do not need a parser crate).

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::state::Options;

pub const USAGE: &str = "\
usage: rapport-server [--addr 127.0.0.1:8787] [--db rapport.db] [--dist DIR] [--token T] [--conversations 1000] [--sandbox] [--snapshot FILE]

  --addr ADDR          where to listen (port 0 picks a free one)
  --db FILE            SQLite database; created and seeded on first start
  --dist DIR           also serve the built app from DIR at /
  --token T            require `Authorization: Bearer T` on /api/v1 (or set RAPPORT_TOKEN)
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

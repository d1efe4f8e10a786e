//! `rapport-server`: see `config::USAGE`.

use std::io::Write;
use std::process::ExitCode;

use rapport_server::{config, serve, AppState};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("admin") {
        return admin(args.into_iter().skip(1));
    }
    let mut config = match config::parse(args, std::env::var("RAPPORT_TOKEN").ok()) {
        Ok(c) => c,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    // Only from the environment: a secret on the command line shows in the process list.
    config.options.inbound_secret = std::env::var("RAPPORT_INBOUND_SECRET").ok().filter(|s| !s.is_empty());
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rapport-server: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Seeding and replay are CPU work: done before serving, so the "listening" line means ready.
    let state = match AppState::open(&config.options) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("rapport-server: {e}");
            return ExitCode::FAILURE;
        }
    };
    if state.accounts.is_none() && !config.options.sandbox {
        let db = config.options.shown_db();
        eprintln!(
            "rapport-server: {db} has no accounts yet, so nobody could sign in. Create the first admin:\n  \
             rapport-server admin create --db {db} --email you@example.com --agent ag1 --role admin\n\
             or start with --sandbox to try Rapport without sign-in (anyone who reaches it then acts as any agent)."
        );
        return ExitCode::FAILURE;
    }
    if let Err(message) = config.exposure(state.accounts.is_some()) {
        eprintln!("rapport-server: {message}");
        return ExitCode::FAILURE;
    }
    eprintln!("rapport-server: {}: {}", config.options.shown_db(), state.describe());
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(config.addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("rapport-server: cannot listen on {}: {e}", config.addr);
                return ExitCode::FAILURE;
            }
        };
        let addr = listener.local_addr().unwrap_or(config.addr);
        println!("rapport-server listening on http://{addr}");
        let _ = std::io::stdout().flush();
        match serve(listener, state, shutdown_signal()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("rapport-server: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

/// `rapport-server admin …`: accounts, from the machine the database is on.
fn admin(args: impl Iterator<Item = String>) -> ExitCode {
    let admin = match config::parse_admin(args) {
        Ok(a) => a,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    match run_admin(&admin) {
        Ok(said) => {
            println!("{said}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rapport-server admin: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_admin(admin: &config::Admin) -> Result<String, String> {
    let options = &admin.config.options;
    match admin.action.as_str() {
        "create" => {
            // Opening the state creates and seeds a new database, and says which agents exist.
            let state = AppState::open(&admin.config.options).map_err(|e| e.to_string())?;
            let agent = rapport_core::AgentId::from(admin.agent.as_deref().unwrap_or_default());
            state.read(|s| s.agent(&agent).map(|_| ())).map_err(|_| {
                let known = state.read(|s| s.directory.agents.iter().map(|a| a.id.to_string()).collect::<Vec<_>>());
                format!(
                    "there is no agent `{agent}` in the directory (it has {})",
                    known.join(", ")
                )
            })?;
            let accounts = options.accounts()?;
            let password = accounts.create(&admin.email, &agent, admin.role)?;
            Ok(format!(
                "created {} ({}) as agent {agent} in {}\nfirst password (shown once): {password}",
                admin.email,
                admin.role.as_str(),
                options.shown_db()
            ))
        }
        action => {
            let accounts = options.accounts()?;
            accounts.set_active(&admin.email, action == "activate")?;
            Ok(format!("{} is now {action}d", admin.email))
        }
    }
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

//! `rapport-server`: see `config::USAGE`.

use std::io::Write;
use std::process::ExitCode;

use rapport_server::{config, serve, AppState};

fn main() -> ExitCode {
    let mut config = match config::parse(std::env::args().skip(1), std::env::var("RAPPORT_TOKEN").ok()) {
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
    eprintln!("rapport-server: {}: {}", config.options.db.display(), state.describe());
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

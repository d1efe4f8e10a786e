//! Rapport's reference server: the HTTP API of docs/http-api.md (machine-readable in
//! api/openapi.yaml) over `rapport-core`, with every accepted write stored in SQLite.

pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod extract;
mod routes;
pub mod state;

use std::future::Future;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::net::TcpListener;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};

pub use error::ApiError;
pub use state::{AppState, Options, StartError};

/// The whole HTTP surface: `/api/v1/*`, and the built app at `/` when `dist` is set.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .merge(routes::v1())
        .fallback(|| async { ApiError::no_route() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(middleware::from_fn_with_state(state.clone(), require_token))
        .with_state(state.clone());
    let root = Router::new().nest("/api", api);
    let root = match &state.dist {
        // The app routes on the client: unknown paths get index.html.
        Some(dir) => root.fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")))),
        None => root.fallback(|| async { ApiError::no_route() }),
    };
    // Outermost, so preflights are answered before auth and error responses carry CORS headers.
    root.layer(cors())
}

fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::PUT, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            HeaderName::from_static(extract::AGENT_HEADER),
            HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([header::ETAG])
        .max_age(Duration::from_secs(600))
}

/// With `--token`, every API request but a CORS preflight needs `Authorization: Bearer <token>`.
async fn require_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(token) = &state.token {
        if request.method() != Method::OPTIONS {
            let sent = request
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim);
            if !sent.is_some_and(|s| same(s.as_bytes(), token.as_bytes())) {
                return ApiError::unauthorized().into_response();
            }
        }
    }
    next.run(request).await
}

/// Compares in time independent of where the first difference is.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Serves until `shutdown` resolves; live event streams end then, so shutdown does not hang.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = app(state.clone());
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            shutdown.await;
            state.begin_shutdown();
        })
        .await
}

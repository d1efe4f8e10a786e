//! Rapport's reference server: the transport around `rapport-service`, which implements the HTTP
//! API of docs/http-api.md (machine-readable in api/openapi.yaml). This crate adds axum and tokio,
//! SQLite for the log, CORS, the live event stream, and serving the built app.

pub mod accounts;
pub mod config;
pub mod db;
pub mod engine;
pub mod events;
pub mod guard;
pub mod pg;
pub mod signin;
pub mod state;
pub mod tables;

use std::future::Future;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rapport_service::{ApiError, BODY_LIMIT};
use tokio::net::TcpListener;
use tower_http::services::{ServeDir, ServeFile};

pub use state::{AppState, Options, StartError};

/// The whole HTTP surface: `/api/v1/*`, and the built app at `/` when `dist` is set. `loopback`:
/// the server listens on this machine only, so it answers only to this machine's names.
pub fn app(state: AppState, loopback: bool) -> Router {
    let api = Router::new()
        .route("/v1/events", get(events::stream))
        .method_not_allowed_fallback(|| async {
            reply(rapport_service::not_allowed([rapport_service::Method::Get].into_iter()))
        })
        .fallback(api)
        .with_state(state.clone());
    let root = Router::new().nest("/api", api);
    let root = match &state.dist {
        // The app routes on the client: unknown paths get index.html.
        Some(dir) => root.fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")))),
        None => root.fallback(|| async { reply(ApiError::no_route().into_response()) }),
    };
    let root = root.layer(from_fn(guard::security_headers));
    // CORS outside the headers and Host check, so preflights are answered before auth and error
    // responses carry CORS headers; the log outermost, so it sees every answer.
    let root = match guard::cors(&state.allowed_origins) {
        Some(cors) => root.layer(cors),
        None => root,
    };
    root.layer(from_fn_with_state(loopback, guard::loopback_host))
        .layer(from_fn_with_state(state.rate_limit.clone(), guard::rate_limit))
        .layer(from_fn(guard::access_log))
}

/// Every API request but the event stream: read it whole (within the deadline), hand it to the
/// service.
async fn api(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match tokio::time::timeout(state.request_deadline, axum::body::to_bytes(body, BODY_LIMIT)).await {
        Ok(Ok(bytes)) => bytes.to_vec(),
        Ok(Err(_)) => return reply(ApiError::too_large().into_response()),
        Err(_) => return reply(guard::too_slow().into_response()),
    };
    let request = service_request(&parts, body);
    let peer = peer_of(&parts);
    let state2 = state.clone();
    // The service is synchronous (a lock and CPU work, and hashing a password): off the async threads.
    match tokio::task::spawn_blocking(move || answer(&state2, &request, peer)).await {
        Ok(response) => reply(response),
        Err(e) => reply(ApiError::internal(e).into_response()),
    }
}

/// A request's answer: through the sign-in endpoints and the credential check when the server
/// has accounts, else as a trial.
fn answer(state: &AppState, request: &rapport_service::Request, peer: std::net::IpAddr) -> rapport_service::Response {
    let Some(accounts) = &state.accounts else {
        return state.handle(request);
    };
    let now = chrono::Utc::now();
    if let Some(response) = signin::route(state, accounts, request, peer, now) {
        return response;
    }
    let inbound = state.inbound_signed() && rapport_service::signature::is_inbound(request);
    match signin::caller(accounts, request, inbound, now) {
        Ok(caller) => state.handle_as(request, &caller),
        Err(e) => e.into_response(),
    }
}

/// The client's address (our accept loop puts it on every request).
pub(crate) fn peer_of(parts: &axum::http::request::Parts) -> std::net::IpAddr {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |c| c.0.ip())
}

/// The transport-free form of a request (path below `/api`).
pub(crate) fn service_request(parts: &axum::http::request::Parts, body: Vec<u8>) -> rapport_service::Request {
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = rapport_service::Request::new(rapport_service::Method::parse(parts.method.as_str()), target);
    request.headers = parts
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
        .collect();
    request.body = body;
    request
}

/// An axum response from the service's.
pub(crate) fn reply(response: rapport_service::Response) -> Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut out = (status, Body::from(response.body)).into_response();
    for (name, value) in response.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            out.headers_mut().insert(HeaderName::from_static(name), value);
        }
    }
    out
}

/// Serves until `shutdown` resolves; live event streams end then, so shutdown does not hang.
/// A connection that does not finish sending a request head within `guard::HEAD_DEADLINE` is
/// closed (a slow-loris client would otherwise hold it for ever).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let loopback = listener.local_addr()?.ip().is_loopback();
    let router = app(state.clone(), loopback);
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    // Each connection holds a receiver; all dropped = all connections done.
    let (done, mut all_done) = tokio::sync::mpsc::channel::<()>(1);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of file descriptors and the like: wait a moment rather than spin.
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // The client's address goes with each of its requests (for the rate limit).
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            tower::ServiceExt::oneshot(router.clone(), request)
        });
        let (mut stopping, done) = (stopping.clone(), done.clone());
        let head_deadline = state.head_deadline;
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(head_deadline);
            let conn = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                () = async { drop(stopping.wait_for(|s| *s).await) } => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(done);
        });
    }
    state.begin_shutdown();
    let _ = stop.send(true);
    drop(done);
    let _ = all_done.recv().await;
    Ok(())
}

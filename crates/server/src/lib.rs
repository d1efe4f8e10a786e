//! Rapport's reference server: the transport around `rapport-service`, which implements the HTTP
//! API of docs/http-api.md (machine-readable in api/openapi.yaml). This crate adds axum and tokio,
//! SQLite for the log, CORS, the live event stream, and serving the built app.

pub mod config;
pub mod db;
pub mod events;
pub mod state;

use std::future::Future;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rapport_service::{ApiError, BODY_LIMIT};
use tokio::net::TcpListener;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};

pub use state::{AppState, Options, StartError};

/// The whole HTTP surface: `/api/v1/*`, and the built app at `/` when `dist` is set.
pub fn app(state: AppState) -> Router {
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
            HeaderName::from_static(rapport_service::extract::AGENT_HEADER),
            HeaderName::from_static("last-event-id"),
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([header::ETAG, HeaderName::from_static("idempotent-replayed")])
        .max_age(Duration::from_secs(600))
}

/// Every API request but the event stream: read it whole, hand it to the service.
async fn api(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => bytes.to_vec(),
        Err(_) => return reply(ApiError::too_large().into_response()),
    };
    let request = service_request(&parts, body);
    let state2 = state.clone();
    // The service is synchronous (a lock and CPU work): off the async threads.
    match tokio::task::spawn_blocking(move || state2.handle(&request)).await {
        Ok(response) => reply(response),
        Err(e) => reply(ApiError::internal(e).into_response()),
    }
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

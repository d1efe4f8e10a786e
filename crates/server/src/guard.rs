//! What makes the server safe to put on a network, around the service: which web origins may
//! call it from a browser, which Host names it answers to (DNS rebinding), security headers on
//! every answer, a deadline per request, a cap on live streams, and a one-line access log.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use rapport_service::ApiError;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::reply;

/// How long a request's body may take to arrive before it is answered 408 (a body sent a byte
/// at a time holds a connection and a buffer).
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(30);
/// How long a client may take to send a request's head (the request line and headers).
pub const HEAD_DEADLINE: Duration = Duration::from_secs(10);
/// Live event streams open at once, in all: each holds a connection and a subscription.
pub const MAX_STREAMS: usize = 500;

/// The browser origins allowed to call the API from another origin. None: same origin only (the
/// app served by this server with `--dist`), so the browser lets no other site read an answer.
pub fn cors(allowed: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = allowed.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::PUT, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::IF_MATCH,
                HeaderName::from_static(rapport_service::extract::AGENT_HEADER),
                HeaderName::from_static("last-event-id"),
                HeaderName::from_static("idempotency-key"),
            ])
            .expose_headers([
                header::ETAG,
                header::RETRY_AFTER,
                HeaderName::from_static("idempotent-replayed"),
            ])
            .max_age(Duration::from_secs(600)),
    )
}

/// Whether `host` (a Host header: name or address, maybe a port) names this machine.
pub fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// On a server listening on loopback only, a request whose Host names another machine came
/// through a name that was pointed here (DNS rebinding): a web page would then read the API as
/// its own origin. Refused with 421.
pub async fn loopback_host(State(loopback): State<bool>, request: Request, next: Next) -> Response {
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok());
    if loopback && !host.is_some_and(is_loopback_host) {
        return reply(misdirected().into_response());
    }
    next.run(request).await
}

fn misdirected() -> ApiError {
    ApiError {
        status: 421,
        code: "misdirected",
        attr: Some("Host".into()),
        detail: "This server answers only to this machine's own names (localhost, 127.0.0.1).".into(),
    }
}

/// Headers every answer carries: no MIME sniffing, no framing (clickjacking), no referrer to
/// other sites; API answers (customer data) are never cached.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "no-referrer");
    // The page's own policy is the <meta> CSP of index.html, which must allow any server (it
    // cannot know the operator's). Both policies apply, so the app this server serves talks to
    // this server only: a `?api=` link cannot point its requests, or a credential, elsewhere.
    // A meta CSP cannot forbid framing either.
    if api {
        set(header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'");
        set(header::CACHE_CONTROL, "no-store");
    } else {
        set(
            header::CONTENT_SECURITY_POLICY,
            "frame-ancestors 'none'; connect-src 'self'",
        );
    }
    response
}

/// One line per request on stderr: method, path (never the query, which may hold what an agent
/// searched for, nor any header), status and time taken.
pub async fn access_log(request: Request, next: Next) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    eprintln!(
        "rapport-server: {method} {} {} {ms:.1} ms",
        path.escape_debug(),
        response.status().as_u16()
    );
    response
}

/// A body that did not arrive within `REQUEST_DEADLINE` (sent byte by byte, say).
pub fn too_slow() -> ApiError {
    ApiError {
        status: 408,
        code: "timeout",
        attr: None,
        detail: "The request took too long to arrive; send it again.".into(),
    }
}

/// Requests per second one address may send on average, and in a burst (a desk opening a
/// customer sends a handful at once; a script guessing tokens sends thousands).
pub const RATE: u32 = 50;
pub const BURST: u32 = 500;

/// A rate limit per client address, answered 429 with `Retry-After`.
#[derive(Clone)]
pub struct RateLimit {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    /// The same allowance per credential (its SHA-256), wherever it is used from: a stolen token
    /// spread over many addresses is held to one client's rate.
    by_credential: Arc<DefaultKeyedRateLimiter<[u8; 32]>>,
    checks: Arc<AtomicU64>,
}

impl RateLimit {
    /// None when `per_second` is 0 (no limit).
    pub fn new(per_second: u32, burst: u32) -> Option<RateLimit> {
        let rate = NonZeroU32::new(per_second)?;
        let burst = NonZeroU32::new(burst).unwrap_or(rate);
        let quota = Quota::per_second(rate).allow_burst(burst);
        Some(RateLimit {
            limiter: Arc::new(DefaultKeyedRateLimiter::keyed(quota)),
            by_credential: Arc::new(DefaultKeyedRateLimiter::keyed(quota)),
            checks: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Whether `ip` may send one more request now, or how many seconds it should wait.
    fn check(&self, ip: IpAddr) -> Result<(), u64> {
        // Now and then, forget addresses and credentials whose allowance has filled up again.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            self.limiter.retain_recent();
            self.by_credential.retain_recent();
        }
        self.limiter.check_key(&ip).map_err(wait_secs)
    }

    /// The same for a credential (the `Authorization` header's value).
    fn check_credential(&self, credential: &[u8]) -> Result<(), u64> {
        use sha2::Digest;
        let key: [u8; 32] = sha2::Sha256::digest(credential).into();
        self.by_credential.check_key(&key).map_err(wait_secs)
    }
}

fn wait_secs(not_until: governor::NotUntil<governor::clock::QuantaInstant>) -> u64 {
    not_until.wait_time_from(DefaultClock::default().now()).as_secs() + 1
}

pub async fn rate_limit(State(limit): State<Option<RateLimit>>, request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let Some(limit) = limit else {
        return next.run(request).await;
    };
    let refused = |wait: u64, whose: &str| {
        let slow_down = ApiError {
            status: 429,
            code: "rate_limited",
            attr: None,
            detail: format!("Too many requests from this {whose}; try again in {wait} s."),
        };
        retry_later(slow_down, wait)
    };
    if let Some(Err(wait)) = peer.map(|ip| limit.check(ip)) {
        return refused(wait, "address");
    }
    if let Some(Err(wait)) = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|c| limit.check_credential(c.as_bytes()))
    {
        return refused(wait, "credential");
    }
    next.run(request).await
}

/// `error`, with `Retry-After: secs`.
fn retry_later(error: ApiError, secs: u64) -> Response {
    let mut response = reply(error.into_response());
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

/// Counts open live streams, in all and per signed-in agent; a stream holds a `StreamSlot` while
/// it is open.
#[derive(Clone, Debug)]
pub struct Streams {
    open: Arc<AtomicUsize>,
    max: usize,
    by_agent: PerAgent,
    per_agent: usize,
}

/// Open streams by signed-in agent.
type PerAgent = Arc<Mutex<HashMap<String, usize>>>;

impl Streams {
    pub fn with_max(max: usize) -> Streams {
        Streams::with_limits(max, MAX_STREAMS_PER_AGENT)
    }

    pub fn with_limits(max: usize, per_agent: usize) -> Streams {
        Streams {
            open: Arc::new(AtomicUsize::new(0)),
            max,
            by_agent: Arc::default(),
            per_agent,
        }
    }

    /// A slot, or None when all are taken (answer `Streams::busy`).
    pub fn take(&self) -> Option<StreamSlot> {
        self.take_as(None)
    }

    /// A slot for `agent`'s stream (when signed in): None also when they hold `per_agent`.
    pub fn take_as(&self, agent: Option<&str>) -> Option<StreamSlot> {
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < self.max).then_some(n + 1))
            .ok()?;
        let mut slot = StreamSlot {
            open: self.open.clone(),
            agent: None,
        };
        if let Some(agent) = agent {
            let mut by_agent = self.by_agent.lock().unwrap_or_else(|p| p.into_inner());
            let held = by_agent.entry(agent.to_owned()).or_insert(0);
            if *held >= self.per_agent {
                return None; // `slot` drops: the total is given back
            }
            *held += 1;
            slot.agent = Some((self.by_agent.clone(), agent.to_owned()));
        }
        Some(slot)
    }

    /// 503 with `Retry-After`: every slot is taken.
    pub fn busy() -> Response {
        let busy = ApiError {
            status: 503,
            code: "too_many_streams",
            attr: None,
            detail: "The server has as many live connections as it takes; it will try again shortly.".into(),
        };
        retry_later(busy, 30)
    }
}

/// Live streams one signed-in agent may hold at once (a tab each; more is a runaway client).
pub const MAX_STREAMS_PER_AGENT: usize = 20;

/// Gives its slot back when the stream ends (or its connection drops).
#[derive(Debug)]
pub struct StreamSlot {
    open: Arc<AtomicUsize>,
    agent: Option<(PerAgent, String)>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::AcqRel);
        if let Some((by_agent, agent)) = &self.agent {
            let mut by_agent = by_agent.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(held) = by_agent.get_mut(agent) {
                *held = held.saturating_sub(1);
                if *held == 0 {
                    by_agent.remove(agent);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_agent_holds_at_most_their_share_of_streams() {
        let streams = Streams::with_limits(10, 2);
        let a1 = streams.take_as(Some("ag1"));
        let a2 = streams.take_as(Some("ag1"));
        assert!(a1.is_some() && a2.is_some());
        assert!(streams.take_as(Some("ag1")).is_none(), "a third for ag1 waits");
        let b = streams.take_as(Some("ag2"));
        assert!(b.is_some(), "another agent is not held up");
        drop(a1);
        let a3 = streams.take_as(Some("ag1"));
        assert!(a3.is_some(), "a closed stream gives its place back");
        assert_eq!(
            streams.open.load(Ordering::Acquire),
            3,
            "a refused one holds no place in the total"
        );
    }

    /// One credential from many addresses is held to one client's rate (security review 9).
    #[tokio::test]
    async fn a_credential_is_rate_limited_wherever_it_is_used_from() {
        use tower::ServiceExt;
        let limit = RateLimit::new(1, 2);
        let app = axum::Router::new()
            .route("/", axum::routing::get(|| async { "ok" }))
            .layer(axum::middleware::from_fn_with_state(limit, rate_limit));
        let call = |from: u8, token: &'static str| {
            let mut request = Request::builder()
                .uri("/")
                .header("authorization", token)
                .body(axum::body::Body::empty())
                .unwrap_or_default();
            request
                .extensions_mut()
                .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, from], 4000))));
            app.clone().oneshot(request)
        };
        let statuses = [
            call(1, "Bearer a").await.map(|r| r.status().as_u16()),
            call(2, "Bearer a").await.map(|r| r.status().as_u16()),
            call(3, "Bearer a").await.map(|r| r.status().as_u16()),
            call(4, "Bearer b").await.map(|r| r.status().as_u16()),
        ];
        assert_eq!(
            statuses.map(|s| s.unwrap_or(0)),
            [200, 200, 429, 200],
            "the third use of `a` waits; `b` does not"
        );
    }

    #[test]
    fn loopback_names_with_and_without_a_port() {
        for ok in [
            "localhost",
            "LOCALHOST:8787",
            "127.0.0.1",
            "127.0.0.1:8787",
            "127.1.2.3:80",
            "[::1]:8787",
            "[::1]",
        ] {
            assert!(is_loopback_host(ok), "{ok}");
        }
        for no in [
            "attacker.example",
            "attacker.example:8787",
            "10.0.0.1:8787",
            "localhost.attacker.example",
            "[::2]:80",
            "",
        ] {
            assert!(!is_loopback_host(no), "{no}");
        }
    }

    #[test]
    fn a_stream_slot_is_given_back_when_dropped() {
        let streams = Streams::with_max(2);
        let a = streams.take().expect("first");
        let _b = streams.take().expect("second");
        assert!(streams.take().is_none(), "the third is refused");
        drop(a);
        assert!(streams.take().is_some(), "a freed slot is taken again");
    }
}

//! The inbound webhook's credential: channel integrations sign each delivery, so a customer
//! message cannot be made up by whoever holds an agent's token, and a captured one cannot be
//! sent again later. `X-Rapport-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
//! with the integration's secret; a timestamp more than `TOLERANCE` away from now is refused.
//! (A retried delivery within it is made harmless by its Idempotency-Key.)

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{ApiError, ApiResult};
use crate::extract::{header_text, segments};
use crate::wire::{Method, Request};

pub const HEADER: &str = "x-rapport-signature";
/// How far a signature's time may be from the server's, either way.
pub const TOLERANCE_SECS: i64 = 300;

/// Whether this is a delivery to the inbound webhook.
pub fn is_inbound(request: &Request) -> bool {
    request.method == Method::Post && segments(&request.path).is_ok_and(|s| is_inbound_at(&request.method, &s))
}

/// The same, for a path already split into `segments`.
pub fn is_inbound_at(method: &Method, segments: &[String]) -> bool {
    *method == Method::Post && matches!(segments, [v1, inbound] if v1 == "v1" && inbound == "inbound")
}

/// The header a sender puts on `body` at `unix` seconds.
pub fn sign(secret: &str, unix: i64, body: &[u8]) -> String {
    let code = mac(secret, unix, body).map(|m| hex::encode(m.finalize().into_bytes()));
    format!("t={unix},v1={}", code.unwrap_or_default())
}

/// None only for a key HMAC refuses, which HMAC-SHA256 (any length) never does.
fn mac(secret: &str, unix: i64, body: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(unix.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

pub fn verify(secret: &str, now: DateTime<Utc>, request: &Request) -> ApiResult<()> {
    let value = header_text(request, HEADER)?.ok_or_else(|| refused("The delivery is not signed."))?;
    let (mut unix, mut given) = (None, None);
    for part in value.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => unix = t.parse::<i64>().ok(),
            Some(("v1", v)) => given = hex::decode(v).ok(),
            _ => {}
        }
    }
    let (Some(unix), Some(given)) = (unix, given) else {
        return Err(refused("The signature is not in the form t=<seconds>,v1=<hex>."));
    };
    if (now.timestamp() - unix).abs() > TOLERANCE_SECS {
        return Err(refused(
            "The signature's time is too far from now; sign the delivery when sending it.",
        ));
    }
    // `verify_slice` compares in constant time.
    mac(secret, unix, &request.body)
        .and_then(|m| m.verify_slice(&given).ok())
        .ok_or_else(|| refused("The signature does not match the delivery."))
}

fn refused(detail: &str) -> ApiError {
    ApiError {
        status: 401,
        code: "bad_signature",
        attr: Some("X-Rapport-Signature".into()),
        detail: detail.into(),
    }
}

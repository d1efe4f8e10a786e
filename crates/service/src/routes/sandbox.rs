//! Trial endpoints for product teams (extension): move the clock, start again from the seed.
//! Answered only by the demo and by a server started with `--sandbox`; 404 otherwise.

use chrono::{DurationRound, TimeDelta};
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::log::{Entry, SandboxEntry, Storage};
use crate::wire::Response;

/// The furthest one request may move the clock: a year.
const MAX_ADVANCE_MS: i64 = 366 * 24 * 3600 * 1000;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SandboxState {
    /// How far the service's clock runs ahead of the wall clock.
    clock_offset_ms: i64,
    /// The service's time now.
    now: String,
    /// Changes accepted since the seed (or the latest reset).
    changes: usize,
}

fn state_response<S: Storage>(ctx: &Ctx<'_, S>) -> Response {
    let service = &*ctx.service;
    Response::json(
        200,
        &SandboxState {
            clock_offset_ms: service.clock_offset().num_milliseconds(),
            now: crate::log::time_text(service.now(ctx.now)),
            changes: service.commands_applied(),
        },
    )
}

pub fn state<S: Storage>(ctx: &mut Ctx<'_, S>, _: &[String]) -> ApiResult<Response> {
    Ok(state_response(ctx))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClockBody {
    /// A JSON number with no fraction: `5` and `5.0` are the same integer to JSON Schema.
    advance_ms: serde_json::Number,
}

/// `{ "advanceMs": N }`: the clock moves forward by N milliseconds (1 ms to a year).
pub fn advance_clock<S: Storage>(ctx: &mut Ctx<'_, S>, _: &[String]) -> ApiResult<Response> {
    let body: ClockBody = ctx.body()?;
    let whole = body.advance_ms.as_i64().or_else(|| {
        let f = body.advance_ms.as_f64()?;
        // In range of the check below, so the cast is exact.
        (f.fract() == 0.0 && f.abs() < 1e15).then_some(f as i64)
    });
    let Some(advance_ms) = whole.filter(|ms| (1..=MAX_ADVANCE_MS).contains(ms)) else {
        return Err(ApiError::invalid(
            Some("advanceMs"),
            "advanceMs must be a whole number from 1 to 31622400000 (a year); the clock only moves forward.",
        ));
    };
    let entry = Entry::Sandbox(SandboxEntry::Clock { advance_ms });
    ctx.write(|_| Ok(vec![entry]), |_, _| Ok(Response::empty(200)))?;
    Ok(state_response(ctx))
}

/// Throws away every change and starts from a new seed made now.
pub fn reset<S: Storage>(ctx: &mut Ctx<'_, S>, _: &[String]) -> ApiResult<Response> {
    // Whole minutes keep the seed's timestamps tidy.
    let anchor = ctx.now.duration_trunc(TimeDelta::minutes(1)).unwrap_or(ctx.now);
    let entry = Entry::Sandbox(SandboxEntry::Reset { anchor });
    ctx.write(|_| Ok(vec![entry]), |_, _| Ok(Response::empty(200)))?;
    Ok(state_response(ctx))
}

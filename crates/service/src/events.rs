//! The live event stream's rules, for every transport: where a client resumes, and what each
//! event says. The server streams them as server-sent events; the demo pushes the same frames.

use crate::error::{ApiError, ApiResult};
use crate::extract::{header_text, QueryMap};
use crate::log::Change;
use crate::wire::Request;

/// Backlog rows read from storage at a time.
pub const CHUNK: usize = 500;

/// One event as the stream sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub id: u64,
    /// `change` or `reset`.
    pub event: &'static str,
    pub data: String,
}

impl Frame {
    pub fn of(change: &Change) -> Frame {
        if change.reset {
            return Frame::reset(change.seq);
        }
        let data = serde_json::to_string(change).unwrap_or_else(|_| format!("{{\"seq\":{}}}", change.seq));
        Frame {
            id: change.seq,
            event: "change",
            data,
        }
    }

    /// Reload everything: the data was replaced (or started again from the seed).
    pub fn reset(newest: u64) -> Frame {
        Frame {
            id: newest,
            event: "reset",
            data: format!("{{\"seq\":{newest}}}"),
        }
    }

    /// The server-sent-event text of this frame.
    pub fn sse(&self) -> String {
        format!("id: {}\nevent: {}\ndata: {}\n\n", self.id, self.event, self.data)
    }
}

/// Where a stream starts: after `last`, with `first` sent before anything else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Start {
    pub first: Option<Frame>,
    pub last: u64,
    /// Whether storage holds events after `last`.
    pub catching_up: bool,
}

/// `Last-Event-ID` header, else `?after=` (for tools that cannot set headers); None = live only.
pub fn resume_point(request: &Request) -> ApiResult<Option<u64>> {
    let query = QueryMap::parse(&request.query);
    // Event ids have at most 18 digits (the documented bound), so any of them fits a u64.
    let parse = |raw: &str, attr: &str| {
        Some(raw)
            .filter(|r| r.len() <= 18 && r.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|r| r.parse::<u64>().ok())
            .ok_or_else(|| ApiError::invalid(Some(attr), format!("{attr} must be an event id this server sent.")))
    };
    // Both are checked, even when the header makes `after` moot: a bad parameter is an error.
    let after = match query.has("after") {
        true => Some(parse(query.get("after").unwrap_or_default(), "after")?),
        false => None,
    };
    match header_text(request, "last-event-id")? {
        Some(h) => parse(h, "Last-Event-ID").map(Some),
        None => Ok(after),
    }
}

/// Where to start for a client that saw `requested`, when the newest event is `newest`.
pub fn start(requested: Option<u64>, newest: u64) -> Start {
    match requested {
        None => Start {
            first: None,
            last: newest,
            catching_up: false,
        },
        Some(n) if n <= newest => Start {
            first: None,
            last: n,
            catching_up: n < newest,
        },
        // The client saw ids this data never made (it was replaced): it must reload.
        Some(_) => Start {
            first: Some(Frame::reset(newest)),
            last: newest,
            catching_up: false,
        },
    }
}

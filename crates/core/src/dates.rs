//! Timestamps are read with chrono's RFC 3339 parser. chrono's own `Deserialize` goes through its
//! general `FromStr`, which brings a format-string engine into the browser bundle; the API only
//! ever sends RFC 3339 (`2026-01-02T03:04:05.678Z`), which is also what `Serialize` writes.

use chrono::{DateTime, Utc};
use serde::de::Error;
use serde::{Deserialize, Deserializer};

fn parse<E: Error>(s: &str) -> Result<DateTime<Utc>, E> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| E::custom(format!("{s:?} is not an RFC 3339 timestamp ({e})")))
}

pub fn de<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    parse(&String::deserialize(d)?)
}

/// For `Option` fields; pair it with `#[serde(default)]` so a missing field is None.
pub fn de_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    Option::<String>::deserialize(d)?.map(|s| parse(&s)).transpose()
}

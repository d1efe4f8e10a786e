//! Timeline item content that never fails a whole timeline: a kind this build does not know, or a
//! known kind whose fields do not decode, becomes `ItemContent::Unknown` with the raw JSON kept.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::model::ItemContent;

pub fn serialize<S: Serializer>(content: &ItemContent, s: S) -> Result<S::Ok, S::Error> {
    match content {
        ItemContent::Unknown { raw, .. } => raw.serialize(s),
        known => known.serialize(s),
    }
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ItemContent, D::Error> {
    let raw = Value::deserialize(d)?;
    Ok(decode(raw))
}

pub fn decode(raw: Value) -> ItemContent {
    match ItemContent::deserialize(&raw) {
        Ok(content) => content,
        Err(_) => {
            let kind = raw.get("type").and_then(Value::as_str).unwrap_or("UNKNOWN").to_owned();
            ItemContent::Unknown {
                kind,
                raw: Box::new(raw),
            }
        }
    }
}

//! What the composer keeps and checks before sending: drafts per conversation, mode and channel
//! (in localStorage, on every keystroke), placeholders still to fill, and what was typed while
//! a send was on its way. Pure but for storage, and natively tested.

use std::collections::BTreeMap;

use rapport_core::query::fill_placeholders;
use rapport_core::{Channel, ConversationId};

use crate::api::storage;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Reply,
    Note,
}

/// Where the draft of this conversation, mode and channel is kept.
pub(super) fn draft_key(conv: &ConversationId, mode: Mode, channel: Channel) -> String {
    match mode {
        Mode::Reply => format!("rapport.draft.{conv}.{channel:?}"),
        Mode::Note => format!("rapport.draft.{conv}.note"),
    }
}

/// Where a typed subject is kept (one per conversation, for email).
pub(super) fn subject_key(conv: &ConversationId) -> String {
    format!("rapport.draft.{conv}.subject")
}

pub(super) fn keep_draft(key: &str, text: &str) {
    if text.is_empty() {
        storage::remove(key);
    } else {
        let _ = storage::set(key, text);
    }
}

/// What the agent typed after pressing Send: `now` minus the `sent` text it began with; all of
/// `now` if they changed that text meanwhile.
pub fn typed_after(sent: &str, now: &str) -> String {
    match now.strip_prefix(sent) {
        Some(rest) => rest.trim_start().to_owned(),
        None => now.to_owned(),
    }
}

/// Placeholders still in the text, like `{refund.amount}`.
pub fn unfilled(text: &str) -> Vec<String> {
    let (_, missing) = fill_placeholders(text, &BTreeMap::new());
    missing
        .into_iter()
        .filter(|k| !k.is_empty() && !k.contains(char::is_whitespace))
        .collect()
}

/// Why the text cannot be sent as it is, if it cannot.
pub(super) fn not_ready(body: &str) -> Option<String> {
    if body.trim().is_empty() {
        return Some("Write something first.".into());
    }
    let missing = unfilled(body);
    if missing.is_empty() {
        return None;
    }
    let names: Vec<String> = missing.iter().map(|m| format!("{{{m}}}")).collect();
    Some(format!("Fill in {} before sending.", names.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfilled_finds_placeholders_left_in_the_text() {
        assert_eq!(
            unfilled("Refund of {refund.amount} for {order.number}"),
            vec!["refund.amount", "order.number"]
        );
        assert!(unfilled("Plain text, no braces").is_empty());
        assert!(unfilled("A lone { brace and { spaced thing }").is_empty());
    }

    #[test]
    fn what_was_typed_during_a_send_is_kept() {
        assert_eq!(typed_after("First message", "First message"), "");
        assert_eq!(
            typed_after("First message", "First message and the second"),
            "and the second"
        );
        // Changed meanwhile: all of it stays, nothing is thrown away.
        assert_eq!(
            typed_after("First message", "Fist message, edited"),
            "Fist message, edited"
        );
        assert_eq!(typed_after("First message", ""), "");
    }

    #[test]
    fn a_text_is_ready_once_it_says_something_and_every_placeholder_is_filled() {
        assert_eq!(not_ready("  \n").as_deref(), Some("Write something first."));
        assert_eq!(
            not_ready("Your refund of {refund.amount} for {order}").as_deref(),
            Some("Fill in {refund.amount}, {order} before sending.")
        );
        assert_eq!(not_ready("All done, {customer name} stays as typed"), None);
    }

    #[test]
    fn drafts_are_kept_per_conversation_mode_and_channel() {
        let c = ConversationId::from("co1");
        assert_eq!(draft_key(&c, Mode::Reply, Channel::Sms), "rapport.draft.co1.Sms");
        assert_eq!(
            draft_key(&c, Mode::Note, Channel::Sms),
            draft_key(&c, Mode::Note, Channel::Email)
        );
        assert_ne!(
            draft_key(&c, Mode::Reply, Channel::Sms),
            draft_key(&ConversationId::from("co2"), Mode::Reply, Channel::Sms)
        );
    }
}

//! Limits on what is typed (security review, finding 7: a 2 MiB note was accepted and kept).

mod common;

use common::*;
use rapport_core::limits::{self, check};
use rapport_core::*;

fn note(conv: &ConversationId, body: String) -> Command {
    Command::AddNote(cmd::AddNote {
        conversation_id: conv.clone(),
        agent_id: agent("ag1"),
        body,
    })
}

#[test]
fn a_text_over_its_limit_is_refused_with_its_length_the_limit_and_the_field() {
    let conv = ConversationId::from("co1".to_owned());
    let huge = "x".repeat(2 * 1024 * 1024);
    let err = check(&note(&conv, huge)).expect_err("a 2 MiB note");
    assert_eq!(
        err,
        CoreError::TooLong {
            what: "note",
            field: "body",
            max: limits::NOTE,
            length: 2 * 1024 * 1024
        }
    );
    assert_eq!(err.code(), "too_long");
    assert_eq!(
        err.to_string(),
        format!(
            "The note is too long: {} characters, and at most {} fit.",
            2 * 1024 * 1024,
            limits::NOTE
        )
    );
    // Characters, not bytes: the limit in "é" is the same number.
    assert!(check(&note(&conv, "é".repeat(limits::NOTE))).is_ok());
    assert!(check(&note(&conv, "é".repeat(limits::NOTE + 1))).is_err());
    let reply = reply_cmd(&conv, "ag1", Channel::Email, &"y".repeat(limits::MESSAGE + 1));
    assert!(matches!(check(&reply), Err(CoreError::TooLong { field: "body", .. })));
    let mut with_subject = reply_cmd(&conv, "ag1", Channel::Email, "fine");
    if let Command::Reply(r) = &mut with_subject {
        r.subject = Some("s".repeat(limits::SUBJECT + 1));
    }
    assert!(matches!(
        check(&with_subject),
        Err(CoreError::TooLong { field: "subject", .. })
    ));
    let customer = Command::CreateCustomer(cmd::CreateCustomer {
        customer: NewCustomer {
            name: "Ann".into(),
            emails: Vec::new(),
            phones: Vec::new(),
            handles: Vec::new(),
            address: None,
            custom_attributes: [("k".repeat(limits::ATTRIBUTE_NAME + 1), "v".into())].into(),
        },
    });
    assert!(matches!(
        check(&customer),
        Err(CoreError::TooLong {
            field: "customAttributes",
            ..
        })
    ));
}

/// The limit is checked on new commands only: one stored before it existed still replays.
#[test]
fn the_rules_themselves_still_apply_a_long_text_so_old_logs_replay() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let (conv, _) = inbound(&mut s, t0(), &c, Channel::Chat);
    let long = note(&conv, "z".repeat(limits::NOTE + 10));
    assert!(check(&long).is_err());
    assert!(s.apply(t0(), &long).is_ok(), "replaying it is not refused");
}

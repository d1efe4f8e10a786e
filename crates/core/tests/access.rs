//! Who may do what when signed in (`access`), over the seed directory: voice = ag2 ag5 ag9 ag10;
//! ag1 is in support, email and billing, not voice.

mod common;

use common::*;
use rapport_core::access::{Principal, Role};
use rapport_core::*;

fn voice_conversation(s: &mut Store) -> ConversationId {
    let c = new_customer(s, t0(), "Vera Voice");
    let (id, _) = inbound(s, t0(), &c, Channel::Phone);
    assert_eq!(conv(s, &id).assignee.inbox_id, inbox("voice"));
    id
}

fn note(conv: &ConversationId, by: &str) -> Command {
    Command::AddNote(cmd::AddNote {
        conversation_id: conv.clone(),
        agent_id: agent(by),
        body: "n".into(),
    })
}

#[test]
fn an_agent_acts_in_their_inboxes_or_on_what_is_theirs_supervisors_everywhere() {
    let mut s = store();
    let id = voice_conversation(&mut s);
    let ava = Principal::new("ag1", Role::Agent);
    let noah = Principal::new("ag2", Role::Agent);
    for command in [
        note(&id, "ag1"),
        reply_cmd(&id, "ag1", Channel::Sms, "hi"),
        status_cmd(&id, Status::Closed, "ag1"),
        topics_cmd(&id, &["billing"], "ag1"),
    ] {
        let refused = ava.may(&s, &command).expect_err("ava is not in voice");
        assert_eq!(refused.code(), "forbidden");
        assert!(refused.to_string().contains("Phone Team"), "{refused}");
    }
    assert_eq!(noah.may(&s, &note(&id, "ag2")), Ok(()));
    for role in [Role::Supervisor, Role::Admin] {
        assert_eq!(
            Principal::new("ag1", role).may(&s, &note(&id, "ag1")),
            Ok(()),
            "{role:?}"
        );
    }
    // Assigned to Ava (elsewhere), it is hers to act on.
    ok(&mut s, t0(), &assign_cmd(&id, "support", Some("ag1")));
    assert_eq!(ava.may(&s, &note(&id, "ag1")), Ok(()));
    assert!(ava.sees(&s, &conv(&s, &id)));
}

#[test]
fn nobody_acts_in_another_agents_name_and_only_an_admin_posts_what_a_customer_wrote() {
    let mut s = store();
    let id = voice_conversation(&mut s);
    let noah = Principal::new("ag2", Role::Agent);
    let forged = noah.may(&s, &note(&id, "ag5")).expect_err("a note in ag5's name");
    assert!(forged.to_string().contains("only as yourself"), "{forged}");
    let supervisor = Principal::new("ag4", Role::Supervisor);
    assert!(supervisor.may(&s, &note(&id, "ag2")).is_err(), "not even a supervisor");
    let customer = conv(&s, &id).customer_id;
    let said = inbound_cmd(&customer, Channel::Sms, "hello");
    assert!(noah.may(&s, &said).is_err());
    assert!(supervisor.may(&s, &said).is_err());
    assert_eq!(Principal::new("ag10", Role::Admin).may(&s, &said), Ok(()));
}

#[test]
fn lists_show_an_agent_their_inboxes() {
    let mut s = store();
    let id = voice_conversation(&mut s);
    let ava = Principal::new("ag1", Role::Agent);
    assert_eq!(
        ava.inboxes(&s),
        vec![inbox("support"), inbox("email"), inbox("billing")]
    );
    assert!(!ava.sees(&s, &conv(&s, &id)));
    let new = query::order_seen(&s, &query::View::Status(Status::New), None, Some(&ava));
    assert!(!new.contains(&id));
    let all = query::order_seen(&s, &query::View::Status(Status::New), None, None);
    assert!(all.contains(&id));
    let counts = query::counts_seen(&s, None, &ava);
    assert!(!counts.by_inbox.contains_key(&inbox("voice")));
    assert_eq!(counts.new, new.len());
}

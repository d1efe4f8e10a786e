//! Undo of a status or assignee change (issue "Nothing lost…", steps 5 to 7): it restores the
//! whole previous state, whatever the rules say about moving there by hand, ignores changes that
//! do not touch status or assignee, and names who changed it when it cannot.

mod common;

use common::*;
use rapport_core::*;

fn state(s: &Store, id: &ConversationId) -> ConversationState {
    ConversationState::of(&conv(s, id))
}

fn undo(id: &ConversationId, undone: &ConversationState, restore: &ConversationState, by: &str) -> Command {
    Command::Undo(cmd::Undo {
        conversation_id: id.clone(),
        undone: undone.clone(),
        restore: restore.clone(),
        actor: Actor::agent(&agent(by)),
    })
}

#[test]
fn step_5_undo_after_closing_a_waiting_conversation_brings_it_back_to_waiting() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Evelyn Hill", Channel::Email, "email", "ag1");
    ok(&mut s, t0(), &status_cmd(&id, Status::Waiting, "ag1"));
    let before = state(&s, &id);
    ok(&mut s, t0() + hours(1), &status_cmd(&id, Status::Closed, "ag1"));
    let after = state(&s, &id);
    // Closed → Waiting is not a move an agent may make by hand; undo may.
    assert!(matches!(
        refused(&mut s, t0(), &status_cmd(&id, Status::Waiting, "ag1")),
        CoreError::InvalidTransition { .. }
    ));
    ok(&mut s, t0() + hours(1), &undo(&id, &after, &before, "ag1"));
    let c = conv(&s, &id);
    assert_eq!((c.status, c.closed_at), (Status::Waiting, None));
    assert!(
        invariants::violations(&s).is_empty(),
        "{:?}",
        invariants::violations(&s)
    );
}

#[test]
fn step_5_undo_after_closing_a_new_conversation_brings_it_back_to_new() {
    let mut s = store();
    let c = new_customer(&mut s, t0(), "Noor Khan");
    let (id, _) = inbound(&mut s, t0(), &c, Channel::Email);
    let before = state(&s, &id);
    ok(&mut s, t0(), &status_cmd(&id, Status::Closed, "ag1"));
    let after = state(&s, &id);
    ok(&mut s, t0(), &undo(&id, &after, &before, "ag1"));
    assert_eq!(state(&s, &id), before);
}

#[test]
fn step_6_the_agents_own_later_topic_change_does_not_block_undo() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Benjamin Young", Channel::Email, "email", "ag1");
    ok(&mut s, t0(), &status_cmd(&id, Status::Waiting, "ag1"));
    let before = state(&s, &id);
    ok(&mut s, t0(), &status_cmd(&id, Status::Open, "ag1"));
    let after = state(&s, &id);
    ok(&mut s, t0(), &topics_cmd(&id, &["where-is-my-order"], "ag1"));
    ok(&mut s, t0(), &undo(&id, &after, &before, "ag1"));
    let c = conv(&s, &id);
    assert_eq!(c.status, Status::Waiting);
    assert_eq!(c.topic_ids, vec![topic("where-is-my-order")], "the topic stays");
}

#[test]
fn step_6_someone_elses_change_of_status_blocks_undo_and_is_named() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Benjamin Young", Channel::Sms, "support", "ag1");
    let before = state(&s, &id);
    ok(&mut s, t0(), &status_cmd(&id, Status::Waiting, "ag1"));
    let after = state(&s, &id);
    ok(&mut s, t0(), &status_cmd(&id, Status::Open, "ag2"));
    let err = refused(&mut s, t0(), &undo(&id, &after, &before, "ag1"));
    let name = s.agent(&agent("ag2")).map(|a| a.name.clone()).unwrap_or_default();
    assert_eq!(err, CoreError::ChangedSince(name.clone()));
    assert_eq!(
        err.to_string(),
        format!("{name} changed this conversation since, so it can no longer be undone.")
    );
}

#[test]
fn step_7_undo_of_an_unassignment_restores_the_agent_and_waiting() {
    let mut s = store();
    let (_, id) = open_conversation(&mut s, t0(), "Ava's customer", Channel::Email, "email", "ag1");
    ok(&mut s, t0(), &status_cmd(&id, Status::Waiting, "ag1"));
    let before = state(&s, &id);
    ok(&mut s, t0(), &assign_cmd(&id, "email", None));
    let after = state(&s, &id);
    assert_eq!(after.status, Status::New);
    ok(&mut s, t0(), &undo(&id, &after, &before, "ag1"));
    assert_eq!(state(&s, &id), before, "agent and Waiting both back");
    assert!(
        invariants::violations(&s).is_empty(),
        "{:?}",
        invariants::violations(&s)
    );
}

#[test]
fn undo_keeps_the_rules_that_still_apply() {
    let mut s = store();
    // Reopening a closed conversation by undo while the customer has another open one: refused.
    let c = new_customer(&mut s, t0(), "Olivia Smith");
    let (first, _) = inbound(&mut s, t0(), &c, Channel::Email);
    let before = state(&s, &first);
    ok(&mut s, t0(), &status_cmd(&first, Status::Closed, "ag1"));
    let after = state(&s, &first);
    ok(
        &mut s,
        t0() + hours(24 * 30),
        &inbound_cmd(&c, Channel::Email, "A new question"),
    );
    assert_eq!(
        refused(&mut s, t0(), &undo(&first, &after, &before, "ag1")),
        CoreError::AlreadyOpen
    );
    // A state no conversation can be in (Open without an agent) is refused as such.
    let mut nonsense = before.clone();
    nonsense.status = Status::Open;
    assert!(matches!(
        refused(&mut s, t0(), &undo(&first, &after, &nonsense, "ag1")),
        CoreError::Invalid(_)
    ));
}

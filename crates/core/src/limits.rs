//! How long what people and integrations type may be. A limit per field keeps one paste or one
//! hostile request from filling memory and disk for ever (a 2 MiB note was accepted and kept),
//! and says so in a sentence instead of failing somewhere later.
//!
//! Checked on a new command before it is applied ([`check`]), not inside the rules: a command
//! stored before a limit existed (or was lowered) still replays.

use crate::cmd;
use crate::error::{CoreError, CoreResult};
use crate::store::Command;

/// Customer names, activity titles.
pub const NAME: usize = 200;
/// Email subjects.
pub const SUBJECT: usize = 500;
/// A message a customer sends or an agent replies: a long email fits.
pub const MESSAGE: usize = 50_000;
/// An internal note.
pub const NOTE: usize = 20_000;
/// A task's description.
pub const TASK: usize = 2_000;
/// A comment on a task.
pub const COMMENT: usize = 5_000;
/// An activity's body, a customer's address, a link.
pub const TEXT: usize = 5_000;
/// An email address, a phone number, a messaging handle.
pub const CONTACT: usize = 320;
/// A custom attribute's name and value.
pub const ATTRIBUTE_NAME: usize = 100;
pub const ATTRIBUTE_VALUE: usize = 2_000;

/// `text`, the `what` (as the agent calls it), in the API's field `field`, has at most `max`
/// characters.
pub fn within(text: &str, max: usize, what: &'static str, field: &'static str) -> CoreResult<()> {
    // Bytes bound characters from above: only a long text is counted.
    if text.len() <= max {
        return Ok(());
    }
    let length = text.chars().count();
    if length <= max {
        return Ok(());
    }
    Err(CoreError::TooLong {
        what,
        field,
        max,
        length,
    })
}

/// Every text of `command` within its limit; the first that is not, refused with `TooLong`.
pub fn check(command: &Command) -> CoreResult<()> {
    let subject = |s: &Option<String>| {
        s.as_deref()
            .map_or(Ok(()), |s| within(s, SUBJECT, "subject", "subject"))
    };
    match command {
        Command::Inbound(c) => {
            within(&c.text, MESSAGE, "message", "text")?;
            subject(&c.subject)
        }
        Command::Reply(c) => {
            within(&c.text, MESSAGE, "reply", "body")?;
            subject(&c.subject)
        }
        Command::AddNote(c) => within(&c.body, NOTE, "note", "body"),
        Command::CreateTask(c) => within(&c.body, TASK, "task", "body"),
        Command::CommentTask(c) => within(&c.body, COMMENT, "comment", "comment"),
        Command::AddActivity(c) => {
            within(&c.title, NAME, "activity title", "title")?;
            within(&c.body, TEXT, "activity text", "body")?;
            c.link.as_deref().map_or(Ok(()), |l| within(l, TEXT, "link", "link"))
        }
        Command::CreateCustomer(cmd::CreateCustomer { customer }) => {
            within(&customer.name, NAME, "name", "name")?;
            if let Some(address) = &customer.address {
                within(address, TEXT, "address", "address")?;
            }
            let handles = customer.handles.iter().map(|h| &h.value);
            for contact in customer.emails.iter().chain(&customer.phones).chain(handles) {
                within(contact, CONTACT, "contact", "contact")?;
            }
            for (name, value) in &customer.custom_attributes {
                within(name, ATTRIBUTE_NAME, "attribute name", "customAttributes")?;
                within(value, ATTRIBUTE_VALUE, "attribute value", "customAttributes")?;
            }
            Ok(())
        }
        Command::CreateAgent(c) => {
            within(&c.name, NAME, "name", "name")?;
            within(&c.email_address, CONTACT, "email address", "emailAddress")
        }
        Command::CreateInbox(c) => within(&c.name, NAME, "inbox name", "name"),
        Command::UpdateInbox(c) => c
            .name
            .as_deref()
            .map_or(Ok(()), |n| within(n, NAME, "inbox name", "name")),
        Command::Assign(_)
        | Command::SetMembership(_)
        | Command::SetStatus(_)
        | Command::SetTopics(_)
        | Command::Undo(_)
        | Command::SetTaskStatus(_) => Ok(()),
    }
}

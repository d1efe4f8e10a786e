//! Every refusal the domain can give, with a message fit to show an agent.

use thiserror::Error;

use crate::model::{Channel, Status};

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum CoreError {
    #[error("That {kind} no longer exists.")]
    NotFound { kind: &'static str, id: String },

    #[error("Someone else changed this conversation meanwhile; it now shows the latest state.")]
    Conflict { expected: u64, current: u64 },

    #[error("A {} conversation cannot be set to {}.", from.label(), to.label())]
    InvalidTransition { from: Status, to: Status },

    #[error("Assign an agent first: an open or waiting conversation needs an owner.")]
    NeedsAgent,

    #[error("That agent is not a member of the chosen inbox.")]
    AgentNotInInbox,

    /// Answering or reopening an ownerless conversation makes it the acting agent's, who must
    /// then be in its inbox: the agent chose no inbox, so the sentence names the one it is in.
    #[error("This conversation is in {inbox}, which you are not a member of: answering would make it yours. Ask someone in {inbox} or a supervisor to take it, or assign it to one of your inboxes first.")]
    NotInInboxToTake { inbox: String },

    #[error("Add at least one topic before closing; this inbox requires it.")]
    TopicsRequired,

    #[error("Reopen the conversation before changing it; it is closed.")]
    ConversationClosed,

    #[error("This customer already has an open conversation; continue it instead.")]
    AlreadyOpen,

    #[error("The topic “{0}” is disabled and cannot be added.")]
    TopicDisabled(String),

    #[error("There is no {} contact on file for this customer.", .0.label())]
    NoContactForChannel(Channel),

    #[error("You cannot reply on {}.", .0.label())]
    ChannelNotReplyable(Channel),

    #[error("{0} changed this conversation since, so it can no longer be undone.")]
    ChangedSince(String),

    /// `field` is the API's name for it (the error's `attr`).
    #[error("The {what} is too long: {length} characters, and at most {max} fit.")]
    TooLong {
        what: &'static str,
        field: &'static str,
        max: usize,
        length: usize,
    },

    /// An agent leaving an inbox still owns work there (`conversations` open or waiting,
    /// `tasks` open).
    #[error("{agent} still has {} and {} in {inbox}: reassign them first.", count(*.conversations, "open conversation"), count(*.tasks, "open task"))]
    StillAssigned {
        agent: String,
        inbox: String,
        conversations: usize,
        tasks: usize,
    },

    /// Something that must be unique already exists: `field` is the API's name for it.
    #[error("{detail}")]
    Taken { field: &'static str, detail: String },

    /// Access control (`access`): the signed-in agent may not do this here; the text says why.
    #[error("{0}")]
    Forbidden(String),

    #[error("{0}")]
    Invalid(String),
}

impl CoreError {
    /// A stable machine code, used in the HTTP error body `{"errors":[{code,…}]}`.
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::NotFound { .. } => "not_found",
            CoreError::Conflict { .. } => "conflict",
            CoreError::InvalidTransition { .. } => "invalid_transition",
            CoreError::NeedsAgent => "needs_agent",
            CoreError::AgentNotInInbox => "agent_not_in_inbox",
            CoreError::NotInInboxToTake { .. } => "cannot_take",
            CoreError::TopicsRequired => "topics_required",
            CoreError::ConversationClosed => "conversation_closed",
            CoreError::AlreadyOpen => "already_open",
            CoreError::TopicDisabled(_) => "topic_disabled",
            CoreError::NoContactForChannel(_) => "no_contact_for_channel",
            CoreError::ChannelNotReplyable(_) => "channel_not_replyable",
            CoreError::ChangedSince(_) => "changed_since",
            CoreError::TooLong { .. } => "too_long",
            CoreError::StillAssigned { .. } => "still_assigned",
            CoreError::Taken { .. } => "taken",
            CoreError::Forbidden(_) => "forbidden",
            CoreError::Invalid(_) => "invalid",
        }
    }
}

/// "1 open task", "2 open tasks".
fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

pub type CoreResult<T> = Result<T, CoreError>;

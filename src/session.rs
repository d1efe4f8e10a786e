//! Who is at the keyboard and how they like the app: the current agent and the theme, kept in
//! localStorage, plus the organisation's directory once loaded.

use leptos::prelude::*;
use rapport_core::{Agent, AgentId, Directory, InboxId, TopicId};
use serde::{Deserialize, Serialize};

use crate::api::storage;

const PREFS_KEY: &str = "rapport.prefs";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "Match the system",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Prefs {
    agent: Option<AgentId>,
    theme: Theme,
}

#[derive(Clone, Copy)]
pub struct Session {
    /// The agent using the app. Demo mode lets anyone be anyone.
    pub agent: RwSignal<AgentId>,
    pub theme: RwSignal<Theme>,
    pub directory: RwSignal<Directory>,
    /// The directory has arrived; names on screen can be resolved.
    pub loaded: RwSignal<bool>,
}

impl Session {
    /// Loads preferences and keeps them saved. A missing or unreadable save means defaults.
    pub fn provide() -> Session {
        let prefs: Prefs = storage::get(PREFS_KEY)
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        let session = Session {
            agent: RwSignal::new(prefs.agent.unwrap_or_else(|| AgentId::from("ag1"))),
            theme: RwSignal::new(prefs.theme),
            directory: RwSignal::new(Directory::default()),
            loaded: RwSignal::new(false),
        };
        Effect::new(move |_| {
            let prefs = Prefs {
                agent: Some(session.agent.get()),
                theme: session.theme.get(),
            };
            if let Ok(text) = serde_json::to_string(&prefs) {
                // Preferences are a convenience; a full storage must not stop the app.
                let _ = storage::set(PREFS_KEY, &text);
            }
            if let Some(root) = document().document_element() {
                let _ = root.set_attribute("data-theme", session.theme.get().key());
            }
        });
        provide_context(session);
        session
    }

    pub fn use_session() -> Session {
        expect_context::<Session>()
    }

    pub fn agent_name(&self, id: &AgentId) -> String {
        self.directory
            .with(|d| d.agents.iter().find(|a| &a.id == id).map(|a| a.name.clone()))
            .unwrap_or_else(|| "Unknown agent".into())
    }

    pub fn inbox_name(&self, id: &InboxId) -> String {
        self.directory
            .with(|d| d.inboxes.iter().find(|i| &i.id == id).map(|i| i.name.clone()))
            .unwrap_or_else(|| "Unknown inbox".into())
    }

    pub fn topic_name(&self, id: &TopicId) -> String {
        self.directory
            .with(|d| d.topics.iter().find(|t| &t.id == id).map(|t| t.name.clone()))
            .unwrap_or_else(|| id.to_string())
    }

    pub fn me(&self) -> Option<Agent> {
        let id = self.agent.get();
        self.directory.with(|d| d.agents.iter().find(|a| a.id == id).cloned())
    }
}

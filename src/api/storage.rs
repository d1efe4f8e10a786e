//! Browser localStorage, with typed failures instead of panics.

use thiserror::Error;

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum StorageError {
    #[error("This browser does not allow the app to store data.")]
    Unavailable,
    #[error("The browser's storage for this site is full.")]
    Full,
}

fn local() -> Result<web_sys::Storage, StorageError> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .ok_or(StorageError::Unavailable)
}

pub fn get(key: &str) -> Option<String> {
    local().ok()?.get_item(key).ok().flatten()
}

pub fn set(key: &str, value: &str) -> Result<(), StorageError> {
    // The only failure setItem reports is the quota (QuotaExceededError).
    local()?.set_item(key, value).map_err(|_| StorageError::Full)
}

pub fn remove(key: &str) {
    if let Ok(s) = local() {
        let _ = s.remove_item(key);
    }
}

fn session() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.session_storage().ok().flatten())
}

pub fn session_get(key: &str) -> Option<String> {
    session()?.get_item(key).ok().flatten()
}

pub fn session_set(key: &str, value: &str) {
    if let Some(s) = session() {
        let _ = s.set_item(key, value);
    }
}

pub fn session_remove(key: &str) {
    if let Some(s) = session() {
        let _ = s.remove_item(key);
    }
}

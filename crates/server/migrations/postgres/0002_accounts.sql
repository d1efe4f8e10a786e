-- Accounts, their sessions and personal tokens (see src/accounts.rs). Emails are compared without
-- case, as on SQLite (COLLATE NOCASE there, lower() here).
CREATE TABLE accounts (
    email TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL
);
CREATE UNIQUE INDEX accounts_email_nocase ON accounts (lower(email));

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    secret_hash BYTEA NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_email ON sessions (lower(email));

CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    secret_hash BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    on_behalf BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX tokens_email ON tokens (lower(email));

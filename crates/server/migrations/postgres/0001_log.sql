-- The log of accepted entries, shared by every instance. `seq` is handed out under the write
-- lock (an advisory lock), so it has no gaps and grows in commit order: an instance that has
-- applied up to n misses nothing by reading `seq > n`.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE changes (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    entry TEXT NOT NULL,
    customer_id TEXT,
    conversation_id TEXT,
    task_id TEXT,
    reset BOOLEAN NOT NULL DEFAULT FALSE,
    directory BOOLEAN NOT NULL DEFAULT FALSE
);

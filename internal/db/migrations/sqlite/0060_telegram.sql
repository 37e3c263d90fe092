-- Telegram: the chat linked to a person (one chat per person, one person
-- per chat), the one-time codes that link them (kept only as hashes), and
-- the lease that lets exactly one node poll the Bot API for updates.

CREATE TABLE telegram_links (
    user_id   INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    chat_id   INTEGER NOT NULL UNIQUE,
    linked_at TIMESTAMP NOT NULL
);

CREATE TABLE telegram_link_codes (
    code_hash  TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX telegram_link_codes_user ON telegram_link_codes (user_id);
CREATE INDEX telegram_link_codes_expires ON telegram_link_codes (expires_at);

-- One row: which node polls getUpdates, until when, and the last update it
-- handled (the next holder starts after it).
CREATE TABLE telegram_poller (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    holder         TEXT NOT NULL DEFAULT '',
    expires_at     TIMESTAMP,
    last_update_id INTEGER NOT NULL DEFAULT 0
);
INSERT INTO telegram_poller (id) VALUES (1);

-- Deleting an account keeps the users row as a tombstone, so ON DELETE
-- CASCADE does not fire: forget the chat when the row is marked deleted.
CREATE TRIGGER telegram_forget_deleted AFTER UPDATE OF deleted_at ON users
WHEN NEW.deleted_at IS NOT NULL
BEGIN
    DELETE FROM telegram_links WHERE user_id = NEW.id;
    DELETE FROM telegram_link_codes WHERE user_id = NEW.id;
END;

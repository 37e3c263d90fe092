-- One-time links that sign a person in on the site from the Telegram chat
-- their account was made in (/signin; decision 0060): kept only as hashes,
-- valid minutes, spent once, and only while the chat is still the
-- account's.
CREATE TABLE telegram_signin_codes (
    code_hash  TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    chat_id    BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX telegram_signin_codes_user ON telegram_signin_codes (user_id);
CREATE INDEX telegram_signin_codes_expires ON telegram_signin_codes (expires_at);

-- Sign-up through the Telegram bot (decision 0060): the answers a chat has
-- given so far, one row per chat, until the account is made, the person
-- cancels, or the conversation times out (expires_at; expired rows are
-- deleted as the bot handles updates). Kept in the database so that a
-- restart or another node taking over polling carries on where it was.
CREATE TABLE telegram_signups (
    chat_id        INTEGER PRIMARY KEY,
    lang           TEXT NOT NULL,
    step           TEXT NOT NULL,
    name           TEXT NOT NULL DEFAULT '',
    birth_date     TEXT NOT NULL DEFAULT '',
    region         TEXT NOT NULL DEFAULT '',
    guardian_name  TEXT NOT NULL DEFAULT '',
    guardian_email TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL
);
CREATE INDEX telegram_signups_expires ON telegram_signups (expires_at);

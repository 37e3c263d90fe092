-- What calls tell people (decision 0105): a team invitation, an
-- advancement, a move up in place of one who declined. The outbox row
-- (kind 'calls') points here, and its text is written at sending time in
-- the person's language then, by Telegram when they linked it, else by
-- email: a plain 'mail' row cannot remember that Telegram was allowed.
CREATE TABLE call_notices (
    id              INTEGER PRIMARY KEY,
    what            TEXT NOT NULL CHECK (what IN ('team_invite', 'advanced', 'backfilled', 'winner')),
    user_id         INTEGER REFERENCES users (id),
    email           TEXT NOT NULL DEFAULT '',
    lang            TEXT NOT NULL DEFAULT 'kk',
    call_id         INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    stage_id        INTEGER REFERENCES call_stages (id) ON DELETE CASCADE,
    application_id  INTEGER NOT NULL REFERENCES call_applications (id) ON DELETE CASCADE,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX call_notices_application ON call_notices (application_id);

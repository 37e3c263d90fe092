-- Mail about meetings (a meeting called off, a place freed on the waiting
-- list) is written here in the transaction that causes it, in the
-- reader's language, and sent from here: right after the commit and then
-- by a background step that retries what failed until the mail server
-- takes it. next_at is when to try next; a node that takes a message
-- moves next_at ahead first, so that two nodes never send it both.

CREATE TABLE meeting_mail (
    id         INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    next_at    TIMESTAMP NOT NULL,
    sent_at    TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX meeting_mail_due ON meeting_mail (next_at) WHERE sent_at IS NULL;

-- One outbox for everything Ortaq sends by email or Telegram after a
-- change (internal/outbox, decision 0009): a row is written in the
-- transaction that causes the message, tried right after the commit, and
-- retried by every node's background step until it goes out or is given
-- up. It replaces meeting_mail (0043) and the deliver_* columns of
-- notifications (0026), which stay in place, unused.
--
-- kind 'mail': recipient, subject and body are the email as it goes out.
-- Another kind ('notification') names its row in ref_id and is written at
-- sending time, in the person's language then. token is random: with the
-- id it makes the Message-ID, the same on every retry from any node.
-- due_at: when to try next; a node takes a row by moving due_at past a
-- lease first; NULL: nothing more to do (sent, nobody to send to, or given
-- up with last_error). sent_by: 'email', 'log' (no SMTP server: written to
-- the log), 'telegram', or '' (nobody to send to).

CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    ref_id     INTEGER,
    user_id    INTEGER REFERENCES users (id) ON DELETE CASCADE,
    recipient  TEXT NOT NULL DEFAULT '',
    subject    TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL DEFAULT '',
    token      TEXT NOT NULL,
    due_at     TIMESTAMP,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    sent_at    TIMESTAMP,
    sent_by    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (due_at, id) WHERE due_at IS NOT NULL;
CREATE INDEX outbox_user ON outbox (user_id);
CREATE INDEX outbox_done ON outbox (created_at) WHERE due_at IS NULL;

-- Deleting an account keeps the users row as a tombstone, so ON DELETE
-- CASCADE does not fire: forget what was still to be sent to the person.
CREATE TRIGGER outbox_forget_deleted AFTER UPDATE OF deleted_at ON users
WHEN NEW.deleted_at IS NOT NULL
BEGIN
    DELETE FROM outbox WHERE user_id = NEW.id;
END;

-- On an upgrade, what the old tables still had to send moves here, with
-- its attempts and next time; on a fresh database 0026 and 0043 come
-- later and there is nothing to move.
-- if exists: meeting_mail
INSERT INTO outbox (kind, user_id, recipient, subject, body, token, due_at, attempts, last_error, created_at)
SELECT 'mail', (SELECT u.id FROM users u WHERE u.email = m.recipient AND u.deleted_at IS NULL), m.recipient, m.subject, m.body,
       lower(hex(randomblob(8))), m.next_at, m.attempts, m.last_error, m.created_at
FROM meeting_mail m WHERE m.sent_at IS NULL AND m.attempts < 50 ORDER BY m.id;
-- end if
-- if exists: notifications.deliver_at notifications.deliver_attempts notifications.deliver_error
INSERT INTO outbox (kind, ref_id, user_id, token, due_at, attempts, last_error, created_at)
SELECT 'notification', n.id, n.user_id, lower(hex(randomblob(8))), n.deliver_at, n.deliver_attempts, n.deliver_error, n.created_at
FROM notifications n WHERE n.deliver_at IS NOT NULL ORDER BY n.id;
-- end if

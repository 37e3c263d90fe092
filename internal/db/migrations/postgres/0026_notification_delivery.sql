-- A notification's email or Telegram message is delivered from here, like
-- meeting mail (0043): deliver_at is set in the transaction that stores the
-- notification (when an SMTP server or the bot is configured and the person
-- can be reached), tried right after the commit and then by a background
-- step that retries what failed, with growing waits, until it is delivered
-- or given up. A node that takes a notification moves deliver_at ahead
-- first, so that two nodes never send it both. NULL: nothing (more) to
-- deliver. Before this, delivery was tried once, in memory, and a big
-- batch (an answer to thousands of followers) was cut off after a minute.

ALTER TABLE notifications ADD COLUMN deliver_at TIMESTAMPTZ;
ALTER TABLE notifications ADD COLUMN deliver_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN deliver_error TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN delivered_at TIMESTAMPTZ;
ALTER TABLE notifications ADD COLUMN delivered_by TEXT NOT NULL DEFAULT '';
CREATE INDEX notifications_due ON notifications (deliver_at) WHERE deliver_at IS NOT NULL;

-- A stored email (kind 'mail') may also go by Telegram to a person who
-- linked it (outbox.Message.Telegram): the flag was not kept, so such
-- messages always went by email.
ALTER TABLE outbox ADD COLUMN telegram INTEGER NOT NULL DEFAULT 0;

-- Emails asked for by someone who need not be signed in (sign-up, password
-- reset), one row per limited key: the recipient's address ('to:EMAIL') and
-- the client's ('ip:ADDRESS'). Rows older than the window are removed by
-- the housekeeping job.
CREATE TABLE email_requests (
    id  INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at  TIMESTAMP NOT NULL
);
CREATE INDEX email_requests_key ON email_requests (key, at);

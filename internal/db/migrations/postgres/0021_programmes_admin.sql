-- Moderators resolve abuse reports (reviewed, nothing to hide); the
-- header's unread count reads only unread notifications.

ALTER TABLE proposal_reports ADD COLUMN resolved_at TIMESTAMPTZ;
ALTER TABLE proposal_reports ADD COLUMN resolved_by BIGINT REFERENCES users (id);
CREATE INDEX proposal_reports_open ON proposal_reports (proposal_id) WHERE resolved_at IS NULL;

CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- Core: who made an account, and the guardian's consent request over time
-- (docs/decisions/0003-minors.md, 0012-member-invitations.md).
--
-- created_by_org: the organization whose member import made the account
-- (NULL: the person signed up, or the command line or a platform
-- administrator made it). Only that organization may name a guardian for
-- an account made without one, and it sees the account's contact data.
ALTER TABLE users ADD COLUMN created_by_org BIGINT REFERENCES organizations (id) ON DELETE SET NULL;
-- When the guardian was last sent a consent link (a resend waits an hour).
ALTER TABLE users ADD COLUMN guardian_requested_at TIMESTAMPTZ;
-- When the account holder corrected the guardian's address (once).
ALTER TABLE users ADD COLUMN guardian_changed_at TIMESTAMPTZ;

-- Accounts made before this column: a member import writes the account and
-- its membership in one transaction, with the same time, and nothing else
-- does; so an account whose creation time equals one of its memberships'
-- was made by that organization's import.
UPDATE users SET created_by_org = (SELECT MIN(m.org_id) FROM memberships m
    WHERE m.user_id = users.id AND m.created_at = users.created_at)
WHERE created_by_org IS NULL AND EXISTS (SELECT 1 FROM memberships m
    WHERE m.user_id = users.id AND m.created_at = users.created_at);

CREATE INDEX users_created_by_org ON users (created_by_org) WHERE created_by_org IS NOT NULL;
-- Minors still waiting for consent, by birth date: the organizations whose
-- members turned 18 since the last count are found without a scan.
CREATE INDEX users_waiting_birth ON users (birth_date) WHERE consent_required = TRUE AND guardian_consent_at IS NULL;

-- orgs: member counts that do not lag. A membership counts while it is
-- current (no end date, or one not yet passed) and its person is eligible
-- (not deleted; a minor only with a guardian's consent). What can change
-- that outside the orgs service — memberships written by other code, a
-- person's deletion or consent — marks the organization's counts stale
-- here, in the same transaction; the next read recounts the marked
-- organizations before it shows a count. Terms that end with the calendar
-- are found by date (memberships_until). See
-- docs/decisions/0011-member-counts.md.
CREATE TABLE org_counts_stale (
    org_id INTEGER PRIMARY KEY
);
CREATE INDEX memberships_until ON memberships (until) WHERE until IS NOT NULL;

CREATE TRIGGER memberships_counts_insert AFTER INSERT ON memberships
BEGIN
    INSERT OR IGNORE INTO org_counts_stale (org_id) VALUES (new.org_id);
END;
CREATE TRIGGER memberships_counts_update AFTER UPDATE OF org_id, user_id, until ON memberships
BEGIN
    INSERT OR IGNORE INTO org_counts_stale (org_id) VALUES (old.org_id);
    INSERT OR IGNORE INTO org_counts_stale (org_id) VALUES (new.org_id);
END;
CREATE TRIGGER memberships_counts_delete AFTER DELETE ON memberships
BEGIN
    INSERT OR IGNORE INTO org_counts_stale (org_id) VALUES (old.org_id);
END;
CREATE TRIGGER users_counts AFTER UPDATE OF deleted_at, consent_required, guardian_consent_at ON users
WHEN (old.deleted_at IS NULL AND (old.consent_required = FALSE OR old.guardian_consent_at IS NOT NULL))
    IS NOT (new.deleted_at IS NULL AND (new.consent_required = FALSE OR new.guardian_consent_at IS NOT NULL))
BEGIN
    INSERT OR IGNORE INTO org_counts_stale (org_id)
        SELECT DISTINCT org_id FROM memberships WHERE user_id = new.id ORDER BY org_id;
END;

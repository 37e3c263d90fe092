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
    org_id BIGINT PRIMARY KEY
);
CREATE INDEX memberships_until ON memberships (until) WHERE until IS NOT NULL;

CREATE FUNCTION memberships_counts_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO org_counts_stale (org_id) VALUES (OLD.org_id) ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.org_id <> OLD.org_id) THEN
        INSERT INTO org_counts_stale (org_id) VALUES (NEW.org_id) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER memberships_counts AFTER INSERT OR DELETE OR UPDATE OF org_id, user_id, until ON memberships
FOR EACH ROW EXECUTE FUNCTION memberships_counts_stale();

CREATE FUNCTION users_counts_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (OLD.deleted_at IS NULL AND (OLD.consent_required = FALSE OR OLD.guardian_consent_at IS NOT NULL))
        IS DISTINCT FROM (NEW.deleted_at IS NULL AND (NEW.consent_required = FALSE OR NEW.guardian_consent_at IS NOT NULL)) THEN
        -- In organization order, so that two such changes at once cannot
        -- wait for each other.
        INSERT INTO org_counts_stale (org_id)
            SELECT DISTINCT org_id FROM memberships WHERE user_id = NEW.id ORDER BY org_id
            ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER users_counts AFTER UPDATE OF deleted_at, consent_required, guardian_consent_at ON users
FOR EACH ROW EXECUTE FUNCTION users_counts_stale();

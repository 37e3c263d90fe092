-- orgs: a membership names only an organization listed among those its
-- organization's members come from, and a listed one cannot be taken off
-- while memberships name it. (SQLite cannot add a foreign key to an
-- existing table; these triggers are the same rule. Writes are serialized
-- on SQLite, so the service's own check already sees every membership.)
CREATE TRIGGER member_organizations_in_use BEFORE DELETE ON member_organizations
WHEN EXISTS (SELECT 1 FROM memberships WHERE org_id = old.org_id AND source_org_id = old.source_org_id)
BEGIN
    SELECT RAISE(ABORT, 'member organization in use');
END;
CREATE TRIGGER memberships_source_insert BEFORE INSERT ON memberships
WHEN new.source_org_id IS NOT NULL AND NOT EXISTS
    (SELECT 1 FROM member_organizations WHERE org_id = new.org_id AND source_org_id = new.source_org_id)
BEGIN
    SELECT RAISE(ABORT, 'member organization not listed');
END;
CREATE TRIGGER memberships_source_update BEFORE UPDATE OF org_id, source_org_id ON memberships
WHEN new.source_org_id IS NOT NULL AND NOT EXISTS
    (SELECT 1 FROM member_organizations WHERE org_id = new.org_id AND source_org_id = new.source_org_id)
BEGIN
    SELECT RAISE(ABORT, 'member organization not listed');
END;

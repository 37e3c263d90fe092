-- orgs: a membership names only an organization listed among those its
-- organization's members come from, and a listed one cannot be taken off
-- while memberships name it — also when a member is added from it at the
-- same moment it is taken off (the foreign key's lock makes one of the two
-- wait and then fail).
ALTER TABLE memberships ADD CONSTRAINT memberships_source_listed
    FOREIGN KEY (org_id, source_org_id) REFERENCES member_organizations (org_id, source_org_id);

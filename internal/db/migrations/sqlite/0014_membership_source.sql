-- orgs: how each membership came to be (docs/decisions/0012-member-invitations.md).
--   self           the person joined by their own act
--   invitation     the person accepted the organization's invitation
--   import         the organization's member import, for an account it made
--   created        added by the organization's administrator, for an account it made
--   platform_admin added directly by a platform administrator
--   legacy         written before this column, or by other code: nobody
--                  recorded the person's agreement
-- An organization sees a member's contact data (email, birth date, region)
-- when the person is its member by their own act (self, invitation) or the
-- organization made the account (users.created_by_org); the organization
-- whose import wrote a membership is the membership's own organization.
ALTER TABLE memberships ADD COLUMN source TEXT NOT NULL DEFAULT 'legacy'
    CHECK (source IN ('self', 'invitation', 'import', 'created', 'platform_admin', 'legacy'));

-- Existing memberships of accounts the organization's import made are
-- imports; the rest stay legacy: their contact data is hidden until the
-- person accepts an invitation (which marks the membership 'invitation').
UPDATE memberships SET source = 'import' WHERE EXISTS (SELECT 1 FROM users u
    WHERE u.id = memberships.user_id AND u.created_by_org = memberships.org_id);

CREATE INDEX memberships_consent ON memberships (org_id, user_id) WHERE source IN ('self', 'invitation');

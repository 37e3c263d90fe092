-- orgs: invitations to become a member (docs/decisions/0012-member-invitations.md).
-- An administrator who adds an existing account by id or address sends an
-- invitation; the person becomes a member only by accepting it. The
-- organization sees only what it typed (target) until then.
CREATE TABLE org_invitations (
    id            INTEGER PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES organizations (id),
    target        TEXT NOT NULL,    -- what the administrator typed: an address, or '#' and a person's id
    email         TEXT,             -- the address typed (lower case); NULL when invited by id
    user_id       INTEGER REFERENCES users (id), -- the account it went to; NULL when none matched (yet)
    role          TEXT NOT NULL,
    since         TEXT,
    until         TEXT,
    source_org_id INTEGER REFERENCES organizations (id),
    invited_by    INTEGER REFERENCES users (id),
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'revoked')),
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    answered_at   TIMESTAMP,
    CHECK (until IS NULL OR since IS NULL OR until >= since)
);
-- One open invitation per organization, target and role: inviting again renews it.
CREATE UNIQUE INDEX org_invitations_open ON org_invitations (org_id, target, role) WHERE status = 'pending';
CREATE INDEX org_invitations_org ON org_invitations (org_id, id);
CREATE INDEX org_invitations_user ON org_invitations (user_id, id) WHERE user_id IS NOT NULL;
-- An address without an account yet: found when someone confirms it.
CREATE INDEX org_invitations_email ON org_invitations (email, id) WHERE user_id IS NULL AND email IS NOT NULL;

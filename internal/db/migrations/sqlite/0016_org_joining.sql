-- orgs: people ask to join an organization that takes members (issue 15,
-- item 5), and the directory sorts in the reader's language (item 12).
--
-- takes_members: the organization's administrators open it to requests.
-- A request waits (pending) until an administrator accepts (a membership
-- with source 'self': the person's own act) or declines it, or the person
-- withdraws it. One open request per person and organization, held by the
-- unique index, not only by the service.
ALTER TABLE organizations ADD COLUMN takes_members BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE org_join_requests (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    user_id     INTEGER NOT NULL REFERENCES users (id),
    message     TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'withdrawn')),
    created_at  TIMESTAMP NOT NULL,
    answered_at TIMESTAMP,
    answered_by INTEGER REFERENCES users (id)
);
CREATE UNIQUE INDEX org_join_requests_open ON org_join_requests (org_id, user_id) WHERE status = 'pending';
CREATE INDEX org_join_requests_org ON org_join_requests (org_id, id) WHERE status = 'pending';
CREATE INDEX org_join_requests_user ON org_join_requests (user_id, id);

-- The directory in English order: the English name (or the name an English
-- reader is shown) folded; NULL until the service's backfill computes it
-- at start. Same indexes as sort_key (migration 0010).
ALTER TABLE organizations ADD COLUMN sort_en TEXT;
CREATE INDEX organizations_sort_en ON organizations (sort_en, id);
CREATE INDEX organizations_kind_sort_en ON organizations (kind, sort_en, id);
CREATE INDEX organizations_region_sort_en ON organizations (region, sort_en, id);
CREATE INDEX organizations_district_sort_en ON organizations (district, sort_en, id);
CREATE INDEX organizations_parent_sort_en ON organizations (parent_id, sort_en, id);

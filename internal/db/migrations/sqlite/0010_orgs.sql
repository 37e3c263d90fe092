-- orgs: the registry of organizations and members. Extends the core tables
-- (organizations, memberships) with added columns only; the core columns
-- keep their meaning (other components read them).

-- About an organization.
ALTER TABLE organizations ADD COLUMN short_kk TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN short_ru TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN short_en TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN description_kk TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN description_ru TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN description_en TEXT NOT NULL DEFAULT '';
-- What a council or working group is for.
ALTER TABLE organizations ADD COLUMN purpose_kk TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN purpose_ru TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN purpose_en TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN district TEXT REFERENCES regions (code);
ALTER TABLE organizations ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN website TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN address TEXT NOT NULL DEFAULT '';
-- kazakh.SearchKey of every name and short name (both scripts meet here);
-- kazakh.Fold of the Kazakh name, for ordering. Written by the orgs
-- service; rows inserted elsewhere are filled in when the service starts.
ALTER TABLE organizations ADD COLUMN search_key TEXT;
ALTER TABLE organizations ADD COLUMN sort_key TEXT NOT NULL DEFAULT '';
-- People with a current membership (no end date, or one not yet passed),
-- not counting minors without consent or deleted accounts; and the sum of
-- member_count over the organization and everything below it.
ALTER TABLE organizations ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN subtree_member_count INTEGER NOT NULL DEFAULT 0;
-- The status of the latest registration record (NULL: none).
ALTER TABLE organizations ADD COLUMN reg_status TEXT
    CHECK (reg_status IS NULL OR reg_status IN ('registered', 're_registered', 'suspended', 'liquidated'));

CREATE INDEX organizations_sort ON organizations (sort_key, id);
CREATE INDEX organizations_kind_sort ON organizations (kind, sort_key, id);
CREATE INDEX organizations_region_sort ON organizations (region, sort_key, id);
CREATE INDEX organizations_district_sort ON organizations (district, sort_key, id);
CREATE INDEX organizations_parent_sort ON organizations (parent_id, sort_key, id);
CREATE INDEX organizations_path_counts ON organizations (path, member_count, reg_status);

-- State registration records: a re-registration adds a record, the old
-- one stays. A number is registered once.
CREATE TABLE org_registrations (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES organizations (id),
    number     TEXT NOT NULL CHECK (number <> ''),
    date       TEXT NOT NULL CHECK (length(date) = 10),
    authority  TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL CHECK (status IN ('registered', 're_registered', 'suspended', 'liquidated')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX org_registrations_number ON org_registrations (number);
CREATE INDEX org_registrations_org ON org_registrations (org_id, date, id);

-- The organizations a primary organization's members come from.
CREATE TABLE member_organizations (
    org_id        INTEGER NOT NULL REFERENCES organizations (id),
    source_org_id INTEGER NOT NULL REFERENCES organizations (id),
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, source_org_id),
    CHECK (org_id <> source_org_id)
);

-- Memberships: where the member comes from, and their name folded for
-- ordering the member list without reading every member.
ALTER TABLE memberships ADD COLUMN source_org_id INTEGER REFERENCES organizations (id);
ALTER TABLE memberships ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
ALTER TABLE memberships ADD COLUMN updated_at TIMESTAMP;
-- One open term per person, organization and role; one term per start date.
CREATE UNIQUE INDEX memberships_open ON memberships (org_id, user_id, role) WHERE until IS NULL;
CREATE UNIQUE INDEX memberships_term ON memberships (org_id, user_id, role, COALESCE(since, ''));
CREATE INDEX memberships_org_name ON memberships (org_id, name_key, id);
CREATE INDEX memberships_org_source ON memberships (org_id, source_org_id);
-- Memberships written elsewhere (without a name key), found at start without a scan.
CREATE INDEX memberships_unnamed ON memberships (id) WHERE name_key = '';

-- An organization page shows its recent activity from the audit log.
CREATE INDEX audit_log_org ON audit_log (org_id, id);

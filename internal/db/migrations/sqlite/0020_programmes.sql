-- Programmes (spaces owned by an organization), their directions and
-- phases; proposals with supports, comments, follows, reports and an
-- attachment; the roadmap; indicators; the notification inbox.

CREATE TABLE programmes (
    id             INTEGER PRIMARY KEY,
    org_id         INTEGER NOT NULL REFERENCES organizations (id),
    parent_id      INTEGER REFERENCES programmes (id),
    kind           TEXT NOT NULL DEFAULT 'programme' CHECK (kind IN ('programme', 'project', 'council')),
    title_kk       TEXT NOT NULL,
    title_ru       TEXT NOT NULL DEFAULT '',
    title_en       TEXT NOT NULL DEFAULT '',
    description_kk TEXT NOT NULL DEFAULT '',
    description_ru TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    starts_on      TEXT,
    ends_on        TEXT,
    age_min        INTEGER NOT NULL DEFAULT 14 CHECK (age_min >= 0),
    age_max        INTEGER NOT NULL DEFAULT 35 CHECK (age_max >= age_min),
    regions        TEXT NOT NULL DEFAULT '', -- comma-separated region codes; '' is the whole country
    created_by     INTEGER REFERENCES users (id),
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX programmes_org ON programmes (org_id);
CREATE INDEX programmes_parent ON programmes (parent_id);

CREATE TABLE programme_directions (
    id           INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    title_kk     TEXT NOT NULL,
    title_ru     TEXT NOT NULL DEFAULT '',
    title_en     TEXT NOT NULL DEFAULT '',
    sort         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX programme_directions_programme ON programme_directions (programme_id, sort);

CREATE TABLE programme_phases (
    id           INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('proposals', 'evaluation', 'roadmap', 'implementation', 'report')),
    starts_at    TIMESTAMP NOT NULL,
    ends_at      TIMESTAMP NOT NULL,
    CHECK (ends_at > starts_at),
    UNIQUE (programme_id, kind)
);

CREATE TABLE proposals (
    id            INTEGER PRIMARY KEY,
    programme_id  INTEGER NOT NULL REFERENCES programmes (id),
    author_id     INTEGER NOT NULL REFERENCES users (id),
    direction_id  INTEGER REFERENCES programme_directions (id),
    region        TEXT NOT NULL REFERENCES regions (code),
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    body_html     TEXT NOT NULL,
    search        TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'evaluating', 'accepted', 'rejected')),
    answer        TEXT NOT NULL DEFAULT '',
    answer_html   TEXT NOT NULL DEFAULT '',
    answered_at   TIMESTAMP,
    answered_by   INTEGER REFERENCES users (id),
    support_count INTEGER NOT NULL DEFAULT 0 CHECK (support_count >= 0),
    comment_count INTEGER NOT NULL DEFAULT 0 CHECK (comment_count >= 0),
    hidden        BOOLEAN NOT NULL DEFAULT FALSE,
    hidden_reason TEXT NOT NULL DEFAULT '',
    merged_into   INTEGER REFERENCES proposals (id),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX proposals_by_supports ON proposals (programme_id, support_count, id);
CREATE INDEX proposals_by_region ON proposals (programme_id, region, support_count, id);
CREATE INDEX proposals_by_new ON proposals (programme_id, id);
CREATE INDEX proposals_by_comments ON proposals (programme_id, comment_count, id);
CREATE INDEX proposals_by_direction ON proposals (programme_id, direction_id, support_count, id);
CREATE INDEX proposals_author ON proposals (author_id);

-- One support per person and proposal: the primary key is the guarantee.
CREATE TABLE proposal_supports (
    proposal_id INTEGER NOT NULL REFERENCES proposals (id),
    user_id     INTEGER NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (proposal_id, user_id)
);
CREATE INDEX proposal_supports_user ON proposal_supports (user_id);

CREATE TABLE proposal_comments (
    id            INTEGER PRIMARY KEY,
    proposal_id   INTEGER NOT NULL REFERENCES proposals (id),
    parent_id     INTEGER REFERENCES proposal_comments (id),
    author_id     INTEGER NOT NULL REFERENCES users (id),
    body          TEXT NOT NULL,
    hidden        BOOLEAN NOT NULL DEFAULT FALSE,
    hidden_reason TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    edited_at     TIMESTAMP
);
CREATE INDEX proposal_comments_proposal ON proposal_comments (proposal_id, id);

CREATE TABLE proposal_follows (
    proposal_id INTEGER NOT NULL REFERENCES proposals (id),
    user_id     INTEGER NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (proposal_id, user_id)
);
CREATE INDEX proposal_follows_user ON proposal_follows (user_id);

CREATE TABLE proposal_reports (
    id          INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id),
    comment_id  INTEGER REFERENCES proposal_comments (id),
    reporter_id INTEGER NOT NULL REFERENCES users (id),
    reason      TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX proposal_reports_once ON proposal_reports (proposal_id, COALESCE(comment_id, 0), reporter_id);

-- Stored in the database: nodes keep no files.
CREATE TABLE proposal_attachments (
    proposal_id  INTEGER PRIMARY KEY REFERENCES proposals (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    size         INTEGER NOT NULL,
    data         BLOB NOT NULL
);

CREATE TABLE roadmap_items (
    id                 INTEGER PRIMARY KEY,
    programme_id       INTEGER NOT NULL REFERENCES programmes (id),
    direction_id       INTEGER REFERENCES programme_directions (id),
    title_kk           TEXT NOT NULL,
    title_ru           TEXT NOT NULL DEFAULT '',
    title_en           TEXT NOT NULL DEFAULT '',
    responsible_org_id INTEGER REFERENCES organizations (id),
    deadline           TEXT,
    status             TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'in_progress', 'done', 'cancelled')),
    progress           INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX roadmap_items_programme ON roadmap_items (programme_id, id);

CREATE TABLE roadmap_links (
    item_id     INTEGER NOT NULL REFERENCES roadmap_items (id),
    proposal_id INTEGER NOT NULL REFERENCES proposals (id),
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (item_id, proposal_id)
);
CREATE INDEX roadmap_links_proposal ON roadmap_links (proposal_id);

CREATE TABLE roadmap_updates (
    id         INTEGER PRIMARY KEY,
    item_id    INTEGER NOT NULL REFERENCES roadmap_items (id),
    author_id  INTEGER REFERENCES users (id),
    status     TEXT NOT NULL,
    progress   INTEGER NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX roadmap_updates_item ON roadmap_updates (item_id, id);

CREATE TABLE indicators (
    id           INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes (id),
    name_kk      TEXT NOT NULL,
    name_ru      TEXT NOT NULL DEFAULT '',
    name_en      TEXT NOT NULL DEFAULT '',
    unit         TEXT NOT NULL,
    better       TEXT NOT NULL CHECK (better IN ('lower', 'higher')),
    baseline     REAL NOT NULL,
    target       REAL NOT NULL,
    target_date  TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX indicators_programme ON indicators (programme_id, id);

-- region 'KZ' is the whole country.
CREATE TABLE indicator_values (
    indicator_id INTEGER NOT NULL REFERENCES indicators (id),
    region       TEXT NOT NULL REFERENCES regions (code),
    period       TEXT NOT NULL,
    value        REAL NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (indicator_id, region, period)
);

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    args_json  TEXT NOT NULL DEFAULT '{}',
    link       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP
);
CREATE INDEX notifications_user ON notifications (user_id, id);

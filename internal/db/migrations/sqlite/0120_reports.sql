-- Reports (news of what happened): written by an organization's editors,
-- in one or more of kk, ru, en; draft, scheduled or published; linked to
-- what they are about; with photos; read counts without cookies.

CREATE TABLE reports (
    id           INTEGER PRIMARY KEY,
    org_id       INTEGER NOT NULL REFERENCES organizations (id),
    author_id    INTEGER REFERENCES users (id),
    title_kk     TEXT NOT NULL DEFAULT '',
    title_ru     TEXT NOT NULL DEFAULT '',
    title_en     TEXT NOT NULL DEFAULT '',
    body_kk      TEXT NOT NULL DEFAULT '',
    body_ru      TEXT NOT NULL DEFAULT '',
    body_en      TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'published')),
    published_at TIMESTAMP NOT NULL,
    event_date   TEXT NOT NULL DEFAULT '',
    view_count   INTEGER NOT NULL DEFAULT 0 CHECK (view_count >= 0),
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    CHECK (title_kk <> '' OR title_ru <> '' OR title_en <> '')
);
CREATE INDEX reports_published ON reports (published_at, id);
CREATE INDEX reports_org ON reports (org_id, published_at);
CREATE INDEX reports_updated ON reports (updated_at, id);

CREATE TABLE report_links (
    report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('programme', 'meeting', 'call', 'course', 'competition')),
    target_id INTEGER NOT NULL,
    PRIMARY KEY (report_id, kind, target_id)
);
CREATE INDEX report_links_target ON report_links (kind, target_id);

CREATE TABLE report_photos (
    id         INTEGER PRIMARY KEY,
    report_id  INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    hash       TEXT NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    display    BLOB NOT NULL,
    thumb      BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX report_photos_report ON report_photos (report_id, position);

-- One row per report, day and reader; the reader is a hash of the
-- address and browser salted with a secret that changes every day and is
-- not kept: no personal data is stored, and a reader counts once a day.
CREATE TABLE report_views (
    report_id INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    day       TEXT NOT NULL,
    reader    TEXT NOT NULL,
    PRIMARY KEY (report_id, day, reader)
);
CREATE INDEX report_views_day ON report_views (day);

-- The day's salt of the reader hash (see report_views); earlier days'
-- are deleted.
CREATE TABLE report_salts (
    day  TEXT PRIMARY KEY,
    salt TEXT NOT NULL
);

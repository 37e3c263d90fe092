-- Calls, selections and contests (issue 16; docs/decisions/0102-calls.md).
-- A call has stages; a stage is held by one or more organizations
-- (holdings), each with its own jury. The form, the eligibility regions and
-- a stage's criteria are JSON documents the calls package validates.

CREATE TABLE calls (
    id              INTEGER PRIMARY KEY,
    org_id          INTEGER NOT NULL REFERENCES organizations (id),
    programme_id    INTEGER,
    kind            TEXT NOT NULL CHECK (kind IN ('selection', 'contest', 'festival', 'grant')),
    title_kk        TEXT NOT NULL DEFAULT '',
    title_ru        TEXT NOT NULL DEFAULT '',
    title_en        TEXT NOT NULL DEFAULT '',
    description_kk  TEXT NOT NULL DEFAULT '',
    description_ru  TEXT NOT NULL DEFAULT '',
    description_en  TEXT NOT NULL DEFAULT '',
    age_min         INTEGER,
    age_max         INTEGER,
    regions         TEXT NOT NULL DEFAULT '[]',
    member_of       INTEGER REFERENCES organizations (id),
    form            TEXT NOT NULL DEFAULT '[]',
    publish_scores  BOOLEAN NOT NULL DEFAULT FALSE,
    created_by      INTEGER REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX calls_org ON calls (org_id, id);

CREATE TABLE call_stages (
    id              INTEGER PRIMARY KEY,
    call_id         INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    title_kk        TEXT NOT NULL DEFAULT '',
    title_ru        TEXT NOT NULL DEFAULT '',
    title_en        TEXT NOT NULL DEFAULT '',
    opens_at        TIMESTAMP NOT NULL,
    closes_at       TIMESTAMP NOT NULL,
    criteria        TEXT NOT NULL,
    advance         INTEGER NOT NULL CHECK (advance >= 0),
    blind           BOOLEAN NOT NULL DEFAULT FALSE,
    keep_ties       BOOLEAN NOT NULL DEFAULT FALSE,
    normalization   TEXT NOT NULL DEFAULT 'raw' CHECK (normalization IN ('raw', 'zscore', 'rank')),
    per_application INTEGER NOT NULL DEFAULT 3 CHECK (per_application >= 1),
    seed            INTEGER NOT NULL,
    closed_at       TIMESTAMP,
    report          TEXT NOT NULL DEFAULT '',
    UNIQUE (call_id, position),
    CHECK (closes_at >= opens_at)
);

CREATE TABLE call_holdings (
    stage_id        INTEGER NOT NULL REFERENCES call_stages (id) ON DELETE CASCADE,
    org_id          INTEGER NOT NULL REFERENCES organizations (id),
    PRIMARY KEY (stage_id, org_id)
);

-- One application per person per call: the unique index is the guarantee.
CREATE TABLE call_applications (
    id              INTEGER PRIMARY KEY,
    call_id         INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    answers         TEXT NOT NULL DEFAULT '{}',
    submitted_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX call_applications_one ON call_applications (call_id, user_id);
CREATE INDEX call_applications_user ON call_applications (user_id);

-- Which applications take part in a stage, and in which holding.
CREATE TABLE call_entries (
    stage_id        INTEGER NOT NULL REFERENCES call_stages (id) ON DELETE CASCADE,
    application_id  INTEGER NOT NULL REFERENCES call_applications (id) ON DELETE CASCADE,
    holding_id      INTEGER NOT NULL REFERENCES organizations (id),
    PRIMARY KEY (stage_id, application_id)
);
CREATE INDEX call_entries_application ON call_entries (application_id);

CREATE TABLE call_jurors (
    stage_id        INTEGER NOT NULL REFERENCES call_stages (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    holding_id      INTEGER NOT NULL REFERENCES organizations (id),
    chair           BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (stage_id, user_id)
);

CREATE TABLE call_assignments (
    stage_id        INTEGER NOT NULL REFERENCES call_stages (id) ON DELETE CASCADE,
    juror_id        INTEGER NOT NULL REFERENCES users (id),
    application_id  INTEGER NOT NULL REFERENCES call_applications (id) ON DELETE CASCADE,
    PRIMARY KEY (stage_id, juror_id, application_id)
);
CREATE INDEX call_assignments_application ON call_assignments (stage_id, application_id);

-- A juror's sheet; the raw scores are always kept, total is their 0–100 figure.
CREATE TABLE call_scores (
    stage_id        INTEGER NOT NULL REFERENCES call_stages (id) ON DELETE CASCADE,
    application_id  INTEGER NOT NULL REFERENCES call_applications (id) ON DELETE CASCADE,
    juror_id        INTEGER NOT NULL REFERENCES users (id),
    scores          TEXT NOT NULL,
    total           REAL NOT NULL,
    comment         TEXT NOT NULL DEFAULT '',
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (stage_id, application_id, juror_id)
);

CREATE TABLE call_declines (
    stage_id        INTEGER NOT NULL REFERENCES call_stages (id) ON DELETE CASCADE,
    application_id  INTEGER NOT NULL REFERENCES call_applications (id) ON DELETE CASCADE,
    declined_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (stage_id, application_id)
);

-- Derived from the sheets and declines (recomputable), written 10,000 at a
-- time when a stage closes: no per-row foreign key check on the
-- application; the stage's cascade removes them with their stage.
CREATE TABLE call_results (
    stage_id        INTEGER NOT NULL REFERENCES call_stages (id) ON DELETE CASCADE,
    application_id  INTEGER NOT NULL,
    holding_id      INTEGER NOT NULL,
    rank            INTEGER NOT NULL,
    score           REAL NOT NULL,
    raw_score       REAL NOT NULL,
    status          TEXT NOT NULL,
    in_place_of     INTEGER,
    PRIMARY KEY (stage_id, application_id)
);

-- Meetings: agenda, registration with a waiting list, attendance, Q&A,
-- minutes and decisions. programme_id links a meeting to a programme
-- (issue 4) without a foreign key: the programmes table may be created by a
-- later migration; the programmes component checks it when it links one.

CREATE TABLE meetings (
    id                     INTEGER PRIMARY KEY,
    org_id                 INTEGER NOT NULL REFERENCES organizations (id),
    programme_id           INTEGER,
    kind                   TEXT NOT NULL CHECK (kind IN ('report', 'conference', 'council', 'public', 'qa', 'other')),
    format                 TEXT NOT NULL CHECK (format IN ('in_person', 'online', 'hybrid')),
    title_kk               TEXT NOT NULL DEFAULT '',
    title_ru               TEXT NOT NULL DEFAULT '',
    title_en               TEXT NOT NULL DEFAULT '',
    description            TEXT NOT NULL DEFAULT '',
    address                TEXT NOT NULL DEFAULT '',
    online_url             TEXT NOT NULL DEFAULT '',
    starts_at              TIMESTAMP NOT NULL,
    ends_at                TIMESTAMP NOT NULL,
    invite                 TEXT NOT NULL CHECK (invite IN ('members', 'subtree', 'anyone')),
    capacity               INTEGER CHECK (capacity IS NULL OR capacity > 0),
    registered_count       INTEGER NOT NULL DEFAULT 0,
    registration_closes_at TIMESTAMP,
    quorum_pct             INTEGER NOT NULL DEFAULT 50 CHECK (quorum_pct BETWEEN 0 AND 100),
    minutes_approved_at    TIMESTAMP,
    created_by             INTEGER REFERENCES users (id),
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL,
    CHECK (ends_at >= starts_at),
    CHECK (capacity IS NULL OR registered_count <= capacity),
    CHECK (registered_count >= 0)
);
CREATE INDEX meetings_org_starts ON meetings (org_id, starts_at);
CREATE INDEX meetings_starts ON meetings (starts_at, id);
CREATE INDEX meetings_programme ON meetings (programme_id);

CREATE TABLE meeting_agenda_items (
    id           INTEGER PRIMARY KEY,
    meeting_id   INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    title        TEXT NOT NULL,
    presenter    TEXT NOT NULL DEFAULT '',
    duration_min INTEGER NOT NULL DEFAULT 0 CHECK (duration_min >= 0),
    attachments  TEXT NOT NULL DEFAULT '',
    minutes      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX meeting_agenda_items_meeting ON meeting_agenda_items (meeting_id, position);

CREATE TABLE meeting_registrations (
    id            INTEGER PRIMARY KEY,
    meeting_id    INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    status        TEXT NOT NULL CHECK (status IN ('registered', 'waitlist')),
    checkin_token TEXT NOT NULL UNIQUE,
    created_at    TIMESTAMP NOT NULL,
    present_at    TIMESTAMP,
    UNIQUE (meeting_id, user_id)
);
CREATE INDEX meeting_registrations_queue ON meeting_registrations (meeting_id, status, created_at, id);

CREATE TABLE meeting_questions (
    id          INTEGER PRIMARY KEY,
    meeting_id  INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    author_id   INTEGER NOT NULL REFERENCES users (id),
    body        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'hidden', 'merged')),
    merged_into INTEGER REFERENCES meeting_questions (id),
    answer      TEXT NOT NULL DEFAULT '',
    answered_by INTEGER REFERENCES users (id),
    answered_at TIMESTAMP,
    votes       INTEGER NOT NULL DEFAULT 0 CHECK (votes >= 0),
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX meeting_questions_meeting ON meeting_questions (meeting_id, status, votes DESC, id);

CREATE TABLE meeting_question_votes (
    question_id INTEGER NOT NULL REFERENCES meeting_questions (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (question_id, user_id)
);

-- A decision is adopted by counts entered after an in-person vote, or by an
-- online vote among the members present (one vote each: the primary key).
CREATE TABLE meeting_decisions (
    id             INTEGER PRIMARY KEY,
    meeting_id     INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    agenda_item_id INTEGER REFERENCES meeting_agenda_items (id) ON DELETE CASCADE,
    text           TEXT NOT NULL,
    mode           TEXT NOT NULL CHECK (mode IN ('counted', 'online')),
    status         TEXT NOT NULL CHECK (status IN ('voting', 'closed')),
    votes_for      INTEGER NOT NULL DEFAULT 0 CHECK (votes_for >= 0),
    votes_against  INTEGER NOT NULL DEFAULT 0 CHECK (votes_against >= 0),
    votes_abstain  INTEGER NOT NULL DEFAULT 0 CHECK (votes_abstain >= 0),
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX meeting_decisions_meeting ON meeting_decisions (meeting_id, id);

CREATE TABLE meeting_decision_votes (
    decision_id INTEGER NOT NULL REFERENCES meeting_decisions (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    choice      TEXT NOT NULL CHECK (choice IN ('for', 'against', 'abstain')),
    PRIMARY KEY (decision_id, user_id)
);

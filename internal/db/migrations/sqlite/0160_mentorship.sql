-- Mentorship (issue 19; docs/decisions/0160-mentorship.md): pools of
-- mentors, young people's requests, matching rounds (internal/matching),
-- mentorships with their sessions, groups and feedback.

CREATE TABLE mentor_pools (
    id              INTEGER PRIMARY KEY,
    org_id          INTEGER NOT NULL REFERENCES organizations (id),
    programme_id    INTEGER,
    title_kk        TEXT NOT NULL DEFAULT '',
    title_ru        TEXT NOT NULL DEFAULT '',
    title_en        TEXT NOT NULL DEFAULT '',
    spheres         TEXT NOT NULL DEFAULT '[]',
    age_min         INTEGER NOT NULL DEFAULT 0,
    age_max         INTEGER NOT NULL DEFAULT 0,
    regions         TEXT NOT NULL DEFAULT '[]',
    created_by      INTEGER REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX mentor_pools_org ON mentor_pools (org_id, id);

-- A mentor's seats: taken counts the mentorships holding one (proposed by
-- a round, accepted, active). The check is the guarantee that no mentor
-- ever holds more mentees than their capacity.
CREATE TABLE mentors (
    id              INTEGER PRIMARY KEY,
    pool_id         INTEGER NOT NULL REFERENCES mentor_pools (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    spheres         TEXT NOT NULL DEFAULT '[]',
    languages       TEXT NOT NULL DEFAULT '[]',
    capacity        INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 20),
    taken           INTEGER NOT NULL DEFAULT 0 CHECK (taken >= 0 AND taken <= capacity),
    region          TEXT NOT NULL DEFAULT '',
    mode            TEXT NOT NULL DEFAULT 'either' CHECK (mode IN ('either', 'online', 'in_person')),
    bio             TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'paused', 'rejected')),
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (pool_id, user_id)
);
CREATE INDEX mentors_pool ON mentors (pool_id, status, id);
CREATE INDEX mentors_user ON mentors (user_id);

-- status: open (waits for a round, or for the mentor a round proposed),
-- direct (waits for the mentor asked), matched (the mentor accepted),
-- closed (done, withdrawn). A round leaves out open requests that have a
-- live mentorship, and writes nothing on the requests it matched.
CREATE TABLE mentor_requests (
    id              INTEGER PRIMARY KEY,
    pool_id         INTEGER NOT NULL REFERENCES mentor_pools (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    spheres         TEXT NOT NULL DEFAULT '[]',
    languages       TEXT NOT NULL DEFAULT '[]',
    region          TEXT NOT NULL DEFAULT '',
    mode            TEXT NOT NULL DEFAULT 'either' CHECK (mode IN ('either', 'online', 'in_person')),
    goal            TEXT NOT NULL DEFAULT '',
    preferences     TEXT NOT NULL DEFAULT '[]',
    only_ranked     BOOLEAN NOT NULL DEFAULT FALSE,
    status          TEXT NOT NULL CHECK (status IN ('open', 'direct', 'matched', 'closed')),
    created_at      TIMESTAMP NOT NULL
);
-- One request at a time per person per pool (open, waiting for a mentor
-- asked directly, or matched).
CREATE UNIQUE INDEX mentor_requests_one ON mentor_requests (pool_id, user_id) WHERE status IN ('open', 'direct', 'matched');
CREATE INDEX mentor_requests_pool ON mentor_requests (pool_id, status, id);
CREATE INDEX mentor_requests_user ON mentor_requests (user_id);

-- A round running has finished_at NULL: at most one per pool.
CREATE TABLE mentor_rounds (
    id              INTEGER PRIMARY KEY,
    pool_id         INTEGER NOT NULL REFERENCES mentor_pools (id) ON DELETE CASCADE,
    seed            INTEGER NOT NULL,
    started_by      INTEGER REFERENCES users (id),
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP,
    matched         INTEGER NOT NULL DEFAULT 0,
    unmatched       INTEGER NOT NULL DEFAULT 0,
    -- when the notices of its pairs were queued (after the round's own
    -- transaction, by a background step)
    notified_at     TIMESTAMP
);
CREATE UNIQUE INDEX mentor_rounds_running ON mentor_rounds (pool_id) WHERE finished_at IS NULL;

CREATE TABLE mentor_groups (
    id              INTEGER PRIMARY KEY,
    mentor_id       INTEGER NOT NULL REFERENCES mentors (id) ON DELETE CASCADE,
    title           TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX mentor_groups_mentor ON mentor_groups (mentor_id);

-- status: proposed → accepted → active → completed, or declined /
-- cancelled (with a reason). seat: the mentorship holds one of the
-- mentor's seats (a round's proposal, and every accepted or active one).
CREATE TABLE mentorships (
    id              INTEGER PRIMARY KEY,
    -- pool_id and mentee_id are the request's (pool_id, user_id), round_id
    -- the round that wrote it: copies for indexes, without foreign keys of
    -- their own (each costs a lookup per row: 0.4 s of a round's 5,500
    -- pairs on PostgreSQL, decision 0160). mentor_id and request_id hold.
    pool_id         INTEGER NOT NULL,
    mentor_id       INTEGER NOT NULL REFERENCES mentors (id),
    mentee_id       INTEGER NOT NULL,
    request_id      INTEGER NOT NULL REFERENCES mentor_requests (id),
    round_id        INTEGER,
    group_id        INTEGER REFERENCES mentor_groups (id) ON DELETE SET NULL,
    status          TEXT NOT NULL CHECK (status IN ('proposed', 'accepted', 'active', 'completed', 'declined', 'cancelled')),
    seat            BOOLEAN NOT NULL DEFAULT FALSE,
    reason          TEXT NOT NULL DEFAULT '',
    reasons         TEXT NOT NULL DEFAULT '[]',
    mentor_feedback TEXT NOT NULL DEFAULT '',
    mentee_feedback TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    last_activity_at TIMESTAMP NOT NULL,
    reminded_at     TIMESTAMP,
    awarded         BOOLEAN NOT NULL DEFAULT FALSE,
    notified        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX mentorships_pool ON mentorships (pool_id, status);
CREATE INDEX mentorships_mentor ON mentorships (mentor_id, status);
CREATE INDEX mentorships_mentee ON mentorships (mentee_id);
CREATE INDEX mentorships_request ON mentorships (request_id);
CREATE INDEX mentorships_round ON mentorships (round_id, mentor_id);
CREATE INDEX mentorships_quiet ON mentorships (status, last_activity_at);

CREATE TABLE mentorship_sessions (
    id              INTEGER PRIMARY KEY,
    mentorship_id   INTEGER NOT NULL REFERENCES mentorships (id) ON DELETE CASCADE,
    day             TEXT NOT NULL,
    minutes         INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 600),
    notes           TEXT NOT NULL DEFAULT '',
    logged_by       INTEGER NOT NULL REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX mentorship_sessions_m ON mentorship_sessions (mentorship_id, day);

-- Why each request a round left unmatched (matching.Reason as JSON): a
-- log written in bulk, without foreign keys (each costs a lookup per row,
-- 0.5 s of a round's 20,000 requests on PostgreSQL).
CREATE TABLE mentor_round_misses (
    round_id        INTEGER NOT NULL,
    request_id      INTEGER NOT NULL,
    reasons         TEXT NOT NULL,
    PRIMARY KEY (round_id, request_id)
);

-- Elections by secret, verifiable ballot. Who voted (election_voters) is
-- kept apart from what was voted (election_ballots); both rows are written
-- in one transaction. A ballot row holds no voter, no time and no
-- sequential id: its key is the random tracker, and the table is WITHOUT
-- ROWID so that not even SQLite's hidden rowid records insertion order.
-- See docs/decisions/0040-secret-ballot.md.

CREATE TABLE elections (
    id                INTEGER PRIMARY KEY,
    org_id            INTEGER NOT NULL REFERENCES organizations (id),
    meeting_id        INTEGER REFERENCES meetings (id),
    title_kk          TEXT NOT NULL DEFAULT '',
    title_ru          TEXT NOT NULL DEFAULT '',
    title_en          TEXT NOT NULL DEFAULT '',
    seats             INTEGER NOT NULL CHECK (seats BETWEEN 1 AND 1000),
    method            TEXT NOT NULL CHECK (method IN ('choose', 'for_against_abstain')),
    rule              TEXT NOT NULL CHECK (rule IN ('plurality', 'majority')),
    quorum_bp         INTEGER NOT NULL DEFAULT 0 CHECK (quorum_bp BETWEEN 0 AND 10000),
    electorate_org_id INTEGER NOT NULL REFERENCES organizations (id),
    electorate_role   TEXT NOT NULL DEFAULT '',
    nominations_until TIMESTAMP,
    status            TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed', 'published')),
    opened_at         TIMESTAMP,
    closed_at         TIMESTAMP,
    published_at      TIMESTAMP,
    created_by        INTEGER REFERENCES users (id),
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX elections_org ON elections (org_id, id);
CREATE INDEX elections_meeting ON elections (meeting_id);

CREATE TABLE election_candidates (
    id           INTEGER PRIMARY KEY,
    election_id  INTEGER NOT NULL REFERENCES elections (id),
    person_id    INTEGER NOT NULL REFERENCES users (id),
    status       TEXT NOT NULL CHECK (status IN ('nominated', 'accepted', 'declined', 'withdrawn')),
    nominated_by INTEGER REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (election_id, person_id)
);

-- The electorate, fixed when voting opens.
CREATE TABLE election_electorate (
    election_id INTEGER NOT NULL REFERENCES elections (id),
    person_id   INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (election_id, person_id)
) WITHOUT ROWID;

-- Who voted: one row per voter, only voters of the electorate.
CREATE TABLE election_voters (
    election_id INTEGER NOT NULL,
    person_id   INTEGER NOT NULL,
    voted_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (election_id, person_id),
    FOREIGN KEY (election_id, person_id) REFERENCES election_electorate (election_id, person_id)
) WITHOUT ROWID;

-- What was voted: no voter, no time, no order.
CREATE TABLE election_ballots (
    tracker     TEXT PRIMARY KEY,
    election_id INTEGER NOT NULL REFERENCES elections (id),
    choices     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX election_ballots_election ON election_ballots (election_id, tracker);

-- Voting codes: only a hash of each code, one live code per voter.
CREATE TABLE election_codes (
    code_hash   TEXT PRIMARY KEY,
    election_id INTEGER NOT NULL,
    person_id   INTEGER NOT NULL,
    UNIQUE (election_id, person_id),
    FOREIGN KEY (election_id, person_id) REFERENCES election_electorate (election_id, person_id)
) WITHOUT ROWID;

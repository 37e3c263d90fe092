-- Competitions (issue 18): a spartakiad, a debate championship, a league.
-- Teams of one competition, their members (a person is in at most one team
-- of a competition: the unique key is the guarantee), judges, optional
-- disciplines each with its own rounds, and rounds of pairings with their
-- results. Every round stores the seed its draw by lot used, so a round can
-- be drawn again and explained (internal/draw, decision 0080). A round's
-- stage is 'main' (the format's rounds) or 'final' (a knockout seeded from
-- the top of the main stage's table).

CREATE TABLE competitions (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES organizations (id),
    title_kk   TEXT NOT NULL DEFAULT '',
    title_ru   TEXT NOT NULL DEFAULT '',
    title_en   TEXT NOT NULL DEFAULT '',
    format     TEXT NOT NULL CHECK (format IN ('round_robin', 'swiss', 'knockout')),
    points     TEXT NOT NULL CHECK (points IN ('football', 'chess', 'debate')),
    seed       INTEGER NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK (title_kk <> '' OR title_ru <> '' OR title_en <> '')
);
CREATE INDEX competitions_org ON competitions (org_id, id);

CREATE TABLE competition_disciplines (
    id             INTEGER PRIMARY KEY,
    competition_id INTEGER NOT NULL REFERENCES competitions (id) ON DELETE CASCADE,
    code           TEXT NOT NULL CHECK (code <> ''),
    position       INTEGER NOT NULL,
    title_kk       TEXT NOT NULL DEFAULT '',
    title_ru       TEXT NOT NULL DEFAULT '',
    title_en       TEXT NOT NULL DEFAULT '',
    UNIQUE (competition_id, code)
);

CREATE TABLE competition_teams (
    id             INTEGER PRIMARY KEY,
    competition_id INTEGER NOT NULL REFERENCES competitions (id) ON DELETE CASCADE,
    name           TEXT NOT NULL CHECK (name <> ''),
    org_id         INTEGER REFERENCES organizations (id),
    created_at     TIMESTAMP NOT NULL,
    UNIQUE (competition_id, name)
);

CREATE TABLE competition_members (
    competition_id INTEGER NOT NULL REFERENCES competitions (id) ON DELETE CASCADE,
    team_id        INTEGER NOT NULL REFERENCES competition_teams (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (competition_id, user_id)
);
CREATE INDEX competition_members_team ON competition_members (team_id);
CREATE INDEX competition_members_user ON competition_members (user_id);

CREATE TABLE competition_judges (
    competition_id INTEGER NOT NULL REFERENCES competitions (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users (id),
    added_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (competition_id, user_id)
);

CREATE TABLE competition_rounds (
    id             INTEGER PRIMARY KEY,
    competition_id INTEGER NOT NULL REFERENCES competitions (id) ON DELETE CASCADE,
    discipline_id  INTEGER REFERENCES competition_disciplines (id) ON DELETE CASCADE,
    stage          TEXT NOT NULL CHECK (stage IN ('main', 'final')),
    number         INTEGER NOT NULL CHECK (number > 0),
    seed           INTEGER NOT NULL,
    created_at     TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX competition_rounds_number ON competition_rounds (competition_id, COALESCE(discipline_id, 0), stage, number);

CREATE TABLE competition_pairings (
    id             INTEGER PRIMARY KEY,
    round_id       INTEGER NOT NULL REFERENCES competition_rounds (id) ON DELETE CASCADE,
    competition_id INTEGER NOT NULL REFERENCES competitions (id) ON DELETE CASCADE,
    board          INTEGER NOT NULL,
    home_id        INTEGER NOT NULL REFERENCES competition_teams (id),
    away_id        INTEGER REFERENCES competition_teams (id),
    third_place    BOOLEAN NOT NULL DEFAULT FALSE,
    home_score     REAL,
    away_score     REAL,
    winner_id      INTEGER REFERENCES competition_teams (id),
    done           BOOLEAN NOT NULL DEFAULT FALSE,
    result_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    result_at      TIMESTAMP,
    UNIQUE (round_id, board),
    CHECK (home_id <> away_id),
    CHECK (away_id IS NOT NULL OR done)
);
CREATE INDEX competition_pairings_competition ON competition_pairings (competition_id, round_id);

-- Judges per game and debate panels (issue 18; decision 0150). A game with
-- judges assigned takes results only from them (and the organizers); a
-- game without takes them from any judge of the competition. In a debate
-- each judge of a panel gives a decision, once (the primary key), and the
-- game's result is the majority, kept with its split.
CREATE TABLE competition_game_judges (
    pairing_id     INTEGER NOT NULL REFERENCES competition_pairings (id) ON DELETE CASCADE,
    competition_id INTEGER NOT NULL REFERENCES competitions (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (pairing_id, user_id)
);
CREATE INDEX competition_game_judges_user ON competition_game_judges (user_id, competition_id);

CREATE TABLE competition_decisions (
    pairing_id INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    winner_id  INTEGER NOT NULL REFERENCES competition_teams (id),
    home_score REAL,
    away_score REAL,
    decided_at TIMESTAMP NOT NULL,
    PRIMARY KEY (pairing_id, user_id),
    FOREIGN KEY (pairing_id, user_id) REFERENCES competition_game_judges (pairing_id, user_id) ON DELETE CASCADE
);

ALTER TABLE competition_pairings ADD COLUMN panel_home INTEGER;
ALTER TABLE competition_pairings ADD COLUMN panel_away INTEGER;

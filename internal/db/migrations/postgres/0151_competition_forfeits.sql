-- Withdrawn teams and forfeits (issue 18; decision 0150). A withdrawn team
-- keeps its games and its line in the table; its unplayed games are
-- forfeits won by the opponent with the competition's forfeit score
-- (recorded as a forfeit, not as a played score). A single game can be
-- recorded as a forfeit too (a team did not show up).
ALTER TABLE competitions ADD COLUMN forfeit_score DOUBLE PRECISION NOT NULL DEFAULT 3 CHECK (forfeit_score >= 0);
ALTER TABLE competition_teams ADD COLUMN withdrawn_at TIMESTAMPTZ;
ALTER TABLE competition_teams ADD COLUMN withdraw_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE competition_pairings ADD COLUMN forfeit BOOLEAN NOT NULL DEFAULT FALSE;

-- A group stage of several groups (issue 18; decision 0150): each team's
-- group (1 = A, 2 = B, …), set before the first round; NULL: one table.
ALTER TABLE competition_teams ADD COLUMN group_no INTEGER CHECK (group_no BETWEEN 1 AND 26);

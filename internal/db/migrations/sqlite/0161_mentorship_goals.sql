-- Goals of a mentorship (issue 19): either side sets one, the mentee checks
-- it in as done, the mentor confirms.
CREATE TABLE mentorship_goals (
    id              INTEGER PRIMARY KEY,
    mentorship_id   INTEGER NOT NULL REFERENCES mentorships (id) ON DELETE CASCADE,
    title           TEXT NOT NULL,
    created_by      INTEGER NOT NULL REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL,
    done_at         TIMESTAMP,
    confirmed_at    TIMESTAMP,
    CHECK (confirmed_at IS NULL OR done_at IS NOT NULL)
);
CREATE INDEX mentorship_goals_m ON mentorship_goals (mentorship_id, id);

-- Matching rounds on a schedule (issue 19 item 3; docs/decisions/0162-mentorship-schedule-ranking.md).
-- One row per pool that has a schedule: weekdays and/or calendar dates,
-- each at one time of day in Kazakhstan's time. A slot is claimed by a
-- compare-and-set of last_slot (UPDATE … WHERE last_slot < ?): of several
-- nodes only one changes the row, and a missed slot after downtime is the
-- latest one only.
CREATE TABLE mentor_schedules (
    pool_id         INTEGER PRIMARY KEY REFERENCES mentor_pools (id) ON DELETE CASCADE,
    weekdays        TEXT NOT NULL DEFAULT '[]',
    dates           TEXT NOT NULL DEFAULT '[]',
    at_time         TEXT NOT NULL DEFAULT '10:00',
    -- slots at or before this time never run (the schedule's set time)
    since           TIMESTAMP NOT NULL,
    -- the latest slot claimed, when it was run, and what came of it
    last_slot       TIMESTAMP,
    last_run_at     TIMESTAMP,
    last_round_id   INTEGER,
    last_result     TEXT NOT NULL DEFAULT '',
    -- the next slot (NULL: none), so the loop reads only due rows
    next_at         TIMESTAMP,
    updated_by      INTEGER REFERENCES users (id),
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX mentor_schedules_due ON mentor_schedules (next_at);

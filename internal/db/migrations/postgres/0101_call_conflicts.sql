-- Conflicts of interest a juror declares (a relative, a close friend, a
-- pupil): the assignment never gives them that application again.
CREATE TABLE call_conflicts (
    stage_id        BIGINT NOT NULL REFERENCES call_stages (id) ON DELETE CASCADE,
    juror_id        BIGINT NOT NULL REFERENCES users (id),
    application_id  BIGINT NOT NULL REFERENCES call_applications (id) ON DELETE CASCADE,
    declared_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (stage_id, juror_id, application_id)
);

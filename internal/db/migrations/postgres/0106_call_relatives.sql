-- Relatives a juror declares among a call's people (decision 0105): picked
-- from the applicants they see (user_id set), or typed as a full name or
-- an email address at a blind stage (person_key 'name:<folded>' or
-- 'email:<address>'), matched against every applicant and confirmed team
-- member of the call whenever applications are given to jurors, so a
-- relative who applies later is caught too. label is what the juror
-- picked or typed, shown back to them only.
CREATE TABLE call_relatives (
    call_id         BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    juror_id        BIGINT NOT NULL REFERENCES users (id),
    person_key      TEXT NOT NULL,
    user_id         BIGINT REFERENCES users (id),
    label           TEXT NOT NULL DEFAULT '',
    declared_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (call_id, juror_id, person_key)
);

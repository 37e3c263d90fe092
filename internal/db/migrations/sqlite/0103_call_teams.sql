-- Team applications (issue 16): a call may take teams of team_min to
-- team_max people (0, 0: individual applications). The applicant invites
-- the others by email address; each invited person confirms with an
-- account of that address. A team takes part in the first stage (gets its
-- call_entries row) once it has team_min people; until then its holding
-- waits in call_applications.team_holding.
ALTER TABLE calls ADD COLUMN team_min INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN team_max INTEGER NOT NULL DEFAULT 0;
ALTER TABLE call_applications ADD COLUMN team_holding INTEGER REFERENCES organizations (id);

-- Everyone in an application of a call: its applicant and the members who
-- confirmed. The primary key is "one application per person per call"
-- across teams, decided by the database under races.
CREATE TABLE call_participants (
    call_id         INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    application_id  INTEGER NOT NULL REFERENCES call_applications (id) ON DELETE CASCADE,
    PRIMARY KEY (call_id, user_id)
);
INSERT INTO call_participants (call_id, user_id, application_id) SELECT call_id, user_id, id FROM call_applications;
CREATE INDEX call_participants_application ON call_participants (application_id);

CREATE TABLE call_team_members (
    application_id  INTEGER NOT NULL REFERENCES call_applications (id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'invited' CHECK (status IN ('invited', 'confirmed', 'declined')),
    user_id         INTEGER REFERENCES users (id),
    invited_at      TIMESTAMP NOT NULL,
    answered_at     TIMESTAMP,
    PRIMARY KEY (application_id, email),
    CHECK ((status = 'confirmed') = (user_id IS NOT NULL))
);
CREATE INDEX call_team_members_email ON call_team_members (email);

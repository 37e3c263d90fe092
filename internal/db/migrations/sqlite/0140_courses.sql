-- Courses: a schedule that makes sessions (Almaty time), enrolment with a
-- capacity and a waiting list in arrival order whose offers expire,
-- attendance per session (teacher's marks or self check-in), completion
-- at a threshold. seats_taken counts enrolled and offered people; the
-- CHECK is the guarantee that capacity is never exceeded.

CREATE TABLE courses (
    id              INTEGER PRIMARY KEY,
    org_id          INTEGER NOT NULL REFERENCES organizations (id),
    title_kk        TEXT NOT NULL DEFAULT '',
    title_ru        TEXT NOT NULL DEFAULT '',
    title_en        TEXT NOT NULL DEFAULT '',
    description_kk  TEXT NOT NULL DEFAULT '',
    description_ru  TEXT NOT NULL DEFAULT '',
    description_en  TEXT NOT NULL DEFAULT '',
    capacity        INTEGER NOT NULL CHECK (capacity > 0),
    seats_taken     INTEGER NOT NULL DEFAULT 0,
    arrivals        INTEGER NOT NULL DEFAULT 0,
    weekdays        TEXT NOT NULL,
    start_time      TEXT NOT NULL,
    minutes         INTEGER NOT NULL CHECK (minutes > 0),
    date_from       TEXT NOT NULL,
    date_to         TEXT NOT NULL,
    place           TEXT NOT NULL DEFAULT '',
    online_url      TEXT NOT NULL DEFAULT '',
    age_min         INTEGER NOT NULL DEFAULT 0,
    age_max         INTEGER NOT NULL DEFAULT 0,
    regions         TEXT NOT NULL DEFAULT '',
    members_only    BOOLEAN NOT NULL DEFAULT FALSE,
    threshold_pct   INTEGER NOT NULL DEFAULT 80 CHECK (threshold_pct BETWEEN 1 AND 100),
    offer_hours     INTEGER NOT NULL DEFAULT 24 CHECK (offer_hours > 0),
    ends_at         TIMESTAMP NOT NULL,
    created_by      INTEGER REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL,
    CHECK (seats_taken >= 0 AND seats_taken <= capacity),
    CHECK (date_to >= date_from)
);
CREATE INDEX courses_org ON courses (org_id, date_from);
CREATE INDEX courses_from ON courses (date_from, id);

CREATE TABLE course_teachers (
    course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (course_id, user_id)
);
CREATE INDEX course_teachers_user ON course_teachers (user_id);

CREATE TABLE course_sessions (
    id             INTEGER PRIMARY KEY,
    course_id      INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    starts_at      TIMESTAMP NOT NULL,
    ends_at        TIMESTAMP NOT NULL,
    cancelled_at   TIMESTAMP,
    checkin_secret TEXT NOT NULL,
    reminded_at    TIMESTAMP,
    CHECK (ends_at > starts_at)
);
CREATE INDEX course_sessions_course ON course_sessions (course_id, starts_at);
CREATE INDEX course_sessions_starts ON course_sessions (starts_at);

CREATE TABLE course_enrolments (
    id               INTEGER PRIMARY KEY,
    course_id        INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    user_id          INTEGER NOT NULL REFERENCES users (id),
    status           TEXT NOT NULL CHECK (status IN ('enrolled', 'waiting', 'offered')),
    arrival          INTEGER NOT NULL,
    offer_expires_at TIMESTAMP,
    reminders        BOOLEAN NOT NULL DEFAULT FALSE,
    enrolled_by      INTEGER REFERENCES users (id),
    created_at       TIMESTAMP NOT NULL,
    UNIQUE (course_id, user_id),
    UNIQUE (course_id, arrival),
    CHECK ((status = 'offered') = (offer_expires_at IS NOT NULL))
);
CREATE INDEX course_enrolments_queue ON course_enrolments (course_id, status, arrival);
CREATE INDEX course_enrolments_user ON course_enrolments (user_id);
CREATE INDEX course_enrolments_offers ON course_enrolments (offer_expires_at);

CREATE TABLE course_attendance (
    session_id INTEGER NOT NULL REFERENCES course_sessions (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    status     TEXT NOT NULL CHECK (status IN ('present', 'absent', 'excused')),
    via        TEXT NOT NULL CHECK (via IN ('teacher', 'checkin')),
    marked_by  INTEGER REFERENCES users (id),
    marked_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX course_attendance_user ON course_attendance (user_id);

-- Certificates issued through awards for this course: one per person,
-- claimed here before awards issues it, so two clicks never issue two.
CREATE TABLE course_certificates (
    course_id INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (id),
    code      TEXT NOT NULL DEFAULT '',
    issued_at TIMESTAMP NOT NULL,
    PRIMARY KEY (course_id, user_id)
);

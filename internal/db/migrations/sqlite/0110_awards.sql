-- Awards (issue 16): certificates, diplomas with a place, letters of
-- thanks. Each has a short unguessable code (internal/certificate, 60
-- random bits) that its verification page and QR code name. The
-- recipient's name is kept as printed: a certificate is a document, and
-- it says what it said on the day it was issued. call_id and course_id
-- name the call or course it was issued for; those components own their
-- tables, so there is no foreign key here.

CREATE TABLE award_batches (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES organizations (id),
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    size       INTEGER NOT NULL CHECK (size > 0),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE awards (
    id             INTEGER PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE CHECK (length(code) = 12),
    batch_id       INTEGER NOT NULL REFERENCES award_batches (id),
    org_id         INTEGER NOT NULL REFERENCES organizations (id),
    kind           TEXT NOT NULL CHECK (kind IN ('certificate', 'diploma', 'thanks')),
    title_kk       TEXT NOT NULL DEFAULT '',
    title_ru       TEXT NOT NULL DEFAULT '',
    title_en       TEXT NOT NULL DEFAULT '',
    place          INTEGER CHECK (place IS NULL OR place > 0),
    recipient_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    recipient_name TEXT NOT NULL CHECK (recipient_name <> ''),
    call_id        INTEGER,
    course_id      INTEGER,
    issued_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    issued_at      TIMESTAMP NOT NULL,
    revoked_at     TIMESTAMP,
    revoked_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    revoke_reason  TEXT NOT NULL DEFAULT '',
    CHECK (title_kk <> '' OR title_ru <> '' OR title_en <> ''),
    CHECK ((revoked_at IS NULL) = (revoke_reason = ''))
);
CREATE INDEX awards_recipient ON awards (recipient_id, issued_at) WHERE recipient_id IS NOT NULL;
CREATE INDEX awards_org ON awards (org_id, id);
CREATE INDEX awards_batch ON awards (batch_id, id);
CREATE INDEX awards_call ON awards (call_id) WHERE call_id IS NOT NULL;

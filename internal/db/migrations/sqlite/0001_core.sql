-- Core: people and their sign-in, regions, a minimal organization tree for
-- permission scopes, role grants, memberships, and the audit log.
-- Times are UTC; dates are 'YYYY-MM-DD' text on both engines.

CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('country', 'region', 'city', 'district')),
    parent_code TEXT REFERENCES regions (code),
    name_kk     TEXT NOT NULL,
    name_ru     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    sort        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX regions_parent ON regions (parent_code);

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    email               TEXT UNIQUE,
    name                TEXT NOT NULL,
    password_hash       TEXT,
    birth_date          TEXT CHECK (birth_date IS NULL OR length(birth_date) = 10),
    region              TEXT REFERENCES regions (code),
    district            TEXT REFERENCES regions (code),
    lang                TEXT NOT NULL DEFAULT 'kk' CHECK (lang IN ('kk', 'kk-Latn', 'ru', 'en')),
    is_admin            BOOLEAN NOT NULL DEFAULT FALSE,
    email_confirmed_at  TIMESTAMP,
    consent_required    BOOLEAN NOT NULL DEFAULT FALSE,
    guardian_name       TEXT,
    guardian_email      TEXT,
    guardian_consent_at TIMESTAMP,
    hidden              BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    deleted_at          TIMESTAMP
);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    user_agent   TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- One-time links sent by email: confirm an address, reset a password,
-- a guardian's consent for a minor.
CREATE TABLE email_tokens (
    id         INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('confirm', 'reset', 'guardian')),
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX email_tokens_user ON email_tokens (user_id, purpose);

-- Failed sign-ins, per account and per client address, kept in the
-- database so that a limit holds across all nodes.
CREATE TABLE signin_failures (
    id  INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at  TIMESTAMP NOT NULL
);
CREATE INDEX signin_failures_key ON signin_failures (key, at);

CREATE TABLE organizations (
    id          INTEGER PRIMARY KEY,
    parent_id   INTEGER REFERENCES organizations (id),
    path        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    name_kk     TEXT NOT NULL,
    name_ru     TEXT NOT NULL DEFAULT '',
    name_en     TEXT NOT NULL DEFAULT '',
    region      TEXT REFERENCES regions (code),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    archived_at TIMESTAMP
);
CREATE INDEX organizations_parent ON organizations (parent_id);
CREATE INDEX organizations_path ON organizations (path);

-- Administrators and moderators of an organization and its subtree.
CREATE TABLE role_grants (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id     INTEGER NOT NULL REFERENCES organizations (id),
    role       TEXT NOT NULL CHECK (role IN ('admin', 'moderator')),
    granted_by INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, org_id, role)
);
CREATE INDEX role_grants_org ON role_grants (org_id);

CREATE TABLE memberships (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES organizations (id),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    role       TEXT NOT NULL,
    since      TEXT,
    until      TEXT,
    created_at TIMESTAMP NOT NULL,
    CHECK (until IS NULL OR since IS NULL OR until >= since)
);
CREATE INDEX memberships_org ON memberships (org_id);
CREATE INDEX memberships_user ON memberships (user_id);

-- Append-only: the triggers refuse any change or removal.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TIMESTAMP NOT NULL,
    actor_id    INTEGER REFERENCES users (id),
    actor_label TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    org_id      INTEGER,
    before_json TEXT,
    after_json  TEXT,
    ip          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Key/value facts about this installation (e.g. whether demo data is loaded).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

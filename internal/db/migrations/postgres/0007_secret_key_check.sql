-- A fingerprint of the installation's secret key (internal/keys), never the
-- key: a node started with another key refuses to start.
CREATE TABLE secret_key_check (
    id          BIGINT PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

-- Ballots are sealed while voting is open (docs/decisions/0040-secret-ballot.md).
-- A ballot is written in the voter's own transaction, so whatever the engine
-- records of that transaction (the commit, a WAL record, the rows' xmin)
-- joins the voter row to the ballot row. The ballot row is therefore sealed:
-- tracker and choices encrypted (AES-256-GCM, padded to one size per
-- election) under the election's own key, which is kept here only wrapped
-- by a key derived from the installation's secret outside the database.
-- Closing opens every sealed ballot, writes the plain ballots into
-- election_ballots in one transaction in tracker order, deletes the sealed
-- rows and forgets the election's key.
ALTER TABLE elections ADD COLUMN ballot_key BYTEA;

CREATE TABLE election_sealed (
    nonce       BYTEA PRIMARY KEY,
    election_id BIGINT NOT NULL REFERENCES elections (id),
    sealed      BYTEA NOT NULL
);
CREATE INDEX election_sealed_election ON election_sealed (election_id);

-- A proposal's support count moves with every support. In the proposals
-- row — wide (body, HTML, answer) and indexed six times, three of them
-- on the count — every change wrote a new version of the whole row and
-- six index entries (~4 KB of WAL per support, decision 0024). The count
-- now lives in a narrow row of its own with what the sorted lists need:
-- the programme, region and direction (never changed after submission)
-- and whether the proposal is listed (neither hidden nor merged, moved
-- with proposals.hidden and merged_into in the same transaction). The
-- supports' foreign key points here, so the check it makes reads the row
-- the support batch has locked anyway.

CREATE TABLE proposal_tallies (
    proposal_id   BIGINT PRIMARY KEY REFERENCES proposals (id),
    programme_id  BIGINT NOT NULL,
    region        TEXT NOT NULL,
    direction_id  BIGINT,
    listed        BOOLEAN NOT NULL DEFAULT TRUE,
    support_count INTEGER NOT NULL DEFAULT 0 CHECK (support_count >= 0)
);
INSERT INTO proposal_tallies (proposal_id, programme_id, region, direction_id, listed, support_count)
    SELECT id, programme_id, region, direction_id, hidden = FALSE AND merged_into IS NULL, support_count FROM proposals;
CREATE INDEX proposal_tallies_by_supports ON proposal_tallies (programme_id, support_count, proposal_id);
CREATE INDEX proposal_tallies_by_region ON proposal_tallies (programme_id, region, support_count, proposal_id);
CREATE INDEX proposal_tallies_by_direction ON proposal_tallies (programme_id, direction_id, support_count, proposal_id);

ALTER TABLE proposal_supports DROP CONSTRAINT proposal_supports_proposal_id_fkey;
ALTER TABLE proposal_supports ADD CONSTRAINT proposal_supports_proposal_id_fkey
    FOREIGN KEY (proposal_id) REFERENCES proposal_tallies (proposal_id);

DROP INDEX proposals_by_supports;
DROP INDEX proposals_by_region;
DROP INDEX proposals_by_direction;
ALTER TABLE proposals DROP COLUMN support_count;
-- Lists filtered by region or direction in the other orders.
CREATE INDEX proposals_by_region ON proposals (programme_id, region, id);

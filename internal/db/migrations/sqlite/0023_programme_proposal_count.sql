-- The programme page shows how many proposals are visible (not hidden,
-- not merged). Counting them per request costs a scan of the programme's
-- proposals; the count is kept here instead, moved in the same
-- transaction as every change that makes a proposal visible or not
-- (submit, hide, show again, merge).

ALTER TABLE programmes ADD COLUMN proposal_count INTEGER NOT NULL DEFAULT 0 CHECK (proposal_count >= 0);
UPDATE programmes SET proposal_count = (SELECT COUNT(*) FROM proposals
    WHERE proposals.programme_id = programmes.id AND proposals.hidden = FALSE AND proposals.merged_into IS NULL);

-- When each holding's results of a stage become public (issue 16): NULL, at
-- the close. Until then only the call's organizers and the holding's own
-- moderators see them, and the advanced are told at that time.
ALTER TABLE call_holdings ADD COLUMN publish_at TIMESTAMPTZ;

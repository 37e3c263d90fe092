-- A report's photos are scaled after the report is stored, by a job any
-- node takes from this table (internal/reports/prepare.go, decision
-- 0121): the request that publishes stores the photo as uploaded
-- (original, EXIF and all, never served) with state 'pending' and the
-- size its header promises; a worker takes it by moving due_at past a
-- lease and writing its own claim token (SELECT … FOR UPDATE SKIP LOCKED,
-- so that nodes take different photos), scales it, and stores display
-- and thumb ('ready') or the reason it failed ('failed'), deleting the
-- original either way. Rows written before this have state 'ready'.
-- due_at IS NOT NULL: waiting to be prepared (or taken, until the lease
-- ends). display and thumb are empty until ready.
ALTER TABLE report_photos ADD COLUMN state TEXT NOT NULL DEFAULT 'ready' CHECK (state IN ('pending', 'ready', 'failed'));
ALTER TABLE report_photos ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE report_photos ADD COLUMN original BYTEA;
ALTER TABLE report_photos ADD COLUMN due_at TIMESTAMPTZ;
ALTER TABLE report_photos ADD COLUMN claim TEXT;
ALTER TABLE report_photos ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_photos ADD COLUMN reason TEXT NOT NULL DEFAULT '';
-- JPEG and PNG bytes do not compress: don't let TOAST try (it would cost
-- the publishing request a pass over every upload).
ALTER TABLE report_photos ALTER COLUMN original SET STORAGE EXTERNAL;
CREATE INDEX report_photos_due ON report_photos (due_at, id) WHERE due_at IS NOT NULL;

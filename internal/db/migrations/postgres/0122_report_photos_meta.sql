-- On SQLite, what pages read of a photo needs a covering index (a row's
-- columns after its bytes are read through overflow pages). PostgreSQL
-- keeps large values out of line (TOAST), so reading state, name or reason
-- costs nothing more: nothing to do here but keep the version numbers in
-- step.
SELECT 1;

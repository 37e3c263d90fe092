-- SQLite keeps a row's columns in order, and a photo's bytes (display,
-- thumb, and the original while pending) spill over into chains of
-- overflow pages: reading a column after them (state, name, reason, added
-- by 0121) walks megabytes. What pages read of a photo comes from this
-- covering index instead, never from the row.
CREATE INDEX report_photos_meta ON report_photos (report_id, position, id, state, hash, width, height, name, reason);

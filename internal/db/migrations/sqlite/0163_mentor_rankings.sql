-- A mentor's own order of open requests (issue 19 item 3): request ids,
-- best first; the next round puts them before everyone else in the
-- mentor's preferences ('[]': no preference, fit decides).
ALTER TABLE mentors ADD COLUMN ranking TEXT NOT NULL DEFAULT '[]';

-- A meeting can be called off (registrants are told by email); an election
-- can belong to an agenda item of its meeting, and keeps a short summary of
-- its results once published (turnout and who was elected), so that the
-- meeting page shows them without recounting the bulletin.

ALTER TABLE meetings ADD COLUMN cancelled_at TIMESTAMP;
ALTER TABLE meetings ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';

ALTER TABLE elections ADD COLUMN agenda_item_id INTEGER REFERENCES meeting_agenda_items (id) ON DELETE SET NULL;
ALTER TABLE elections ADD COLUMN results_summary TEXT NOT NULL DEFAULT '';
CREATE INDEX elections_agenda_item ON elections (agenda_item_id);

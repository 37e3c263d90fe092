-- A course's attendance sheet changes only when a mark, an enrolment or a
-- session does: each such change counts up sheet_version, and a copy of
-- the sheet is kept under its version (docs/decisions/0140-courses.md).
ALTER TABLE courses ADD COLUMN sheet_version INTEGER NOT NULL DEFAULT 0;

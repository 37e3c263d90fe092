-- How long before each session the learners who asked for reminders are
-- reminded; 0: no reminders for this course. The organizer sets it when
-- creating or editing the course (docs/decisions/0140-courses.md).
ALTER TABLE courses ADD COLUMN remind_hours INTEGER NOT NULL DEFAULT 24 CHECK (remind_hours BETWEEN 0 AND 168);

-- Courses are edited now: updated_at is when a course's texts or settings
-- last changed (NULL: never since it was made), and the search's change
-- feed reads courses in (COALESCE(updated_at, created_at), id) order.
ALTER TABLE courses ADD COLUMN updated_at TIMESTAMPTZ;
CREATE INDEX courses_changed ON courses (COALESCE(updated_at, created_at), id);

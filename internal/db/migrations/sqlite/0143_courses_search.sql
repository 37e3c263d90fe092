-- The search's change feed reads courses in (created_at, id) order: a
-- course's title and description do not change after it is made.
CREATE INDEX courses_created ON courses (created_at, id);

-- The attendance sheet reads every mark of a course's sessions: covering
-- indexes let it read them from the index alone, in either order
-- (docs/benchmarks.md, courses).
CREATE INDEX course_attendance_cover ON course_attendance (session_id, user_id, status);
DROP INDEX course_attendance_user;
CREATE INDEX course_attendance_user ON course_attendance (user_id, session_id, status);

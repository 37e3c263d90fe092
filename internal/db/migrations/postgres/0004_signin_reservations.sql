-- A sign-in attempt is reserved before its password is hashed: the row is
-- written pending when the attempt starts (if the limits allow it), then
-- kept as a failure or removed when the hash has been checked. Concurrent
-- attempts therefore count before any of them is hashed (see
-- internal/auth/limits.go).
ALTER TABLE signin_failures ADD COLUMN pending BOOLEAN NOT NULL DEFAULT FALSE;

-- Password sign-in attempts, counted BEFORE any password is checked: one counter row per key
-- ('client <ip>', 'address <ip> <email>'), raised by one INSERT … ON CONFLICT DO UPDATE …
-- RETURNING, so concurrent attempts queue on the row and each sees its own count (a burst
-- cannot all pass the limit). A key's hour starts at its first attempt; older rows are reset
-- or tidied away.
CREATE TABLE signin_attempts (
    key    text PRIMARY KEY,
    since  timestamptz NOT NULL DEFAULT now(),
    n      integer NOT NULL DEFAULT 1
);
CREATE INDEX signin_attempts_since ON signin_attempts (since);

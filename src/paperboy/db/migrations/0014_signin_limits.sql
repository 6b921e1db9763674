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

-- Asking for a sign-in link only records the request here: whether the address is a member
-- (or may join) is found out by the mailer, off the request, which then makes the link and
-- queues the email. The request does the same work whatever the address, so its timing tells
-- a member from a stranger no more than its answer does.
CREATE TABLE signin_requests (
    id         bigserial PRIMARY KEY,
    email      text NOT NULL,
    next_path  text NOT NULL DEFAULT '/',
    base_url   text NOT NULL,
    created    timestamptz NOT NULL DEFAULT now()
);

-- Every rate limit's counts (src/paperboy/ratelimit/), shared by all workers and nodes: one row
-- per policy and key (a member, a client address or IPv6 /64). A call is counted and judged in
-- one INSERT … ON CONFLICT DO UPDATE … RETURNING, so concurrent calls queue on the row and a
-- limit is one limit however many processes serve it.
--   hits: a sliding window's admitted calls still inside the window, oldest first (at most the
--         limit's number of them);
--   tat:  a token bucket's "theoretical arrival time" (GCRA): full again once it has passed;
--   wait: the answer to the latest call, 0 admitted, else the seconds until one would be;
--   seen: the latest call, for tidying.
-- UNLOGGED: no WAL is written for a count; a crash empties the table, which forgets recent
-- calls and nothing else.
CREATE UNLOGGED TABLE rate_limits (
    policy  text NOT NULL,
    key     text NOT NULL,
    hits    timestamptz[] NOT NULL DEFAULT '{}',
    tat     timestamptz,
    wait    double precision NOT NULL DEFAULT 0,
    seen    timestamptz NOT NULL,
    PRIMARY KEY (policy, key)
);
CREATE INDEX rate_limits_seen ON rate_limits (seen);

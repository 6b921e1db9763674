-- Enrichment: completing stored papers from their sources (arXiv metadata by id, arXiv title
-- search for papers without an id; later GitHub and the Hugging Face Hub). See enrich/.

-- Where each field that enrichment filled came from: {"published_at": "arxiv", ...}. A field
-- not named here came with the paper's own sources (papers.sources): imports, fetches, members.
ALTER TABLE papers ADD COLUMN field_sources jsonb NOT NULL DEFAULT '{}';

-- Per paper and source: whether it is still to do, done, or given up, with its attempts, the
-- earliest time of the next one (later after each failure) and the last error. Written in the
-- transaction that stores what the source answered, so a killed job redoes at most one batch.
CREATE TABLE enrich_state (
    paper_id     text NOT NULL REFERENCES papers (id) ON UPDATE CASCADE ON DELETE CASCADE,
    source       text NOT NULL,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts     integer NOT NULL DEFAULT 0,
    next_attempt timestamptz NOT NULL DEFAULT now(),
    last_error   text,
    note         text,                      -- what a done paper got ("filled 4 fields", "no match")
    updated      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (paper_id, source)
);
CREATE INDEX enrich_state_due ON enrich_state (source, next_attempt) WHERE status = 'pending';

-- One enricher per remote service at a time (its polite rate is per service, not per process):
-- a lease row, taken with SKIP LOCKED in a short transaction and renewed between requests.
-- It is free when released, when it expired, or when the connection that took it is gone
-- (a killed process: its backend pid no longer exists), so a killed job is resumed at once.
CREATE TABLE enrich_leases (
    service      text PRIMARY KEY,
    holder       text,                      -- host:pid of the process, for people
    holder_pid   integer,                   -- pg_backend_pid() of the connection holding it
    holder_since timestamptz,               -- that backend's start (pids are reused)
    until        timestamptz
);

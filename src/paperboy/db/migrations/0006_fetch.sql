-- Live ingest: withdrawn papers, resume points and a log of every fetch run.

-- arXiv marks a withdrawal with a new version whose comment (or abstract) says so.
ALTER TABLE papers ADD COLUMN withdrawn boolean NOT NULL DEFAULT false;

-- Where each fetch stream stands (key: "arxiv:cs.CL", "hf"). ``done_until`` is the end of
-- the last completed window; ``cursor`` the position inside an unfinished one, written in
-- the same transaction as the papers of the page before it, so a killed run resumes there.
CREATE TABLE fetch_state (
    key        text PRIMARY KEY,
    done_until timestamptz,
    cursor     jsonb,
    updated    timestamptz NOT NULL DEFAULT now()
);

-- One row per run of `paperboy fetch …` or of the schedule inside `serve`.
CREATE TABLE fetch_runs (
    id        bigserial PRIMARY KEY,
    source    text NOT NULL CHECK (source IN ('arxiv', 'hf')),
    params    jsonb NOT NULL DEFAULT '{}',
    trigger   text NOT NULL DEFAULT 'command' CHECK (trigger IN ('command', 'schedule')),
    started   timestamptz NOT NULL DEFAULT now(),
    finished  timestamptz,
    status    text NOT NULL DEFAULT 'running'
              CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),
    new       integer NOT NULL DEFAULT 0,
    updated   integer NOT NULL DEFAULT 0,
    unchanged integer NOT NULL DEFAULT 0,
    rejected  integer NOT NULL DEFAULT 0,
    requests  integer NOT NULL DEFAULT 0,
    message   text,
    error     text
);
CREATE INDEX fetch_runs_source ON fetch_runs (source, id DESC);

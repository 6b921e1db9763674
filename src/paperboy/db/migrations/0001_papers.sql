-- The paper store: one row per paper, whatever the sources that described it.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE papers (
    id           text PRIMARY KEY,          -- arXiv id without version, or t-<hash of title>
    arxiv_id     text UNIQUE,
    title        text NOT NULL CHECK (title <> ''),
    title_key    text NOT NULL,             -- normalised title: the dedupe key without an id
    summary      text NOT NULL DEFAULT '',
    authors      text[] NOT NULL DEFAULT '{}',
    authors_complete boolean NOT NULL DEFAULT false,  -- from a source with full, clean lists
    num_authors  integer CHECK (num_authors >= 0),  -- a count when a source knows more than names
    categories   text[] NOT NULL DEFAULT '{}',
    version      integer,
    published_at date,                      -- arXiv publication date
    updated_at   date,                      -- arXiv date of the latest version
    listed_on    date,                      -- first day it appeared on a daily feed
    upvotes      integer CHECK (upvotes >= 0),
    github_repo  text,
    project_page text,
    pdf_url      text,
    comment      text,
    sources      text[] NOT NULL DEFAULT '{}',
    extra        jsonb NOT NULL DEFAULT '{}',
    created      timestamptz NOT NULL DEFAULT now(),
    modified     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX papers_title_key ON papers (title_key);
CREATE INDEX papers_listed_on ON papers (listed_on DESC, upvotes DESC NULLS LAST);
CREATE INDEX papers_published_at ON papers (published_at DESC);

-- Every day a paper was shown on a daily feed (HF repeats Friday's list on weekends).
CREATE TABLE listings (
    paper_id text NOT NULL REFERENCES papers (id) ON UPDATE CASCADE ON DELETE CASCADE,
    day      date NOT NULL,
    source   text NOT NULL,
    PRIMARY KEY (paper_id, day, source)
);
CREATE INDEX listings_day ON listings (day);

-- One row per imported file: what `paperboy status` and the admin page report.
CREATE TABLE imports (
    id        bigserial PRIMARY KEY,
    path      text NOT NULL,
    format    text NOT NULL,
    started   timestamptz NOT NULL DEFAULT now(),
    finished  timestamptz,
    new       integer NOT NULL DEFAULT 0,
    updated   integer NOT NULL DEFAULT 0,
    unchanged integer NOT NULL DEFAULT 0,
    rejected  integer NOT NULL DEFAULT 0
);

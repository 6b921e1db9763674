-- Topics (issue 25): a background job groups the papers of a period into topics over their
-- MiniLM vectors. A topic's id outlives refreshes: a new build matches its clusters to the old
-- topics by overlap and keeps their ids, so follows and links survive; a topic nothing matches
-- any more is kept, inactive, so a link to it still answers.
CREATE TABLE topics (
    id        bigserial PRIMARY KEY,
    label     text NOT NULL CHECK (label <> ''),
    keywords  text[] NOT NULL DEFAULT '{}',      -- distinctive keyphrases, best first
    size      integer NOT NULL DEFAULT 0 CHECK (size >= 0),
    weekly    jsonb NOT NULL DEFAULT '[]',       -- [{"week": "2026-11-30", "n": 12}, ...]
    growth    real NOT NULL DEFAULT 0,           -- recent weeks against the topic's own past
    active    boolean NOT NULL DEFAULT true,
    built_at  timestamptz NOT NULL DEFAULT now()
);

-- Which papers a topic holds (a paper is in at most one topic of a build).
CREATE TABLE topic_papers (
    topic_id  bigint NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    paper_id  text NOT NULL REFERENCES papers (id) ON DELETE CASCADE ON UPDATE CASCADE,
    PRIMARY KEY (topic_id, paper_id)
);
CREATE INDEX topic_papers_paper ON topic_papers (paper_id);

-- What a member follows: an author (by normalised name key) or a topic (by its id, as text).
-- No foreign key to topics: a topic that is gone leaves a follow that lists as gone.
CREATE TABLE follows (
    member_id  bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('author', 'topic')),
    key        text NOT NULL CHECK (key <> '' AND length(key) <= 300),
    label      text NOT NULL DEFAULT '',         -- the name as the member saw it
    created    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (member_id, kind, key)
);

-- Public pages show topics and their papers; a follow is personal (never on a cached page).
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['topics', 'topic_papers']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I'
                       ' FOR EACH ROW EXECUTE FUNCTION bump_data_version()', t || '_bump_data_version', t);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', t || '_bump_data_version_truncate', t);
    END LOOP;
END $$;

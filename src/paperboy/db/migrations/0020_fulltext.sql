-- Full text: a paper's text converted from arXiv's HTML (LaTeXML) to Markdown, with its
-- section outline, and the arXiv version it came from. See fulltext/ and docs/fulltext.md.
-- Fetching is the enrichment source "fulltext" (its state is enrich_state, as every source's).

-- One row per paper asked about: 'text' (the Markdown, zlib-compressed, and its outline) or
-- 'none' (arXiv has no HTML version, or LaTeXML's conversion of it failed), with the reason.
-- A 'none' is asked about again only when the paper gets a newer version than `version`.
CREATE TABLE fulltexts (
    paper_id   text PRIMARY KEY REFERENCES papers (id) ON UPDATE CASCADE ON DELETE CASCADE,
    status     text NOT NULL CHECK (status IN ('text', 'none')),
    version    integer,                  -- the arXiv version read (NULL: not known)
    reason     text,                     -- why 'none', for people
    markdown   bytea,                    -- zlib-compressed UTF-8 Markdown (status 'text')
    outline    jsonb NOT NULL DEFAULT '[]',  -- [{"level": 2, "title": "1 Introduction", "anchor": "S1"}, ...]
    chars      integer NOT NULL DEFAULT 0,   -- characters of the Markdown
    truncated  boolean NOT NULL DEFAULT false,
    fetched    timestamptz NOT NULL DEFAULT now()
);
-- compressed already: PostgreSQL should not try again
ALTER TABLE fulltexts ALTER COLUMN markdown SET STORAGE EXTERNAL;

-- /papers/{id}.md serves the text: the page cache must follow it (see 0017)
CREATE TRIGGER fulltexts_bump_data_version AFTER INSERT OR UPDATE OR DELETE ON fulltexts
    FOR EACH ROW EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER fulltexts_bump_data_version_truncate AFTER TRUNCATE ON fulltexts
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();

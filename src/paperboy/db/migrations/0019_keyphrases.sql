-- Keyphrases computed here from a paper's title and abstract (paperboy.keyphrases): the list,
-- best first, with what made it (method and version: a new version recomputes) and the hash
-- of the text it was made from (the embedding's: an edited abstract is re-embedded, then its
-- keyphrases follow). Hugging Face's own ai_keywords stay where imports put them
-- (papers.extra), apart from these.
CREATE TABLE keyphrases (
    paper_id  text PRIMARY KEY REFERENCES papers (id) ON UPDATE CASCADE ON DELETE CASCADE,
    phrases   text[] NOT NULL,
    method    text NOT NULL,
    version   integer NOT NULL,
    text_hash text NOT NULL,
    created   timestamptz NOT NULL DEFAULT now()
);

-- Paper pages and the API show them: the page cache follows (0017).
CREATE TRIGGER keyphrases_bump_data_version AFTER INSERT OR UPDATE OR DELETE ON keyphrases
    FOR EACH ROW EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER keyphrases_bump_data_version_truncate AFTER TRUNCATE ON keyphrases
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();

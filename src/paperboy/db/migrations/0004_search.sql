-- Search: vectors in pgvector, and what the derived keyword index needs to stay in sync.

-- A row number that never changes (a paper's id can: t-<hash> becomes its arXiv id),
-- so the keyword index can replace a paper's document after any change.
ALTER TABLE papers ADD COLUMN seq bigserial UNIQUE;

-- Bumped on every insert or update: the index syncs rows with change_seq above its
-- watermark. Writers are serialised (an advisory lock), so numbers commit in order.
CREATE SEQUENCE papers_change_seq;
ALTER TABLE papers ADD COLUMN change_seq bigint NOT NULL DEFAULT nextval('papers_change_seq');
CREATE INDEX papers_change_seq_idx ON papers (change_seq);
CREATE FUNCTION papers_bump_change_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_seq := nextval('papers_change_seq');
    RETURN NEW;
END $$;
CREATE TRIGGER papers_change_seq BEFORE UPDATE ON papers
    FOR EACH ROW EXECUTE FUNCTION papers_bump_change_seq();

-- One vector per paper, over title + ". " + abstract; the model and a hash of the text
-- say when it must be recomputed.
CREATE TABLE embeddings (
    paper_id  text PRIMARY KEY REFERENCES papers (id) ON UPDATE CASCADE ON DELETE CASCADE,
    model     text NOT NULL,
    text_hash text NOT NULL,
    embedding vector(384) NOT NULL,
    created   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX embeddings_hnsw ON embeddings USING hnsw (embedding vector_cosine_ops);

-- Search by passage (passages/, docs/fulltext.md) and the full-text budget
-- (PAPERBOY_FULLTEXT_MAX_GB).

-- 'evicted': the text was stored, then dropped to keep the full texts within the budget
-- (the oldest texts of papers in no member's library first). Asking again fetches it again.
ALTER TABLE fulltexts DROP CONSTRAINT fulltexts_status_check;
ALTER TABLE fulltexts ADD CONSTRAINT fulltexts_status_check CHECK (status IN ('text', 'none', 'evicted'));

-- Bumped on every insert or update, as papers.change_seq: the passage index (a tantivy folder
-- under {home}/passages/) syncs the texts with change_seq above its watermark, adding a stored
-- text's passages and removing those of a text replaced, evicted or gone. Writers of full texts
-- are the enrichment job (one lease per service) and the budget (under its lock).
CREATE SEQUENCE fulltexts_change_seq;
ALTER TABLE fulltexts ADD COLUMN change_seq bigint NOT NULL DEFAULT nextval('fulltexts_change_seq');
CREATE INDEX fulltexts_change_seq_idx ON fulltexts (change_seq);
CREATE FUNCTION fulltexts_bump_change_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_seq := nextval('fulltexts_change_seq');
    RETURN NEW;
END $$;
CREATE TRIGGER fulltexts_change_seq BEFORE UPDATE ON fulltexts
    FOR EACH ROW EXECUTE FUNCTION fulltexts_bump_change_seq();

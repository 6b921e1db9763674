-- For you: a member's collections (reading lists), the papers they are not interested in,
-- their imported library (BibTeX, CSL-JSON, RIS), and the recommender model fitted from
-- those signals and their upvotes.

-- Named reading lists. Private ones are seen by their owner alone (404 to anyone else);
-- public ones have a page and an Atom feed.
CREATE TABLE collections (
    id          bigserial PRIMARY KEY,
    member_id   bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (name <> '' AND length(name) <= 100 AND name !~ '[\r\n]'),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    public      boolean NOT NULL DEFAULT false,
    created     timestamptz NOT NULL DEFAULT now(),
    modified    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX collections_member_name ON collections (member_id, lower(name));

CREATE TABLE collection_papers (
    collection_id bigint NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    paper_id      text NOT NULL REFERENCES papers (id) ON UPDATE CASCADE ON DELETE CASCADE,
    added         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (collection_id, paper_id)
);
CREATE INDEX collection_papers_paper ON collection_papers (paper_id);

-- "Not interested": the pick leaves For you at once and the model learns it as a negative.
CREATE TABLE not_interested (
    member_id bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    paper_id  text NOT NULL REFERENCES papers (id) ON UPDATE CASCADE ON DELETE CASCADE,
    created   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (member_id, paper_id)
);

-- A member's imported library: one row per distinct entry (same arXiv id, else same
-- normalised title, is one entry). Matched entries point at a known paper; the others are
-- "library-only" and carry their own vector, made from their title and abstract.
CREATE TABLE library_entries (
    id         bigserial PRIMARY KEY,
    member_id  bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    paper_id   text REFERENCES papers (id) ON UPDATE CASCADE ON DELETE SET NULL,
    title      text NOT NULL CHECK (title <> ''),
    title_key  text NOT NULL,
    abstract   text NOT NULL DEFAULT '',
    authors    text[] NOT NULL DEFAULT '{}',
    year       integer,
    arxiv_id   text,
    doi        text,
    url        text,
    cite_key   text,
    embedding  vector(384),                 -- library-only entries: their own vector
    imported   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (member_id, title_key)
);
CREATE INDEX library_entries_paper ON library_entries (paper_id);
CREATE INDEX library_entries_unembedded ON library_entries (id)
    WHERE paper_id IS NULL AND embedding IS NULL;

-- What each import did, for the account page and the API's answer.
CREATE TABLE library_imports (
    id           bigserial PRIMARY KEY,
    member_id    bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    filename     text NOT NULL DEFAULT '',
    format       text NOT NULL,
    matched      integer NOT NULL DEFAULT 0,
    library_only integer NOT NULL DEFAULT 0,
    duplicates   integer NOT NULL DEFAULT 0,
    rejected     integer NOT NULL DEFAULT 0,
    created      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX library_imports_member ON library_imports (member_id, id DESC);

-- The recommender's state per member. signals_seq moves whenever one of the member's
-- signals changes (triggers below); the background job refits every model whose
-- fitted_seq lags behind it. The model itself is a small float32 array (bytes).
CREATE SEQUENCE recommender_signals_seq;
CREATE TABLE recommender_models (
    member_id   bigint PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    signals_seq bigint NOT NULL DEFAULT nextval('recommender_signals_seq'),
    fitted_seq  bigint NOT NULL DEFAULT 0,
    kind        text,
    model       bytea,
    positives   integer NOT NULL DEFAULT 0,
    negatives   integer NOT NULL DEFAULT 0,
    fitted      timestamptz
);
CREATE INDEX recommender_models_stale ON recommender_models (member_id)
    WHERE fitted_seq < signals_seq;

CREATE FUNCTION recommender_signal_changed(member bigint) RETURNS void LANGUAGE sql AS $$
    -- (a member being deleted cascades to their signals: nothing to refit then)
    INSERT INTO recommender_models (member_id)
    SELECT id FROM members WHERE id = member
    ON CONFLICT (member_id) DO UPDATE SET signals_seq = nextval('recommender_signals_seq');
$$;

CREATE FUNCTION recommender_member_signal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM recommender_signal_changed(OLD.member_id);
        RETURN OLD;
    END IF;
    PERFORM recommender_signal_changed(NEW.member_id);
    RETURN NEW;
END $$;

CREATE FUNCTION recommender_collection_signal() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE owner bigint;
BEGIN
    SELECT member_id INTO owner FROM collections
     WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.collection_id ELSE NEW.collection_id END;
    IF owner IS NOT NULL THEN
        PERFORM recommender_signal_changed(owner);
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE TRIGGER votes_signal AFTER INSERT OR DELETE ON votes
    FOR EACH ROW EXECUTE FUNCTION recommender_member_signal();
CREATE TRIGGER not_interested_signal AFTER INSERT OR DELETE ON not_interested
    FOR EACH ROW EXECUTE FUNCTION recommender_member_signal();
CREATE TRIGGER library_entries_signal AFTER INSERT OR DELETE OR UPDATE OF paper_id, embedding
    ON library_entries FOR EACH ROW EXECUTE FUNCTION recommender_member_signal();
CREATE TRIGGER collection_papers_signal AFTER INSERT OR DELETE ON collection_papers
    FOR EACH ROW EXECUTE FUNCTION recommender_collection_signal();

-- For you keeps every vector in memory; this counter (moved by any change to embeddings,
-- once per statement) tells a process when to reload them, for the price of one row.
CREATE TABLE embeddings_version (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    version bigint NOT NULL DEFAULT 0
);
INSERT INTO embeddings_version DEFAULT VALUES;
CREATE FUNCTION embeddings_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE embeddings_version SET version = version + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER embeddings_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON embeddings
    FOR EACH STATEMENT EXECUTE FUNCTION embeddings_version_bump();

-- A paper that gets its vector after a member liked, saved or imported it (a fresh
-- submission, an edited abstract): their model is refit to include it.
CREATE FUNCTION recommender_paper_embedded() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM recommender_signal_changed(m.member_id) FROM (
        SELECT member_id FROM votes WHERE paper_id = NEW.paper_id
        UNION SELECT c.member_id FROM collection_papers cp
              JOIN collections c ON c.id = cp.collection_id WHERE cp.paper_id = NEW.paper_id
        UNION SELECT member_id FROM library_entries WHERE paper_id = NEW.paper_id
        UNION SELECT member_id FROM not_interested WHERE paper_id = NEW.paper_id
    ) m;
    RETURN NULL;
END $$;
CREATE TRIGGER embeddings_signal AFTER INSERT OR UPDATE OF embedding ON embeddings
    FOR EACH ROW EXECUTE FUNCTION recommender_paper_embedded();

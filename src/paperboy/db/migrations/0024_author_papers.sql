-- Authors (issue 25): every name of every paper's author list, normalised, so an author's
-- page is one indexed query. paperboy/authors/names.py holds the same rules in Python
-- (tests/authors check that both agree on the names of the arXiv corpus) and documents them
-- (docs/authors.md): case, accents, punctuation, "Last, First" and trailing Jr./Sr./II-IV.

-- "Last, First" (one comma, something on both sides, not "King, Jr.") as "First Last".
CREATE FUNCTION author_swap(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN name ~ '^[^,]*[^,\s][^,]*,[^,]*[^,\s][^,]*$'
                 AND lower(regexp_replace(split_part(name, ',', 2), '[^[:alnum:]]+', '', 'g'))
                     NOT IN ('jr', 'sr', 'ii', 'iii', 'iv')
            THEN split_part(name, ',', 2) || ' ' || split_part(name, ',', 1)
            ELSE name END;

-- A name's key: "Vaswani, Ashish", "ASHISH VASWANI" and "Ashish  Vaswani" are all
-- "ashish vaswani"; "José Müller-Núñez" is "jose muller nunez". '' for a name of no letters.
-- One expression (no WITH), so PostgreSQL inlines it where it is called: a function it must
-- call instead made an import twice as slow through the trigger below.
CREATE FUNCTION author_key(name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN regexp_replace(btrim(regexp_replace(
           replace(replace(replace(replace(translate(
               regexp_replace(normalize(lower(author_swap(name)), NFKD), '[\u0300-\u036f]', '', 'g'),
               'øłđıð', 'oldid'), 'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe'), 'þ', 'th'),
           '[^[:alnum:]]+', ' ', 'g')), '( (jr|sr|ii|iii|iv))+$', '');

-- The first letters of a key's given names (all but the last word): "jean pierre dupont" -> "jp".
CREATE FUNCTION author_initials(key text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN regexp_replace(regexp_replace(key, ' ?[^ ]+$', ''), '([^ ])[^ ]* ?', '\1', 'g');

-- One row per name of a paper's author list (position from 1), kept by the trigger below.
CREATE TABLE author_papers (
    paper_id    text NOT NULL REFERENCES papers (id) ON DELETE CASCADE ON UPDATE CASCADE,
    position    integer NOT NULL,
    name        text NOT NULL,               -- as the paper writes it
    author_key  text NOT NULL,               -- author_key(name)
    surname     text NOT NULL,               -- the key's last word
    initials    text NOT NULL,               -- author_initials(key)
    short       boolean NOT NULL,            -- the given names are initials only ("a vaswani")
    PRIMARY KEY (paper_id, position)
);
CREATE INDEX author_papers_key ON author_papers (author_key);
-- The full names an initials-only name could be (an index-only scan: authors/page.py).
CREATE INDEX author_papers_full ON author_papers (surname, initials, author_key) WHERE NOT short;

-- The names of the papers ``ids`` into author_papers (papers/store.py calls it once for an
-- import's new papers: one statement instead of one per paper, which made imports twice as slow).
CREATE FUNCTION author_papers_fill(ids text[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO author_papers (paper_id, position, name, author_key, surname, initials, short)
    SELECT p.id, t.position, t.name, k.key, substring(k.key FROM '[^ ]+$'), author_initials(k.key),
           k.key ~ '^[^ ]( [^ ])* [^ ]+$'
      FROM papers p, unnest(p.authors) WITH ORDINALITY AS t(name, position),
           LATERAL (SELECT author_key(t.name) AS key OFFSET 0) k  -- (OFFSET 0: computed once, not per use)
     WHERE p.id = ANY(ids) AND k.key <> ''
    ON CONFLICT DO NOTHING;
$$;

-- Every other write keeps author_papers by this trigger. A writer that fills it itself in bulk
-- says so for its transaction: SET LOCAL paperboy.author_papers = 'bulk' (inserts only).
CREATE FUNCTION author_papers_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND current_setting('paperboy.author_papers', true) = 'bulk' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF NEW.authors IS NOT DISTINCT FROM OLD.authors AND NEW.id = OLD.id THEN
            RETURN NULL;
        END IF;
        DELETE FROM author_papers WHERE paper_id IN (OLD.id, NEW.id);
    END IF;
    PERFORM author_papers_fill(ARRAY[NEW.id]);
    RETURN NULL;
END $$;

CREATE TRIGGER papers_author_papers AFTER INSERT OR UPDATE OF id, authors ON papers
    FOR EACH ROW EXECUTE FUNCTION author_papers_sync();

SELECT author_papers_fill(ARRAY(SELECT id FROM papers));

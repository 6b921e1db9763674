-- Readers of papers' changes (the keyword index's sync, the embed and keyphrase jobs) read
-- every paper whose change_seq is above the highest they read before. A number is taken when
-- a row is written, not when it commits: a writer that takes 100 and commits after a writer
-- that took 101 is skipped by a reader that read 101 in between. The writers' lock
-- (STORE_WRITE) kept the numbers in commit order only for the writers that take it.
-- Now each row also says which transaction wrote it. A reader notes which transactions were
-- still open when it looked (db/changes.py), and reads their rows once they commit: exact
-- whatever order writers commit in and whether or not they take a lock.
-- Nullable with no default first (no table rewrite at a million rows), then the default for
-- new rows; rows written before this migration were committed long ago (NULL).
ALTER TABLE papers ADD COLUMN change_xid xid8;
ALTER TABLE papers ALTER COLUMN change_xid SET DEFAULT pg_current_xact_id();
-- Its index is built by 0028 without blocking writers.

CREATE OR REPLACE FUNCTION papers_bump_change_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (to_jsonb(NEW) - '{community_upvotes,community_comments,change_seq,change_xid,modified}'::text[])
       = (to_jsonb(OLD) - '{community_upvotes,community_comments,change_seq,change_xid,modified}'::text[]) THEN
        RETURN NEW;
    END IF;
    NEW.change_seq := nextval('papers_change_seq');
    NEW.change_xid := pg_current_xact_id();
    RETURN NEW;
END $$;

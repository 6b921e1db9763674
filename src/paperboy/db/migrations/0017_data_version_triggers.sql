-- The shared page cache (web/cache.py) is valid while data_version is unchanged. Until now
-- every write that public pages could show had to call bump_version() by hand (13 calls in 7
-- modules; a forgotten one left pages stale until the next unrelated write). Now the tables
-- public pages read bump it themselves when a row of theirs changes (a row trigger: a vote
-- that was there already, an un-vote of nothing change no row and bump nothing; TRUNCATE
-- bumps too), and at most once per transaction: the first bump takes the counter row's lock and marks the
-- transaction (a transaction-local setting), later statements see the mark and do nothing,
-- so an import's thousands of rows cost one update, as the hand-written calls did.
-- tests/db/test_data_version.py fails on a table that is neither triggered here nor named
-- there as never read by a cached page.
CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('paperboy.data_version_bumped', true) IS DISTINCT FROM txid_current()::text THEN
        UPDATE data_version SET version = version + 1;
        PERFORM set_config('paperboy.data_version_bumped', txid_current()::text, true);
    END IF;
    RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['papers', 'listings', 'new_listings', 'upvote_history', 'votes', 'comments',
                             'pins', 'paper_aliases', 'embeddings', 'submissions', 'settings']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I'
                       ' FOR EACH ROW EXECUTE FUNCTION bump_data_version()', t || '_bump_data_version', t);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()', t || '_bump_data_version_truncate', t);
    END LOOP;
END $$;

-- Public pages show a member's name (a comment's author, a paper's submitter), nothing else of
-- theirs: a sign-in or a visit (members.touch sets last_seen on every request) must not empty
-- every worker's cache.
CREATE TRIGGER members_bump_data_version AFTER INSERT OR DELETE OR UPDATE OF name ON members
    FOR EACH ROW EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER members_bump_data_version_truncate AFTER TRUNCATE ON members
    FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();

-- paperboy: concurrently
-- The index behind the readers' look for rows that committed late (db/changes.py, 0027),
-- built while the hub answers and writers write: serve starts at once and builds it in the
-- background; `paperboy migrate` builds it in the foreground (db/migrate.py).
CREATE INDEX CONCURRENTLY IF NOT EXISTS papers_change_xid ON papers (change_xid);

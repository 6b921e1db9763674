-- Lease rows: the jobs' locks when PAPERBOY_DB_POOLER=transaction (db/leases.py), where a
-- session advisory lock would stay on a server connection the pooler hands to someone else.
-- A row names a lock key (locks.py) and who holds it until when; the holder renews it while
-- it works, a dead holder's row expires. db/leases.py creates the same table before the
-- migration lock is taken (IF NOT EXISTS: whichever runs first).
CREATE TABLE IF NOT EXISTS leases (
    name bigint PRIMARY KEY,
    holder text NOT NULL,
    expires timestamptz NOT NULL
);

-- A message is stored as it goes on the wire: base64 parts, which pglz (the only TOAST
-- compression every server has) shrinks to about half at ~1 ms of server CPU per 50 kB
-- digest. At 100,000 digests a run that was the largest single cost of composing them, so
-- the outbox keeps messages uncompressed (still out of line). Rows already written keep
-- their form; reading either is the same. Only the catalog changes: no rewrite, no wait.
ALTER TABLE outbox ALTER COLUMN message SET STORAGE EXTERNAL;

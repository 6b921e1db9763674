-- A digest is stored as its own bytes plus the parts it shares with the run's other digests
-- (digest/parts.py): a section of trending papers or of a topic's new matches is written once,
-- not into each of the thousands of messages that hold it. outbox.message then holds the
-- message's own bytes, and part_ids the parts to put in at the byte offsets part_at; a row
-- without part_ids (a confirmation, a sign-in link, a digest from before) is whole as it is.
CREATE TABLE mail_parts (
    id   bigserial PRIMARY KEY,
    hash bytea NOT NULL UNIQUE,                -- sha256 of body
    body bytea NOT NULL,                       -- encoded, as it goes on the wire
    used timestamptz NOT NULL DEFAULT now()    -- last written by a run (what may be deleted)
);
ALTER TABLE outbox ADD COLUMN part_ids bigint[], ADD COLUMN part_at integer[],
    ADD CONSTRAINT outbox_parts_paired CHECK (cardinality(part_ids) = cardinality(part_at)) NOT VALID;
-- (NOT VALID: the rows already there hold no parts; the check costs no scan of the outbox)

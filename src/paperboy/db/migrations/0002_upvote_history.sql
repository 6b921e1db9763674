-- Upvote counts as each import saw them: trending uses the growth between the last two.
CREATE TABLE upvote_history (
    id       bigserial PRIMARY KEY,
    paper_id text NOT NULL REFERENCES papers (id) ON UPDATE CASCADE ON DELETE CASCADE,
    upvotes  integer NOT NULL CHECK (upvotes >= 0),
    source   text NOT NULL,
    observed timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX upvote_history_paper ON upvote_history (paper_id, id DESC);

-- Upvotes gained between the paper's last two observations (0 when seen once).
ALTER TABLE papers ADD COLUMN upvote_growth integer NOT NULL DEFAULT 0;

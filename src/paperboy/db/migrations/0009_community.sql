-- The community: members and how they sign in, their votes, submissions and comments, what
-- curators do, and New (the arXiv firehose) apart from Daily (the curated lists).

CREATE TABLE members (
    id            bigserial PRIMARY KEY,
    email         text NOT NULL UNIQUE CHECK (email = lower(email) AND email !~ '[\r\n]'),
    -- the handle shown beside votes, submissions and comments, and used in @mentions
    name          text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,38}$'),
    role          text NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'curator', 'admin')),
    password_hash text,                        -- argon2id; NULL: sign-in by emailed link only
    created       timestamptz NOT NULL DEFAULT now(),
    last_seen     timestamptz
);
CREATE UNIQUE INDEX members_name ON members (lower(name));

-- A session is a random key in a signed cookie; only its hash is stored. Deleting a
-- member's rows signs them out everywhere.
CREATE TABLE sessions (
    key_hash  text PRIMARY KEY,
    member_id bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created   timestamptz NOT NULL DEFAULT now(),
    expires   timestamptz NOT NULL
);
CREATE INDEX sessions_member ON sessions (member_id);

-- Personal API tokens (Authorization: Bearer …): shown once, stored hashed, revocable.
CREATE TABLE api_tokens (
    id         bigserial PRIMARY KEY,
    member_id  bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash text NOT NULL UNIQUE,
    hint       text NOT NULL,                 -- the token's first characters, to tell them apart
    created    timestamptz NOT NULL DEFAULT now(),
    last_used  timestamptz,
    revoked    timestamptz
);
CREATE INDEX api_tokens_member ON api_tokens (member_id);

-- One-time sign-in links (single use, short-lived), stored hashed.
CREATE TABLE signin_tokens (
    token_hash text PRIMARY KEY,
    email      text NOT NULL,
    created    timestamptz NOT NULL DEFAULT now(),
    expires    timestamptz NOT NULL,
    used       timestamptz
);

-- Sign-in and invitation links go out through the digest's outbox.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('confirm', 'digest', 'signin', 'invite'));
-- The limits on emails sent at a stranger's request count sign-in requests too.
ALTER TABLE subscribe_requests ADD COLUMN kind text NOT NULL DEFAULT 'subscribe';

-- Community votes: one per member and paper, apart from the counts imported from Hugging
-- Face (papers.upvotes), never merged into them. Counted when read.
CREATE TABLE votes (
    paper_id  text NOT NULL REFERENCES papers (id) ON UPDATE CASCADE ON DELETE CASCADE,
    member_id bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (paper_id, member_id)
);
CREATE INDEX votes_member ON votes (member_id, created DESC);
CREATE INDEX votes_created ON votes (created);

-- Papers members put on a day's Daily list (the listing row itself is in listings, with
-- source 'submission'). A paper is submitted once.
CREATE TABLE submissions (
    paper_id  text PRIMARY KEY REFERENCES papers (id) ON UPDATE CASCADE ON DELETE CASCADE,
    member_id bigint REFERENCES members (id) ON DELETE SET NULL,  -- NULL: a deleted account
    day       date NOT NULL,
    created   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX submissions_member ON submissions (member_id, created DESC);

-- Comments: Markdown as written, and the sanitised HTML made from it once.
CREATE TABLE comments (
    id        bigserial PRIMARY KEY,
    paper_id  text NOT NULL REFERENCES papers (id) ON UPDATE CASCADE ON DELETE CASCADE,
    member_id bigint REFERENCES members (id) ON DELETE SET NULL,  -- NULL: a deleted account
    parent_id bigint REFERENCES comments (id) ON DELETE CASCADE,  -- one level of replies
    body      text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    html      text NOT NULL,
    created   timestamptz NOT NULL DEFAULT now(),
    edited    timestamptz,
    deleted   boolean NOT NULL DEFAULT false,
    hidden    boolean NOT NULL DEFAULT false   -- by a curator
);
CREATE INDEX comments_paper ON comments (paper_id, id);
CREATE INDEX comments_member ON comments (member_id, id DESC);

CREATE TABLE mentions (
    comment_id bigint NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    member_id  bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    PRIMARY KEY (comment_id, member_id)
);
CREATE INDEX mentions_member ON mentions (member_id);

-- Curation: hidden papers stay stored and reachable by address but leave every list.
ALTER TABLE papers ADD COLUMN hidden boolean NOT NULL DEFAULT false;

CREATE TABLE pins (
    day       date NOT NULL,
    paper_id  text NOT NULL REFERENCES papers (id) ON UPDATE CASCADE ON DELETE CASCADE,
    member_id bigint REFERENCES members (id) ON DELETE SET NULL,
    created   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (day, paper_id)
);

-- A paper merged into another keeps answering at its old address.
CREATE TABLE paper_aliases (
    old_id   text PRIMARY KEY,
    paper_id text NOT NULL REFERENCES papers (id) ON UPDATE CASCADE ON DELETE CASCADE
);

-- Every curator and admin action.
CREATE TABLE moderation_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor_id   bigint REFERENCES members (id) ON DELETE SET NULL,
    actor_name text NOT NULL,
    action     text NOT NULL,
    target     text NOT NULL,
    detail     jsonb NOT NULL DEFAULT '{}'
);

-- New: the days papers arrived from followed arXiv categories (the firehose). Daily
-- (listings) holds only what someone chose: Hugging Face's list, submissions, curators.
CREATE TABLE new_listings (
    paper_id text NOT NULL REFERENCES papers (id) ON UPDATE CASCADE ON DELETE CASCADE,
    day      date NOT NULL,
    source   text NOT NULL,
    PRIMARY KEY (paper_id, day, source)
);
CREATE INDEX new_listings_day ON new_listings (day);

INSERT INTO new_listings (paper_id, day, source)
SELECT paper_id, day, source FROM listings WHERE source IN ('arxiv-atom', 'arxiv-jsonl')
ON CONFLICT DO NOTHING;
DELETE FROM listings WHERE source IN ('arxiv-atom', 'arxiv-jsonl');

-- Community counts kept on the paper row, so every read (SELECT * FROM papers) has them and
-- lists can sort by them. Triggers keep them true whatever removes a vote or comment (a
-- member deleting their account, a merge, a paper deleted). Increments, not recounts: two
-- concurrent votes each add one under the row lock, where a recount could miss the other.
ALTER TABLE papers
    ADD COLUMN community_upvotes integer NOT NULL DEFAULT 0 CHECK (community_upvotes >= 0),
    ADD COLUMN community_comments integer NOT NULL DEFAULT 0 CHECK (community_comments >= 0);

CREATE FUNCTION votes_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE papers SET community_upvotes = community_upvotes + 1 WHERE id = NEW.paper_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE papers SET community_upvotes = greatest(community_upvotes - 1, 0) WHERE id = OLD.paper_id;
    -- A vote moved to another paper (a merge); when instead the paper was renamed under it
    -- (ON UPDATE CASCADE), its old id is gone and the count moved with the row.
    ELSIF NEW.paper_id IS DISTINCT FROM OLD.paper_id AND EXISTS (SELECT 1 FROM papers WHERE id = OLD.paper_id) THEN
        UPDATE papers SET community_upvotes = greatest(community_upvotes - 1, 0) WHERE id = OLD.paper_id;
        UPDATE papers SET community_upvotes = community_upvotes + 1 WHERE id = NEW.paper_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER votes_count AFTER INSERT OR DELETE OR UPDATE OF paper_id ON votes
    FOR EACH ROW EXECUTE FUNCTION votes_count();

-- Comments count when shown: neither deleted nor hidden.
CREATE FUNCTION comments_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was boolean := TG_OP <> 'INSERT' AND NOT OLD.deleted AND NOT OLD.hidden;
    now_ boolean := TG_OP <> 'DELETE' AND NOT NEW.deleted AND NOT NEW.hidden;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.paper_id IS DISTINCT FROM OLD.paper_id
       AND NOT EXISTS (SELECT 1 FROM papers WHERE id = OLD.paper_id) THEN
        RETURN NULL;  -- the paper was renamed: its count moved with it
    END IF;
    IF was THEN
        UPDATE papers SET community_comments = greatest(community_comments - 1, 0) WHERE id = OLD.paper_id;
    END IF;
    IF now_ THEN
        UPDATE papers SET community_comments = community_comments + 1 WHERE id = NEW.paper_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER comments_count AFTER INSERT OR DELETE OR UPDATE OF paper_id, deleted, hidden ON comments
    FOR EACH ROW EXECUTE FUNCTION comments_count();

-- Votes and comments change the counts outside the writers' lock (papers/store.py). The
-- keyword index holds none of the counts, so they must not move the change counter: a
-- number taken outside the lock could commit out of order and make the index skip a paper.
CREATE OR REPLACE FUNCTION papers_bump_change_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (to_jsonb(NEW) - '{community_upvotes,community_comments,change_seq,modified}'::text[])
       = (to_jsonb(OLD) - '{community_upvotes,community_comments,change_seq,modified}'::text[]) THEN
        RETURN NEW;
    END IF;
    NEW.change_seq := nextval('papers_change_seq');
    RETURN NEW;
END $$;

-- Lists sort by imported and community upvotes together.
CREATE INDEX papers_total_upvotes ON papers ((coalesce(upvotes, 0) + community_upvotes) DESC);

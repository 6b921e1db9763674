-- Email digests: subscribers, their topics, single-use tokens, what was sent, and the outbox.

-- Instance-wide values (the secret that signs links), shared by every process and machine.
CREATE TABLE settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE subscribers (
    id              bigserial PRIMARY KEY,
    email           text NOT NULL UNIQUE CHECK (email = lower(email) AND email !~ '[\r\n]'),
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'active', 'paused', 'unsubscribed')),
    frequency       text NOT NULL DEFAULT 'daily' CHECK (frequency IN ('daily', 'weekly')),
    weekday         smallint NOT NULL DEFAULT 0 CHECK (weekday BETWEEN 0 AND 6),  -- Monday = 0
    send_hour       smallint NOT NULL DEFAULT 8 CHECK (send_hour BETWEEN 0 AND 23),
    timezone        text NOT NULL DEFAULT 'UTC',
    max_papers      smallint NOT NULL DEFAULT 10 CHECK (max_papers BETWEEN 1 AND 50),
    failures        integer NOT NULL DEFAULT 0,   -- permanent delivery failures in a row
    created         timestamptz NOT NULL DEFAULT now(),
    confirmed       timestamptz,
    unsubscribed    timestamptz
);

-- Saved searches whose new matches get their own section.
CREATE TABLE subscriber_topics (
    id            bigserial PRIMARY KEY,
    subscriber_id bigint NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    query         text NOT NULL CHECK (length(query) BETWEEN 1 AND 250),
    UNIQUE (subscriber_id, query)
);

-- Single-use confirmation tokens, stored hashed.
CREATE TABLE email_tokens (
    token_hash    text PRIMARY KEY,
    subscriber_id bigint NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    purpose       text NOT NULL,
    expires       timestamptz NOT NULL,
    used          timestamptz
);

-- Papers already sent to a subscriber: no paper twice.
CREATE TABLE sent_papers (
    subscriber_id bigint NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    paper_id      text NOT NULL REFERENCES papers (id) ON UPDATE CASCADE ON DELETE CASCADE,
    sent          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subscriber_id, paper_id)
);

-- One row per message. Composing writes rows; senders deliver them (FOR UPDATE SKIP LOCKED)
-- and mark them. One digest per subscriber and period, whatever reruns happen.
CREATE TABLE outbox (
    id            bigserial PRIMARY KEY,
    subscriber_id bigint REFERENCES subscribers (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('confirm', 'digest')),
    period        text NOT NULL,              -- e.g. 2024-11-08 or 2024-W45; a token id for confirm
    recipient     text NOT NULL,
    subject       text NOT NULL,
    message       bytea NOT NULL,             -- the whole RFC 5322 message
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts      integer NOT NULL DEFAULT 0,
    next_attempt  timestamptz NOT NULL DEFAULT now(),
    last_error    text,
    created       timestamptz NOT NULL DEFAULT now(),
    sent          timestamptz,
    UNIQUE (subscriber_id, kind, period)
);
-- Senders claim the oldest pending row: without this, each claim walks past every sent one.
CREATE INDEX outbox_pending ON outbox (id) WHERE status = 'pending';

-- Filtering by day and category (search filters, digest topic windows) without scanning.
CREATE INDEX papers_day_expr ON papers ((coalesce(listed_on, published_at)));
CREATE INDEX papers_categories_gin ON papers USING gin (categories);

-- paperboy: concurrently
-- The sent messages whose text is still kept, by when they went out: what
-- digest/outbox.forget_sent_messages empties after KEEP_DAYS without reading the whole outbox
-- (at 100,000 daily readers it gains 100,000 rows a day). Built while the hub answers.
CREATE INDEX CONCURRENTLY IF NOT EXISTS outbox_sent_kept ON outbox (sent)
    WHERE status = 'sent' AND octet_length(message) > 0;

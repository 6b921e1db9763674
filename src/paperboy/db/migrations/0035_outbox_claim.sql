-- A sender's claim of its next message (digest/send.py), as one statement: the oldest pending
-- message after ``after`` is locked (SKIP LOCKED: concurrent senders take different ones) and
-- marked sent, in a transaction that stays open while the SMTP server answers. A refusal
-- rewrites the row in that same transaction; a crash rolls it back to pending. The sender
-- sends the previous message's COMMIT, BEGIN and this claim in one round trip; as a function,
-- the claim's plan is kept by the server across calls without a prepared statement, which a
-- pooler in transaction mode would not carry from one transaction to the next.
CREATE FUNCTION outbox_claim(after bigint)
RETURNS TABLE (id bigint, subscriber_id bigint, recipient text, message bytea, part_ids bigint[],
               part_at integer[], attempts integer, failures integer)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    UPDATE outbox o SET status = 'sent', sent = now(), attempts = o.attempts + 1, last_error = NULL
    FROM (SELECT c.id AS claimed, coalesce(s.failures, 0) AS failed_before FROM outbox c
          LEFT JOIN subscribers s ON s.id = c.subscriber_id
          WHERE c.status = 'pending' AND c.next_attempt <= now() AND c.id > after
          ORDER BY c.id FOR UPDATE OF c SKIP LOCKED LIMIT 1) k
    WHERE o.id = k.claimed
    RETURNING o.id, o.subscriber_id, o.recipient, o.message, o.part_ids, o.part_at, o.attempts, k.failed_before;
END $$;

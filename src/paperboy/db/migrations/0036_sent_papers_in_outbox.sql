-- What a digest sent is kept on its outbox row (``papers``), not as a row per paper in a table
-- of its own. The table gained a row for every paper of every digest, about 20 a digest: at
-- 100,000 daily readers 2 million rows a day, never deleted, and each row checked against
-- papers and subscribers by a foreign key. Writing them was half of the database's work in
-- composing a run (bench/digest.py: 4.5 s of the database's 8.9 s at 20,000 digests), and a
-- composer read back every paper each reader got in 60 days (1,200 rows a daily reader).
-- The outbox row is written anyway, and kept.
--
-- sent_papers stays as a view, with the same columns: a merged paper's old id is read as the
-- paper it was merged into (paper_aliases), so a merge no longer moves sent papers, and a
-- deleted paper's id is simply never met again.
ALTER TABLE outbox ADD COLUMN papers text[];   -- a digest's papers (digest/compose.py)

-- Only the last 60 days were ever read (digest/compose.recently_sent). A digest's papers were
-- written in the transaction that wrote its row, so they share its time.
UPDATE outbox o SET papers = s.papers
FROM (SELECT subscriber_id, sent, array_agg(paper_id ORDER BY paper_id) AS papers FROM sent_papers
      WHERE sent > now() - interval '60 days' GROUP BY subscriber_id, sent) s
WHERE o.subscriber_id = s.subscriber_id AND o.kind = 'digest' AND o.created = s.sent;

DROP TABLE sent_papers;

CREATE VIEW sent_papers AS
SELECT o.subscriber_id, coalesce(a.paper_id, s.paper_id) AS paper_id, o.created AS sent
FROM outbox o
CROSS JOIN LATERAL unnest(o.papers) AS s (paper_id)
LEFT JOIN paper_aliases a ON a.old_id = s.paper_id
WHERE o.kind = 'digest';

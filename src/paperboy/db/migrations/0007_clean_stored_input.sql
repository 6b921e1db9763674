-- Older versions stored what sources said unchecked. Bring stored papers within the rules
-- every new record now obeys (src/paperboy/papers/limits.py), so an instance that imported
-- hostile data before the upgrade stops serving it.

-- Links: only http(s) URLs without spaces or control characters (javascript:, data:, ...
-- were written into href on every page).
UPDATE papers SET github_repo = NULL
 WHERE github_repo IS NOT NULL
   AND (github_repo !~* '^https?://[^/?#[:space:]]' OR github_repo ~ '[\x01-\x20\x7f-\x9f]'
        OR length(github_repo) > 2000);
UPDATE papers SET project_page = NULL
 WHERE project_page IS NOT NULL
   AND (project_page !~* '^https?://[^/?#[:space:]]' OR project_page ~ '[\x01-\x20\x7f-\x9f]'
        OR length(project_page) > 2000);
UPDATE papers SET pdf_url = NULL
 WHERE pdf_url IS NOT NULL
   AND (pdf_url !~* '^https?://[^/?#[:space:]]' OR pdf_url ~ '[\x01-\x20\x7f-\x9f]'
        OR length(pdf_url) > 2000);

-- Dates outside 1900-01-01 .. 2099-12-31 broke the keyword index and the feed pages.
UPDATE papers SET published_at = NULL
 WHERE published_at NOT BETWEEN DATE '1900-01-01' AND DATE '2099-12-31';
UPDATE papers SET updated_at = NULL
 WHERE updated_at NOT BETWEEN DATE '1900-01-01' AND DATE '2099-12-31';
UPDATE papers SET listed_on = NULL
 WHERE listed_on NOT BETWEEN DATE '1900-01-01' AND DATE '2099-12-31';
DELETE FROM listings WHERE day NOT BETWEEN DATE '1900-01-01' AND DATE '2099-12-31';

-- Control characters XML cannot carry (they made the Atom feeds answer 500).
UPDATE papers SET title = regexp_replace(title, '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]', '', 'g')
 WHERE title ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]';
UPDATE papers SET summary = regexp_replace(summary, '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]', '', 'g')
 WHERE summary ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]';
UPDATE papers SET comment = regexp_replace(comment, '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]', '', 'g')
 WHERE comment ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]';
UPDATE papers
   SET authors = ARRAY(SELECT regexp_replace(a, '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]', '', 'g')
                         FROM unnest(authors) WITH ORDINALITY AS t(a, n) ORDER BY n)
 WHERE array_to_string(authors, ' ') ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]';

-- Oversized text (caps: title 600, abstract 10,000, comment 2,000 characters; 10,000 authors
-- of at most 1,000 characters; 50 categories of at most 200).
UPDATE papers SET title = left(title, 600) WHERE length(title) > 600;
UPDATE papers SET summary = left(summary, 10000) WHERE length(summary) > 10000;
UPDATE papers SET comment = left(comment, 2000) WHERE length(comment) > 2000;
UPDATE papers
   SET authors = ARRAY(SELECT left(a, 1000) FROM unnest(authors) WITH ORDINALITY AS t(a, n)
                        WHERE n <= 10000 ORDER BY n)
 WHERE cardinality(authors) > 10000 OR EXISTS (SELECT 1 FROM unnest(authors) a WHERE length(a) > 1000);
UPDATE papers
   SET categories = ARRAY(SELECT left(c, 200) FROM unnest(categories) WITH ORDINALITY AS t(c, n)
                           WHERE n <= 50 ORDER BY n)
 WHERE cardinality(categories) > 50 OR EXISTS (SELECT 1 FROM unnest(categories) c WHERE length(c) > 200);

-- Counts kept in extra must be counts (negative GitHub stars were stored as given).
UPDATE papers SET extra = extra - 'github_stars'
 WHERE jsonb_typeof(extra -> 'github_stars') = 'number'
   AND ((extra ->> 'github_stars')::numeric < 0 OR (extra ->> 'github_stars')::numeric > 2147483647);
UPDATE papers SET extra = extra - 'num_comments'
 WHERE jsonb_typeof(extra -> 'num_comments') = 'number'
   AND ((extra ->> 'num_comments')::numeric < 0 OR (extra ->> 'num_comments')::numeric > 2147483647);

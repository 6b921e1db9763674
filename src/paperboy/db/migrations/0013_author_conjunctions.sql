-- Scraped author lists keep the "and" of "A, B and C" on the last name ("and Lei Bai"). The
-- parsers now drop it (papers/record.py: clean_author); this fixes what older versions stored,
-- once, on every instance, without a re-import (a re-import would not replace a name list the
-- store already holds). The same rule as clean_author: an "and" or "&" at either end of a
-- name, with the commas around it, goes; a name that is nothing else goes.
UPDATE papers
   SET authors = ARRAY(
         SELECT btrim(regexp_replace(regexp_replace(a, '^[\s,;]*(and|&)\s+', '', 'i'),
                                     '[\s,;]+(and|&)[\s,;]*$', '', 'i'))
           FROM unnest(authors) WITH ORDINALITY AS t(a, n)
          WHERE a !~* '^[\s,;]*(and|&)[\s,;]*$'
          ORDER BY n)
 WHERE EXISTS (SELECT 1 FROM unnest(authors) AS a
                WHERE a ~* '^[\s,;]*(and|&)(\s|[\s,;]*$)' OR a ~* '[\s,;](and|&)[\s,;]*$');

-- Cached pages and exports showed the old names.
UPDATE data_version SET version = version + 1;

-- paperboy: concurrently
-- The papers curators hid, by id: a search's vector probe leaves them out with NOT EXISTS on
-- this (nearly empty) index instead of reading each of its 100 neighbours' rows in papers
-- (1.1 -> 0.3 ms a search at 75,000 papers, bench/search_latency.py). Built while the hub answers.
CREATE INDEX CONCURRENTLY IF NOT EXISTS papers_hidden ON papers (id) WHERE hidden;

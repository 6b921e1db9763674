-- paperboy: concurrently
-- The paper vectors' HNSW graph over half-precision copies of them (pgvector's halfvec, the
-- same graph parameters as 0011): the same recall@10 (0.986 at 75,000 papers), an index of two
-- thirds the size (98 against 152 MB at 75,000; the full-precision one took 2 GB at a million)
-- and a probe 15% faster. Searches order by the expression (search/semantic.py) and return
-- exact distances. Built beside the old index while the hub answers (searches use the old one
-- until this one is valid), which is then dropped.
CREATE INDEX CONCURRENTLY IF NOT EXISTS embeddings_hnsw_half ON embeddings
    USING hnsw ((embedding::halfvec(384)) halfvec_cosine_ops) WITH (m = 32, ef_construction = 128);
DROP INDEX CONCURRENTLY IF EXISTS embeddings_hnsw;

-- A denser HNSW graph for the paper vectors (m 32, ef_construction 128, against pgvector's
-- defaults 16 and 64). Measured with bench/search_latency.py against exact search, recall@10 at
-- ef_search 100: 0.935 -> 0.966 on the 74,728 real arXiv papers, and higher at a million
-- papers too, for about 1 ms more a search. Rebuilding takes about a minute at 75,000 papers
-- and tens of minutes at a million (docs/operations.md, "Upgrades").
DROP INDEX IF EXISTS embeddings_hnsw;
CREATE INDEX embeddings_hnsw ON embeddings USING hnsw (embedding vector_cosine_ops)
    WITH (m = 32, ef_construction = 128);

"""The name and meaning of every setting (the README and docs/settings.md list them all; a
test checks). Where values come from is sources.py; what they become is __init__.py."""

from __future__ import annotations

SETTINGS = {
    "DATABASE_URL": "use this PostgreSQL server (it needs the pgvector extension); "
    "when unset paperboy starts its own embedded server in PAPERBOY_HOME",
    "PAPERBOY_HOME": "data directory (default ~/.local/share/paperboy)",
    "PAPERBOY_HOST": "address serve/demo listen on (default 127.0.0.1)",
    "PAPERBOY_PORT": "port serve/demo listen on (default 8000)",
    "PAPERBOY_RATE_LIMIT": "requests a second one client may make to the web app after a burst of "
    "PAPERBOY_RATE_BURST (default 20; 0 turns the limit off)",
    "PAPERBOY_RATE_BURST": "requests one client may make at once (default 120)",
    "PAPERBOY_BASE_URL": "the address people reach this instance at, used in email links "
    "(default http://127.0.0.1:8000)",
    "PAPERBOY_SECRET_KEY": "signs the links in emails; several keys (spaces or commas) rotate them: the "
    "last signs, all verify; default: generated once and kept in the database",
    "PAPERBOY_SMTP_HOST": "SMTP server for email; when unset, emails are written as .eml files to "
    "PAPERBOY_HOME/outbox",
    "PAPERBOY_SMTP_PORT": "SMTP port (default 587, or 465 with ssl, 25 with none)",
    "PAPERBOY_SMTP_SECURITY": "starttls (default), ssl or none",
    "PAPERBOY_SMTP_USER": "SMTP user name, when the server wants one",
    "PAPERBOY_SMTP_PASSWORD": "SMTP password (never logged)",
    "PAPERBOY_MAIL_FROM": "sender of emails (default paperboy <paperboy@localhost>)",
    "PAPERBOY_SUBSCRIBE_PER_CLIENT": "subscribe requests one client (IP address, or IPv6 /64) may "
    "make in an hour (default 5; 0: no limit)",
    "PAPERBOY_SUBSCRIBE_PER_MAILBOX": "subscribe requests for one mailbox (ignoring +tags and "
    "case) in an hour (default 3; 0: no limit)",
    "PAPERBOY_SUBSCRIBE_PER_DOMAIN": "subscribe requests for addresses of one domain in an hour "
    "(default 50; 0: no limit)",
    "PAPERBOY_SUBSCRIBE_PER_HOUR": "subscribe requests in an hour in all (default 200; 0: no limit)",
    "PAPERBOY_PREFERENCES_LINK_DAYS": "days the preferences link of an email works (default 90)",
    "PAPERBOY_UNSUBSCRIBE_LINK_DAYS": "days the unsubscribe link of an email works (default 365)",
    "PAPERBOY_CACHE_SECONDS": "how often a web worker checks whether stored data changed; public "
    "pages are served from its cache in between (default 1; 0 turns the cache off)",
    "PAPERBOY_CACHE_MB": "the most memory, in MB, one web worker's page cache may hold; the least "
    "recently used pages go first (default 64)",
    "PAPERBOY_TRUSTED_HOSTS": "host names the web app answers to (spaces or commas); other Host "
    "headers get 400 (default: the host of PAPERBOY_BASE_URL, localhost, 127.0.0.1 and ::1; "
    "* allows any)",
    "PAPERBOY_ARXIV_CATEGORIES": "the arXiv categories this instance follows, e.g. "
    "\"cs.CL cs.CV\" (commas or spaces; default none: no arXiv fetching)",
    "PAPERBOY_FETCH_EVERY": "how often `serve` fetches new papers: 30m, 6h, 1d… (default 6h; "
    "off turns the schedule off, e.g. when cron runs `paperboy fetch all`)",
    "PAPERBOY_FETCH_SOURCES": "what the schedule and `fetch all` fetch: hf, arxiv or both "
    "(default \"hf arxiv\"; arxiv only when categories are followed)",
    "PAPERBOY_HF_DAYS": "how many recent days each Hugging Face fetch reads again, to refresh "
    "upvotes (default 3)",
    "PAPERBOY_ARXIV_URL": "the arXiv API's query address (default https://export.arxiv.org/api/query); "
    "fetching and enrichment both use it",
    "PAPERBOY_ENRICH_EVERY": "how often `serve` looks for papers to complete from their sources "
    "(arXiv metadata by id, arXiv ids of papers without one, GitHub stars, the Hub's linked "
    "models, datasets and Spaces): 5m, 1h… (default 10m; off turns "
    "it off, e.g. when cron runs `paperboy enrich`)",
    "PAPERBOY_TOPICS_EVERY": "how often `serve` rebuilds the topics of the last 90 days (the "
    "topic map, /topics): 1h, 6h, 1d… (default 6h; off turns it off, e.g. when cron runs "
    "`paperboy topics build`)",
    "PAPERBOY_FULLTEXT": "which papers get their full text from arXiv's HTML: library (default: "
    "Daily papers and papers members upvoted, saved or imported), daily, all or off",
    "PAPERBOY_FULLTEXT_MAX_GB": "the most stored full text, compressed, in GB (default 10); past it "
    "the oldest texts of papers in no member's library are evicted first",
    "PAPERBOY_ARXIV_HTML_URL": "where arXiv's HTML papers are read, as {this}/{arXiv id} "
    "(default https://arxiv.org/html)",
    "PAPERBOY_HF_URL": "the Hugging Face site whose /api/daily_papers is read "
    "(default https://huggingface.co)",
    "PAPERBOY_ENRICH_SOURCES": "the enrichment sources serve and `paperboy enrich` use: arxiv, "
    "arxiv-title, github, hub (spaces or commas; default all)",
    "PAPERBOY_GITHUB_URL": "GitHub's REST API, asked for the stars of papers' repositories "
    "(default https://api.github.com)",
    "PAPERBOY_GITHUB_TOKEN": "a GitHub token (optional; sent as Authorization: Bearer, never "
    "logged): 5,000 requests an hour instead of 60",
    "PAPERBOY_GITHUB_DELAY": "seconds between two requests to GitHub (default 60 without a token, "
    "1 with one: GitHub's hourly limits)",
    "PAPERBOY_ARXIV_DELAY": "seconds between two requests to arXiv (default 3, as arXiv asks)",
    "PAPERBOY_HF_DELAY": "seconds between two requests to Hugging Face (default 1)",
    "PAPERBOY_FETCH_TIMEOUT": "seconds to wait for a response before retrying (default 30)",
    "PAPERBOY_IMPORT_MAX_MB": "the largest text `paperboy import` reads from one file, in MB, "
    "after decompressing a .gz (default 1024; a bigger file, or a gzip bomb, is refused)",
    "PAPERBOY_SIGNUP": "who may become a member: invite (default: only addresses an admin added), "
    "open (anyone who can receive the sign-in email) or domain:example.org (addresses of these "
    "domains; several separated by commas)",
    "PAPERBOY_SESSION_DAYS": "days a sign-in lasts on one browser (default 30)",
    "PAPERBOY_SUBMIT_PER_DAY": "papers one member may submit to the Daily list a day (default 10; "
    "curators and admins have no limit)",
    "PAPERBOY_VOTES_PER_MINUTE": "upvotes and un-votes one member may make a minute (default 60)",
    "PAPERBOY_COMMENTS_PER_HOUR": "comments and edits one member may post an hour (default 30)",
    "PAPERBOY_IMPORTS_PER_HOUR": "library files one member may import over the web an hour, "
    "counted per web worker (default 10; 0: no limit)",
    "PAPERBOY_FETCH_RETRIES": "retries of a failed request (timeouts, resets, 429, 5xx, broken "
    "pages) before a fetch stops (default 5)",
    "PAPERBOY_FOR_YOU_DAYS": "For you picks among the papers of this many recent days when no "
    "period is asked for (default 14)",
    "PAPERBOY_CONFIG": "a TOML file of settings (keys: these names, or their short lowercase form "
    "such as port or smtp_host); the environment overrides it",
    "PAPERBOY_LOG_LEVEL": "debug, info (default), warning or error: what `serve` logs (other "
    "commands log warnings only unless this is set)",
    "PAPERBOY_LOG_FORMAT": "json (one JSON object a line, for journald, Loki and the like), text "
    "(one readable line an event) or auto (default: text on a terminal, JSON otherwise)",
    "PAPERBOY_DB_SHARED_BUFFERS": "the embedded PostgreSQL's own cache (shared_buffers): auto "
    "(default: 25% of this machine's memory, 128MB to 8GB) or a size such as 2GB; read at its start",
    "PAPERBOY_DB_EFFECTIVE_CACHE_SIZE": "how much memory the embedded PostgreSQL's planner counts "
    "on for caching (effective_cache_size): auto (default: 75% of memory) or a size such as 12GB",
    "PAPERBOY_DB_MAINTENANCE_WORK_MEM": "memory of an index build or vacuum on the embedded "
    "PostgreSQL (maintenance_work_mem): auto (default: 1/6 of memory, 64MB to 4GB) or a size",
    "PAPERBOY_DB_WORK_MEM": "memory of one sort or hash of a query on the embedded PostgreSQL "
    "(work_mem): auto (default: memory/256, 4MB to 32MB) or a size such as 16MB",
    "PAPERBOY_DB_POOLER": "the pool mode of a connection pooler between paperboy and DATABASE_URL's "
    "server (PgBouncer, Supavisor): off (default: none), session, or transaction (no prepared "
    "statements; the jobs' locks become lease rows); statement mode is not supported",
    "PAPERBOY_DB_LEASE_SECONDS": "with PAPERBOY_DB_POOLER=transaction, how long a job's lease "
    "lasts unless its holder renews it (every third of it): a killed holder's job is taken over "
    "this much later (default 60)",
    "PAPERBOY_FORWARDED_ALLOW_IPS": "addresses of the reverse proxies whose X-Forwarded-For and "
    "X-Forwarded-Proto are believed (commas or spaces; default 127.0.0.1; * trusts any sender, "
    "which lets a client that reaches paperboy directly choose its own address)",
    "PAPERBOY_READ_TIMEOUT": "seconds a client may take to send a request's headers, and again "
    "its body (a second more per 50 kB the route takes: a library upload gets 100 s more); a "
    "client that stalls is cut off, so half-sent requests cannot hold connections (default 20)",
    "PAPERBOY_ENCODER": "what computes embeddings: onnx (default: ONNX Runtime, int8 when it "
    "passes its check on this machine, else float32), onnx-fp32 or torch (sentence-transformers); "
    "if ONNX cannot be used, PyTorch is, with a warning",
    "PAPERBOY_MODEL_CACHE": "folder of the ONNX model exported on first use (default "
    "~/.cache/paperboy/models, the user's cache folder)",
}

# Settings never printed in full (`paperboy config` masks them; logs never hold them).
SECRETS = frozenset({"PAPERBOY_SECRET_KEY", "PAPERBOY_SMTP_PASSWORD", "PAPERBOY_GITHUB_TOKEN", "DATABASE_URL"})

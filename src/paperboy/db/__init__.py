"""PostgreSQL: the embedded server (embedded.py), connections (connect.py; behind a pooler:
pooler.py), errors, advisory-lock keys (locks.py; lease rows behind a transaction-mode pooler:
leases.py), pgvector types (vectors.py) and migrations."""

from paperboy.db.connect import Database, open_database
from paperboy.db.errors import DatabaseError

__all__ = ["Database", "DatabaseError", "open_database"]

"""PostgreSQL: the embedded server, connections and migrations."""

from paperboy.db.connect import Database, DatabaseError, open_database

__all__ = ["Database", "DatabaseError", "open_database"]

"""The error every database module raises when PostgreSQL cannot do what paperboy needs.

A module of its own so that connecting (connect.py) and migrating (migrate.py) can both
raise it without importing each other.
"""

from __future__ import annotations


class DatabaseError(Exception):
    """The database cannot be reached or lacks something paperboy needs (a clear, user-facing message)."""

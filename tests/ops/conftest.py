"""Operations tests: a real external PostgreSQL server (pgserver.py), served to every test here."""

from tests.ops.pgserver import (
    external_db,
    external_pg,
    external_pg_without_vector,
    external_replica,
)

__all__ = ["external_db", "external_pg", "external_pg_without_vector", "external_replica"]

"""Operations tests: a real external PostgreSQL server (pgserver.py), and PgBouncer in front of
it (pgbouncer.py), served to every test here."""

from tests.ops.pgbouncer import pgbouncer, pooled_db
from tests.ops.pgserver import (
    external_db,
    external_pg,
    external_pg_without_vector,
    external_replica,
)

__all__ = ["pgbouncer", "pooled_db", "external_db", "external_pg", "external_pg_without_vector", "external_replica"]

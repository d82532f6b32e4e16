"""Triggers that make the points ledger append-only: an UPDATE or a DELETE of an entry or an
allocation is refused by the database itself, whatever code or person sends it."""

from __future__ import annotations

TABLES = ("loyalty_pointentry", "loyalty_pointallocation")
MESSAGE = "the points ledger is append-only: entries are never changed or deleted"


def install(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _install_sql(connection.vendor):
            cursor.execute(statement)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _remove_sql(connection.vendor):
            cursor.execute(statement)


def _install_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        statements = [
            "CREATE OR REPLACE FUNCTION loyalty_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql"
        ]
        statements += [
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION loyalty_append_only()"
            for table in TABLES
        ]
        return statements
    return [
        f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        for table in TABLES
        for action in ("UPDATE", "DELETE")
    ]


def _remove_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in TABLES]
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_{action.lower()}"
        for table in TABLES
        for action in ("UPDATE", "DELETE")
    ]

"""Django's SQLite backend, with a flush that passes the audit trail's append-only guard.

On SQLite a trigger refuses UPDATE and DELETE of audit events, as on PostgreSQL. PostgreSQL flushes with TRUNCATE,
which row triggers do not see; SQLite flushes with DELETE, which they do. So a flush (an owner's operation:
`manage.py flush`, test databases between transactional tests) lifts the delete guard inside its own transaction and
puts it back before committing. Anyone who can run that can drop the trigger anyway; the hash chain (`audit_verify`)
is what detects deleted events.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base, operations

AUDIT_TABLE = "audit_auditevent"
DELETE_GUARD = "audit_event_no_delete"
CREATE_DELETE_GUARD = (
    f"CREATE TRIGGER IF NOT EXISTS {DELETE_GUARD} BEFORE DELETE ON {AUDIT_TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;"
)


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(
        self, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        statements: list[str] = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if AUDIT_TABLE not in tables:
            return statements
        return [f"DROP TRIGGER IF EXISTS {DELETE_GUARD};", *statements, CREATE_DELETE_GUARD]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

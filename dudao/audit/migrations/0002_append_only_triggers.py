"""Refuse changes to audit events in the database itself, not only in the ORM.

PostgreSQL refuses UPDATE and DELETE (TRUNCATE, an owner's operation that test flushes use,
stays possible). SQLite refuses UPDATE only: Django flushes SQLite test databases with DELETE.
Someone with owner rights can drop the triggers anyway; the hash chain (`audit_verify`) is
what detects altered, deleted or truncated events.
"""

from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS audit_event_no_update;"]
POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
       FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;",
    "DROP FUNCTION IF EXISTS audit_event_append_only();",
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]

"""SQLite refuses DELETE of audit events too, as PostgreSQL does (flushes pass through dudao.core.sqlite)."""

from django.db import migrations

from dudao.core.sqlite.base import CREATE_DELETE_GUARD, DELETE_GUARD


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(CREATE_DELETE_GUARD)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {DELETE_GUARD};")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [migrations.RunPython(guard, unguard)]

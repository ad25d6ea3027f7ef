"""Checks behind `/healthz`, kept out of the view: views never touch the database connection."""

from __future__ import annotations

from django.db import connection


def ping_database() -> None:
    """One round trip; raises when the database does not answer."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")

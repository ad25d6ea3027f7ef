"""bench.receipts_load's baseline write, kept out of the views: views never touch the database connection."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone


def insert_bare_row() -> None:
    """The cheapest write a POST can make: one raw insert, no service, no audit."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO notices_outboxmessage (phone, text, kind, status, backend, error, created_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            ["0", "bench", "bench", "sent", "bench", "", timezone.now()],
        )

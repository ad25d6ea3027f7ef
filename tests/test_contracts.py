"""The custom import-linter contract that keeps views and the API off `django.db.connection` (tests/contracts.py)."""

from __future__ import annotations

import pytest

from tests.contracts import forbidden_reaches

FORBIDDEN = frozenset({"django.db.connection", "django.db.connections"})


@pytest.mark.parametrize(
    "source",
    [
        "from django.db import connection",
        "from django.db import transaction, connections as all_connections",
        "def view():\n    from django.db import connection as c\n    c.cursor()",
        "from django import db\n\ndef view():\n    return db.connection.vendor",
        "import django.db\nvendor = django.db.connection.vendor",
        "import django.db as d\nd.connections['default']",
    ],
)
def test_every_way_of_reaching_the_connection_is_reported(source: str) -> None:
    assert forbidden_reaches(source, FORBIDDEN)


@pytest.mark.parametrize(
    "source",
    [
        "from django.db import IntegrityError, transaction\nfrom django.db.models import Count",
        "from django import db\ndb.transaction.atomic()",
        "connection = object()\nconnection.cursor()",
    ],
)
def test_other_database_names_pass(source: str) -> None:
    assert forbidden_reaches(source, FORBIDDEN) == []


def test_the_report_names_the_line() -> None:
    assert forbidden_reaches("import json\nfrom django.db import connection\n", FORBIDDEN) == [
        (2, "django.db.connection")
    ]

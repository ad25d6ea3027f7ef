"""The check submission's SQL budget through the API with a bearer token (as bench.checkin_load submits)."""

from __future__ import annotations

import json
import os

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dudao.accounts.services import create_token
from dudao.health import tables

pytestmark = pytest.mark.django_db


def _submit(city, token, absences, session="morning"):
    client = Client()
    body = {
        "class_id": city.class_a1.pk,
        "date": timezone.localdate().isoformat(),
        "session": session,
        "absences": absences,
    }
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            "/api/v1/health/checks",
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"k-{session}"},
        )
    assert response.status_code == 200, response.content
    if os.environ.get("SHOW_SQL"):
        print(f"\n--- {session}: {len(ctx.captured_queries)} queries")
        for q in ctx.captured_queries:
            print("   ", q["sql"][:300])
    return len(ctx.captured_queries)


def test_a_first_submission_stays_within_its_query_budget(city) -> None:
    """Token (read; last_used_at written at most once a minute), role, class, idempotency key, roster, open
    episodes, school id, then the write (check, absences if any, key; two savepoint statements here inside the
    test's transaction) and, with an illness case, one read for rules 1 and 3. The disease and threshold tables
    come from the process cache. Before: 22, 22 and 23."""
    _, token = create_token(actor=city.user("class_teacher"), name="t")
    ids = [s.pk for s in city.students["a1"]]
    tables.diseases()  # warm, as in a running server
    assert _submit(city, token, [], "morning") == 12
    assert _submit(city, token, [{"student": ids[0], "reason": "other"}], "noon") == 12
    ill = [{"student": ids[1], "reason": "illness", "symptoms": ["fever"], "temperature": 38.2}]
    assert _submit(city, token, ill, "evening") == 13

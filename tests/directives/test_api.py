"""API: list, create, targets, completeness keys, submissions with Idempotency-Key, approve/return/withdraw."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import StreamingHttpResponse
from django.test import Client

from dudao.accounts import services as accounts
from dudao.directives import services
from dudao.directives.models import IdempotencyKey, Submission, SubmissionStatus
from tests.directives.conftest import GOOD_VALUES, STAFFING_SCHEMA, city_directive, in_days
from tests.factories import City

pytestmark = pytest.mark.django_db


def bearer(city: City, role: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(role), name="api")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def test_completeness_answers_exactly_the_six_keys(client: Client, city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    services.submit(
        actor=city.user("principal"),
        submission=Submission.objects.get(directive=directive, unit=city.school_a),
        values=GOOD_VALUES,
    )
    body = client.get(f"/api/v1/directives/{directive.pk}/completeness", **bearer(city, "bureau_staff")).json()
    assert body == {"expected": 3, "submitted": 1, "on_time": 1, "late": 0, "missing": 2, "approved": 0}


def test_district_completeness_counts_only_its_schools(client: Client, city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    body = client.get(f"/api/v1/directives/{directive.pk}/completeness", **bearer(city, "district_admin")).json()
    assert body["expected"] == 2


def test_create_form_and_directive_through_the_api(client: Client, city: City) -> None:
    headers = bearer(city, "bureau_staff")
    form = client.post(
        "/api/v1/forms", {"name": "疫苗接种情况统计", **STAFFING_SCHEMA}, content_type="application/json", **headers
    )
    assert form.status_code == 201, form.content
    published = client.post(f"/api/v1/forms/{form.json()['id']}/publish", **headers).json()
    response = client.post(
        "/api/v1/directives",
        {
            "title": "疫苗接种情况统计",
            "deadline": in_days(4).isoformat(),
            "targets": {"mode": "school_type", "school_types": ["primary"]},
            "form_version": published["latest_version"],
        },
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    targets = client.get(f"/api/v1/directives/{response.json()['id']}/targets", **headers).json()
    assert targets["count"] == 2


def test_submit_with_the_same_idempotency_key_submits_once(client: Client, city: City, form_version) -> None:
    sub = Submission.objects.get(directive=city_directive(city, form_version), unit=city.school_a)
    headers = {**bearer(city, "principal"), "HTTP_IDEMPOTENCY_KEY": "k-1"}
    first = client.post(
        f"/api/v1/submissions/{sub.pk}/submit", {"values": GOOD_VALUES}, content_type="application/json", **headers
    )
    second = client.post(
        f"/api/v1/submissions/{sub.pk}/submit", {"values": GOOD_VALUES}, content_type="application/json", **headers
    )
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert sub.events.filter(action="submit").count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_submit_without_key_twice_is_a_conflict(client: Client, city: City, form_version) -> None:
    sub = Submission.objects.get(directive=city_directive(city, form_version), unit=city.school_a)
    headers = bearer(city, "principal")
    client.post(
        f"/api/v1/submissions/{sub.pk}/submit", {"values": GOOD_VALUES}, content_type="application/json", **headers
    )
    again = client.post(
        f"/api/v1/submissions/{sub.pk}/submit", {"values": GOOD_VALUES}, content_type="application/json", **headers
    )
    assert again.status_code == 409 and again.json()["code"] == "already_submitted"


def test_invalid_values_answer_400_with_the_field_named(client: Client, city: City, form_version) -> None:
    sub = Submission.objects.get(directive=city_directive(city, form_version), unit=city.school_a)
    response = client.post(
        f"/api/v1/submissions/{sub.pk}/submit",
        {"values": {**GOOD_VALUES, "staff": "很多"}},
        content_type="application/json",
        **bearer(city, "principal"),
    )
    assert response.status_code == 400 and "“教职工数”应填数字" in response.json()["detail"]


def test_stale_draft_save_answers_409(client: Client, city: City, form_version) -> None:
    sub = Submission.objects.get(directive=city_directive(city, form_version), unit=city.school_a)
    headers = bearer(city, "principal")
    ok = client.put(
        f"/api/v1/submissions/{sub.pk}",
        {"values": {"staff": 1}, "version": 1},
        content_type="application/json",
        **headers,
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.put(
        f"/api/v1/submissions/{sub.pk}",
        {"values": {"staff": 2}, "version": 1},
        content_type="application/json",
        **headers,
    )
    assert stale.status_code == 409


def test_approve_then_return_then_withdraw_rules_over_the_api(client: Client, city: City, form_version) -> None:
    directive = city_directive(city, form_version, approval_kinds=["district"])
    sub = services.submit(
        actor=city.user("principal"),
        submission=Submission.objects.get(directive=directive, unit=city.school_a),
        values=GOOD_VALUES,
    )
    approved = client.post(f"/api/v1/submissions/{sub.pk}/approve", **bearer(city, "district_admin"))
    assert approved.status_code == 200 and approved.json()["approved_levels"] == 1
    withdraw = client.post(f"/api/v1/submissions/{sub.pk}/withdraw", **bearer(city, "principal"))
    assert withdraw.status_code == 409
    returned = client.post(
        f"/api/v1/submissions/{sub.pk}/return",
        {"comment": "退回修改"},
        content_type="application/json",
        **bearer(city, "bureau_staff"),
    )
    assert returned.json()["status"] == SubmissionStatus.RETURNED


def test_approving_a_report_out_of_scope_answers_404(client: Client, city: City, form_version) -> None:
    sub = services.submit(
        actor=city.user("principal"),
        submission=Submission.objects.get(directive=city_directive(city, form_version), unit=city.school_a),
        values=GOOD_VALUES,
    )
    response = client.post(f"/api/v1/submissions/{sub.pk}/approve", **bearer(city, "district_admin_b"))
    assert response.status_code == 404


def test_export_endpoint_streams_a_workbook(client: Client, city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    response = client.get(f"/api/v1/directives/{directive.pk}/export", **bearer(city, "bureau_staff"))
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse) and response.getvalue()[:2] == b"PK"


def test_ten_thousand_table_rows_are_refused_with_a_clear_bound(client: Client, city: City, form_version) -> None:
    sub = Submission.objects.get(directive=city_directive(city, form_version), unit=city.school_a)
    rows = [{"school": f"学校{i}"} for i in range(10_000)]
    response = client.put(
        f"/api/v1/submissions/{sub.pk}",
        {"values": {"sites": rows}},
        content_type="application/json",
        **bearer(city, "principal"),
    )
    assert response.status_code == 400 and response.json()["code"] == "table_too_many_rows"
    assert "最多填 50 行" in response.json()["detail"]

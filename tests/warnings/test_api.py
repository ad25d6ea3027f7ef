"""/api/v1/unit-tags and /api/v1/warnings (+ /{id}/dispatch)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from dudao.accounts import services as accounts
from dudao.directives.models import Directive
from dudao.orgs.models import UnitTagging
from dudao.warnings.models import WeatherWarning
from tests.factories import City
from tests.warnings.conftest import tag

pytestmark = pytest.mark.django_db


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def post(client, url: str, body: dict[str, Any], headers: dict[str, Any]):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_tags_list_with_counts_and_tagging(client, tagged: City) -> None:
    headers = auth(tagged, "district_admin")
    body = client.get("/api/v1/unit-tags", **headers).json()
    counts = {t["name"]: t["schools"] for t in body["items"]}
    assert counts["地势低洼"] == 1 and counts["河流沿岸"] == 0  # 乙区's school is not counted for 甲区
    low = tag("地势低洼").pk
    answer = post(client, f"/api/v1/unit-tags/{low}/units", {"units": [tagged.school_a2.pk]}, headers)
    assert answer.status_code == 200 and answer.json() == {"changed": 1}
    assert post(client, f"/api/v1/unit-tags/{low}/units", {"units": [tagged.school_a2.pk]}, headers).json() == {
        "changed": 0
    }
    schools = client.get(f"/api/v1/unit-tags/{low}/units", **headers).json()
    assert [s["name"] for s in schools["items"]] == ["甲区第五中学", "甲区实验小学"]
    out = post(client, f"/api/v1/unit-tags/{low}/units", {"units": [tagged.school_b.pk]}, headers)
    assert out.status_code == 404
    removed = post(client, f"/api/v1/unit-tags/{low}/units/remove", {"units": [tagged.school_a2.pk]}, headers)
    assert removed.json() == {"changed": 1}


def test_principal_reads_tags_but_cannot_tag(client, tagged: City) -> None:
    headers = auth(tagged, "principal")
    assert client.get("/api/v1/unit-tags", **headers).status_code == 200
    low = tag("地势低洼").pk
    assert post(client, f"/api/v1/unit-tags/{low}/units", {"units": [tagged.school_a.pk]}, headers).status_code == 403
    assert post(client, "/api/v1/unit-tags", {"name": "新标签"}, headers).status_code == 403
    assert UnitTagging.objects.filter(tag_id=low).count() == 1


def test_define_tag(client, city: City) -> None:
    headers = auth(city, "bureau_staff")
    made = post(client, "/api/v1/unit-tags", {"name": "易积雪路段", "description": "冬季校车绕行"}, headers)
    assert made.status_code == 201 and made.json()["owner"] == city.root.pk
    again = post(client, "/api/v1/unit-tags", {"name": "易积雪路段"}, headers)
    assert again.status_code == 409 and again.json()["code"] == "tag_exists"


def _warning_body(city: City, **overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    body = {
        "kind": "rainstorm",
        "level": "red",
        "starts_at": now.isoformat(),
        "ends_at": (now + dt.timedelta(hours=12)).isoformat(),
        "area": [city.district_a.pk],
        "issuer": "市气象台",
    }
    return body | overrides


def test_enter_adjust_and_dispatch_a_warning_twice(client, tagged: City) -> None:
    headers = auth(tagged, "health_officer")
    made = post(client, "/api/v1/warnings", _warning_body(tagged), headers)
    assert made.status_code == 201, made.content
    warning = made.json()
    assert [s["school_name"] for s in warning["schools"]] == ["甲区第五中学"]
    assert warning["ack_hours"] == 1 and warning["status"] == "draft"
    put = client.put(
        f"/api/v1/warnings/{warning['id']}/schools",
        json.dumps({"schools": [tagged.school_a.pk, tagged.school_a2.pk], "version": warning["version"]}),
        content_type="application/json",
        **headers,
    )
    assert put.status_code == 200 and len(put.json()["schools"]) == 2
    stale = client.put(
        f"/api/v1/warnings/{warning['id']}/schools",
        json.dumps({"schools": [tagged.school_a.pk], "version": warning["version"]}),
        content_type="application/json",
        **headers,
    )
    assert stale.status_code == 409
    first = post(client, f"/api/v1/warnings/{warning['id']}/dispatch", {}, headers)
    assert first.status_code == 200 and first.json()["dispatched_now"] is True
    second = post(client, f"/api/v1/warnings/{warning['id']}/dispatch", {}, headers)
    assert second.status_code == 200 and second.json()["dispatched_now"] is False
    assert second.json()["detail"] == "该预警已经下发过，本次未重复下发"
    assert Directive.objects.count() == 1
    acks = client.get(f"/api/v1/warnings/{warning['id']}/acknowledgements", **headers).json()
    assert (
        acks["total"] == 2 and acks["acknowledged"] == 0 and acks["missing_names"] == ["甲区第五中学", "甲区实验小学"]
    )


def test_bad_warning_input_is_a_clear_400(client, tagged: City) -> None:
    headers = auth(tagged, "health_officer")
    bad = post(client, "/api/v1/warnings", _warning_body(tagged, area=[tagged.district_b.pk]), headers)
    assert bad.status_code == 400 and bad.json()["code"] == "warning_area_out_of_scope"
    reversed_period = _warning_body(tagged, ends_at=(timezone.now() - dt.timedelta(hours=1)).isoformat())
    assert post(client, "/api/v1/warnings", reversed_period, headers).json()["code"] == "warning_period_reversed"
    assert post(client, "/api/v1/warnings", _warning_body(tagged, level="purple"), headers).status_code in (400, 422)
    assert not WeatherWarning.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("principal", 403), ("bureau_leader", 403), ("district_admin_b", 404)])
def test_others_cannot_dispatch(client, tagged: City, role: str, status: int) -> None:
    made = post(client, "/api/v1/warnings", _warning_body(tagged), auth(tagged, "health_officer")).json()
    answer = post(client, f"/api/v1/warnings/{made['id']}/dispatch", {}, auth(tagged, role))
    assert answer.status_code == status
    assert not Directive.objects.exists()

"""/api/v1/appraisal/… and /api/v1/targets: scoped, paged, errors as {"detail", "code"} in Chinese."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dudao.accounts import services as accounts
from dudao.appraisal import services
from dudao.appraisal.models import AppraisalScheme, Objection, Result
from dudao.appraisal.services import TargetIn
from tests.appraisal.conftest import Figures, build_scheme, publish
from tests.factories import City

pytestmark = pytest.mark.django_db


def api(client: Client, city: City, role: str) -> Client:
    _, plain = accounts.create_token(actor=city.user(role), name="appraisal")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {plain}"
    return client


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


A, F, N = 200, 403, 404


@pytest.fixture
def published(city: City, scheme: AppraisalScheme) -> AppraisalScheme:
    return publish(city, scheme)


@pytest.mark.parametrize(
    ("role", "url", "expected"),
    [
        ("bureau_staff", "/api/v1/appraisal/schemes", A),
        ("principal", "/api/v1/appraisal/schemes", A),
        ("class_teacher", "/api/v1/appraisal/schemes", F),
        ("sysadmin", "/api/v1/appraisal/schemes", F),
        ("auditor", "/api/v1/appraisal/objections", F),
        ("principal", "/api/v1/appraisal/schemes/{scheme}/results", A),
        ("district_admin_b", "/api/v1/appraisal/schemes/{scheme}/results", A),
        ("principal", "/api/v1/appraisal/schemes/{draft}", N),
        ("principal", "/api/v1/targets", A),
        ("doctor", "/api/v1/targets", F),
    ],
)
def test_access(client: Client, city: City, published: AppraisalScheme, role: str, url: str, expected: int) -> None:
    draft = build_scheme(city.user("bureau_staff"), city.root, items=[], name="草稿")
    response = api(client, city, role).get(url.format(scheme=published.pk, draft=draft.pk))
    assert response.status_code == expected
    if expected != A:
        assert set(response.json()) >= {"detail", "code"}


def test_clerk_defines_announces_computes_and_publishes_through_the_api(
    client: Client, city: City, figures: Figures
) -> None:
    figures.rate.update({city.school_a.pk: 80, city.school_a2.pk: 100, city.school_b.pk: 60})
    c = api(client, city, "bureau_staff")
    year = timezone.localdate().year
    created = post(
        c,
        "/api/v1/appraisal/schemes",
        {"name": "年度考评", "period_start": f"{year}-01-01", "period_end": f"{year}-12-31", "unit_kind": "school"},
    )
    assert created.status_code == 201
    scheme = created.json()
    item = {"name": "报送", "kind": "live", "weight": 90, "indicator_code": "test.rate", "rule": "linear"}
    added = post(
        c, f"/api/v1/appraisal/schemes/{scheme['id']}/items", {**item, "floor": 50, "target": 100, "version": 1}
    )
    assert added.status_code == 201 and added.json()["weight_total"] == 90
    assert added.json()["items"][0]["rule_text"].startswith("测试报送率（越高越好，统计区间内）：达到 100%得满分 90 分")
    refused = post(c, f"/api/v1/appraisal/schemes/{scheme['id']}/announce", {"version": added.json()["version"]})
    assert refused.status_code == 400 and "各项分值合计为 90 分，应为 100 分" in refused.json()["detail"]
    stale = post(
        c,
        f"/api/v1/appraisal/schemes/{scheme['id']}/items",
        {"name": "x", "kind": "manual", "weight": 10, "version": 1},
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    ok = post(
        c,
        f"/api/v1/appraisal/schemes/{scheme['id']}/items",
        {"name": "实绩", "kind": "manual", "weight": 10, "version": added.json()["version"]},
    )
    version = ok.json()["version"]
    announced = post(c, f"/api/v1/appraisal/schemes/{scheme['id']}/announce", {"version": version})
    assert announced.json()["status"] == "announced"
    computed = post(c, f"/api/v1/appraisal/schemes/{scheme['id']}/compute", {})
    assert computed.json()["units"] == 3
    frozen = post(c, f"/api/v1/appraisal/schemes/{scheme['id']}/freeze", {"version": announced.json()["version"]})
    done = post(c, f"/api/v1/appraisal/schemes/{scheme['id']}/publish", {"version": frozen.json()["version"]})
    assert done.json()["status"] == "published" and done.json()["objection_until"]
    again = post(c, f"/api/v1/appraisal/schemes/{scheme['id']}/compute", {})
    assert again.status_code == 409


def test_results_are_ranked_for_the_bureau_and_rankless_for_units_before_publication(
    client: Client, city: City, scheme: AppraisalScheme
) -> None:
    services.compute(actor=city.user("bureau_staff"), scheme=scheme)
    ranked = api(client, city, "bureau_staff").get(f"/api/v1/appraisal/schemes/{scheme.pk}/results").json()
    assert [(r["unit_name"], r["rank"]) for r in ranked["items"]] == [
        ("甲区实验小学", 1),
        ("甲区第五中学", 2),
        ("乙区第一小学", 3),
    ]
    assert ranked["items"][1]["items"][0]["note"] == "测试报送率 80%（1/1），得 36/60 分"
    own = api(Client(), city, "principal").get(f"/api/v1/appraisal/schemes/{scheme.pk}/results").json()
    assert own["count"] == 1 and own["items"][0]["rank"] is None and own["items"][0]["total"] == 51


def test_results_of_an_earlier_period_through_the_series(client: Client, city: City, scheme: AppraisalScheme) -> None:
    staff = city.user("bureau_staff")
    services.compute(actor=staff, scheme=scheme)
    AppraisalScheme.objects.filter(pk=scheme.pk).update(
        period_start=dt.date(2020, 1, 1), period_end=dt.date(2020, 12, 31)
    )
    follow = build_scheme(staff, city.root, name="下一期", previous=scheme)
    c = api(client, city, "bureau_staff")
    earlier = c.get(f"/api/v1/appraisal/schemes/{follow.pk}/results?period=2020-06").json()
    assert earlier["count"] == 3 and earlier["items"][0]["scheme"] == scheme.pk
    missing = c.get(f"/api/v1/appraisal/schemes/{follow.pk}/results?period=2019")
    assert missing.status_code == 404
    bad = c.get(f"/api/v1/appraisal/schemes/{follow.pk}/results?period=去年")
    assert bad.status_code == 400 and "格式不对" in bad.json()["detail"]


def test_objection_through_the_api_with_a_stale_decision(
    client: Client, city: City, published: AppraisalScheme
) -> None:
    live = published.items.get(name="报送")
    principal = api(client, city, "principal")
    filed = post(
        principal,
        "/api/v1/appraisal/objections",
        {"scheme": published.pk, "unit": city.school_a.pk, "item": live.pk, "reason": "已补报"},
    )
    assert filed.status_code == 201 and filed.json()["status"] == "pending"
    other = post(
        principal,
        "/api/v1/appraisal/objections",
        {"scheme": published.pk, "unit": city.school_b.pk, "item": live.pk, "reason": "x"},
    )
    assert other.status_code == 404
    objection = filed.json()
    staff = api(Client(), city, "bureau_staff")
    stale = post(
        staff,
        f"/api/v1/appraisal/objections/{objection['id']}/decide",
        {"accept": True, "corrected_score": 60, "version": objection["version"], "result_version": 0},
    )
    assert stale.status_code == 409
    assert Objection.objects.get().status == "pending"
    decided = post(
        staff,
        f"/api/v1/appraisal/objections/{objection['id']}/decide",
        {
            "accept": True,
            "corrected_score": 60,
            "note": "属实",
            "version": objection["version"],
            "result_version": objection["result_version"],
        },
    )
    assert decided.status_code == 200 and decided.json()["corrected_score"] == 60
    assert Result.objects.get(scheme=published, unit=city.school_a).total == 75
    listed = principal.get("/api/v1/appraisal/objections?status=accepted").json()
    assert listed["count"] == 1


def test_decision_by_a_principal_is_forbidden(client: Client, city: City, published: AppraisalScheme) -> None:
    result = Result.objects.select_related("scheme", "unit").get(scheme=published, unit=city.school_a)
    objection = services.file_objection(
        actor=city.user("principal"), result=result, item=published.items.get(name="报送"), reason="有误"
    )
    refused = post(
        api(client, city, "principal"),
        f"/api/v1/appraisal/objections/{objection.pk}/decide",
        {"accept": False, "note": "x", "version": 1, "result_version": 1},
    )
    assert refused.status_code == 403


def test_targets_list_with_live_progress_and_signing(client: Client, city: City, figures: Figures) -> None:
    figures.rate[city.school_a.pk] = 95
    services.issue_books(
        actor=city.user("district_admin"),
        issuer=city.district_a,
        year=timezone.localdate().year,
        unit_kind="school",
        title="责任书",
        targets=[TargetIn("报送率不低于 90%", "test.rate", "ge", 90), TargetIn("无安全事故")],
    )
    principal = api(client, city, "principal")
    books = principal.get("/api/v1/targets").json()
    assert books["count"] == 1
    book = books["items"][0]
    assert [(t["current"], t["is_met"]) for t in book["targets"]] == [(95, True), (None, None)]
    signed = post(principal, f"/api/v1/targets/{book['id']}/sign", {"version": book["version"]})
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    district = api(Client(), city, "district_admin").get("/api/v1/targets").json()
    assert district["count"] == 2

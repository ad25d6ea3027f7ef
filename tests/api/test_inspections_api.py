"""/api/v1/frameworks, /rounds, /inspections (per-school checklists) and /findings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from dudao.accounts import services as accounts
from dudao.inspections import services
from dudao.inspections.frameworks import IndicatorInput, save_indicator
from dudao.inspections.models import Inspection, InspectionKind, Target
from tests.factories import City
from tests.inspections.factories import (
    answer_checklist,
    build_framework,
    indicator,
    picture,
    plan_round,
    submit_checklist,
    target_of,
)

pytestmark = pytest.mark.django_db

ADMIN_TRIAD = ["sysadmin", "security_officer", "auditor"]


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def post_json(client: Client, url: str, data: dict[str, Any], headers: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json", **headers)


def jpeg(name: str = "现场.jpg", variant: int = 0) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, picture(variant), content_type="image/jpeg")


# ---------------------------------------------------------------- frameworks


def test_framework_detail_shows_current_version_sections_and_indicators(client: Client, city: City) -> None:
    framework = build_framework(city)
    plan_round(city, framework=framework)  # the edition is now in use: the next edit starts version 2
    save_indicator(
        actor=city.user("bureau_staff"), framework=framework, data=IndicatorInput(section="档案", text="档案齐全")
    )
    data = client.get(f"/api/v1/frameworks/{framework.pk}", **auth(city, "principal")).json()
    assert data["version"] == 2
    assert [s["title"] for s in data["sections"]] == ["校园环境", "宣传氛围", "档案"]
    first = data["sections"][0]["indicators"][0]
    assert first["code"] == "1.1" and first["evidence_required"] is True and first["method"] == "pass_fail"
    deduct = data["sections"][0]["indicators"][1]
    assert (deduct["max_score"], deduct["deduct_per"], deduct["weight"]) == (10.0, 2.0, 2.0)
    assert data["sections"][1]["indicators"][1]["school_types"] == ["primary"]


def test_framework_detail_shows_an_earlier_edition_on_request(client: Client, city: City) -> None:
    framework = build_framework(city)
    plan_round(city, framework=framework)
    save_indicator(
        actor=city.user("bureau_staff"), framework=framework, data=IndicatorInput(section="档案", text="档案齐全")
    )
    headers = auth(city, "inspector")
    first = client.get(f"/api/v1/frameworks/{framework.pk}?version=1", **headers).json()
    assert first["version"] == 1 and [s["title"] for s in first["sections"]] == ["校园环境", "宣传氛围"]
    assert client.get(f"/api/v1/frameworks/{framework.pk}?version=9", **headers).status_code == 404


def test_framework_list_gives_current_version_number(client: Client, city: City) -> None:
    framework = build_framework(city)
    data = client.get("/api/v1/frameworks", **auth(city, "district_admin")).json()
    assert data["count"] == 1
    assert data["items"][0].items() >= {"id": framework.pk, "name": "文明校园测评", "version": 1}.items()


def test_frameworks_without_token_are_401(client: Client, city: City) -> None:
    assert client.get("/api/v1/frameworks").status_code == 401


def test_class_teacher_may_not_read_frameworks(client: Client, city: City) -> None:
    response = client.get("/api/v1/frameworks", **auth(city, "class_teacher"))
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_framework_kept_by_other_district_is_404(client: Client, city: City) -> None:
    framework = build_framework(city, unit=city.district_a, actor=city.user("inspector"))
    response = client.get(f"/api/v1/frameworks/{framework.pk}", **auth(city, "district_admin_b"))
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.parametrize("role", ADMIN_TRIAD)
@pytest.mark.parametrize("url", ["/api/v1/frameworks", "/api/v1/rounds", "/api/v1/inspections", "/api/v1/findings"])
def test_admin_triad_reads_no_inspection_data(client: Client, city: City, role: str, url: str) -> None:
    submit_checklist(city, target_of(plan_round(city), city.school_a))
    response = client.get(url, **auth(city, role))
    assert response.status_code == 403 and set(response.json()) >= {"detail", "code"}


# ---------------------------------------------------------------- rounds


def round_payload(city: City, framework_id: int, **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "name": "2026年秋季文明校园测评",
        "kind": "field",
        "unit": city.district_a.pk,
        "framework": framework_id,
        "schools": [city.school_a.pk, city.school_a2.pk],
        "starts_on": str(today),
        "ends_on": str(today + dt.timedelta(days=7)),
        "assessment_on": str(today + dt.timedelta(days=30)),
        **extra,
    }


def test_district_admin_plans_round_over_own_schools(client: Client, city: City) -> None:
    framework = build_framework(city)
    response = post_json(client, "/api/v1/rounds", round_payload(city, framework.pk), auth(city, "district_admin"))
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["unit"] == city.district_a.pk and data["schools"] == 2 and data["status"] == "planned"
    assert data["framework"] == framework.pk and data["framework_version_number"] == 1
    assert set(Target.objects.filter(inspection_id=data["id"]).values_list("school_id", flat=True)) == {
        city.school_a.pk,
        city.school_a2.pk,
    }


def test_class_teacher_cannot_plan_round(client: Client, city: City) -> None:
    framework = build_framework(city)
    response = post_json(client, "/api/v1/rounds", round_payload(city, framework.pk), auth(city, "class_teacher"))
    assert response.status_code == 403
    assert not Inspection.objects.exists()


def test_planning_in_another_district_is_404(client: Client, city: City) -> None:
    framework = build_framework(city)
    response = post_json(client, "/api/v1/rounds", round_payload(city, framework.pk), auth(city, "district_admin_b"))
    assert response.status_code == 404
    assert not Inspection.objects.exists()


def test_planning_with_a_school_outside_scope_is_404(client: Client, city: City) -> None:
    framework = build_framework(city)
    payload = round_payload(city, framework.pk, schools=[city.school_a.pk, city.school_b.pk])
    response = post_json(client, "/api/v1/rounds", payload, auth(city, "district_admin"))
    assert response.status_code == 404 and str(city.school_b.pk) in response.json()["detail"]


def test_planning_with_end_before_start_is_400_in_chinese(client: Client, city: City) -> None:
    framework = build_framework(city)
    payload = round_payload(city, framework.pk, ends_on="2020-01-01")
    response = post_json(client, "/api/v1/rounds", payload, auth(city, "district_admin"))
    assert response.status_code == 400
    assert response.json() == {"detail": "结束日期不能早于开始日期", "code": "invalid_dates"}


def test_rounds_filter_by_kind_and_status(client: Client, city: City) -> None:
    framework = build_framework(city)
    field = plan_round(city, framework=framework)
    mock = plan_round(city, framework=framework, kind=InspectionKind.MOCK)
    Inspection.objects.filter(pk=mock.pk).update(status="finished")
    headers = auth(city, "inspector")
    assert [r["id"] for r in client.get("/api/v1/rounds?kind=field", **headers).json()["items"]] == [field.pk]
    assert [r["id"] for r in client.get("/api/v1/rounds?status=finished", **headers).json()["items"]] == [mock.pk]
    assert client.get("/api/v1/rounds?kind=nonsense", **headers).status_code == 400


def test_rounds_filter_by_unit_includes_rounds_inspecting_schools_inside(client: Client, city: City) -> None:
    framework = build_framework(city)
    over_a = plan_round(city, framework=framework, schools=[city.school_a])
    plan_round(city, framework=framework, schools=[city.school_b])
    data = client.get(f"/api/v1/rounds?unit={city.district_a.pk}", **auth(city, "inspector")).json()
    assert [r["id"] for r in data["items"]] == [over_a.pk]


def test_round_of_other_district_is_404(client: Client, city: City) -> None:
    inspection = plan_round(city, schools=[city.school_a])
    assert client.get(f"/api/v1/rounds/{inspection.pk}", **auth(city, "principal")).status_code == 200
    assert client.get(f"/api/v1/rounds/{inspection.pk}", **auth(city, "district_admin_b")).status_code == 404


def test_unannounced_round_is_invisible_to_the_school_until_published(client: Client, city: City) -> None:
    inspection = plan_round(city, kind=InspectionKind.UNANNOUNCED, schools=[city.school_a])
    headers = auth(city, "principal")

    def visible() -> tuple[list[int], list[int], int]:
        rounds = [r["id"] for r in client.get("/api/v1/rounds", **headers).json()["items"]]
        checklists = [t["round"] for t in client.get("/api/v1/inspections", **headers).json()["items"]]
        return rounds, checklists, client.get(f"/api/v1/rounds/{inspection.pk}", **headers).status_code

    assert visible() == ([], [], 404)
    submit_checklist(city, target_of(inspection, city.school_a))
    assert visible() == ([], [], 404)
    services.publish_results(actor=city.user("inspector"), inspection=inspection)
    assert visible() == ([inspection.pk], [inspection.pk], 200)


# ---------------------------------------------------------------- checklists


def test_checklists_list_filters_by_round_school_and_status(client: Client, city: City) -> None:
    inspection = plan_round(city)
    submit_checklist(city, target_of(inspection, city.school_a))
    headers = auth(city, "inspector")
    data = client.get(f"/api/v1/inspections?round={inspection.pk}", **headers).json()
    assert data["count"] == 2
    row = next(t for t in data["items"] if t["school"] == city.school_a.pk)
    assert (
        row.items()
        >= {"round": inspection.pk, "kind": "field", "school_name": "甲区第五中学", "status": "submitted"}.items()
    )
    assert row["score"] is not None and row["max_score"] is not None and row["version"] == 2
    pending = client.get("/api/v1/inspections?status=pending", **headers).json()["items"]
    assert [t["school"] for t in pending] == [city.school_a2.pk]
    by_school = client.get(f"/api/v1/inspections?school={city.school_a2.pk}", **headers).json()["items"]
    assert [t["school"] for t in by_school] == [city.school_a2.pk]


def test_checklist_of_other_district_is_404(client: Client, city: City) -> None:
    target = target_of(plan_round(city), city.school_a)
    assert client.get(f"/api/v1/inspections/{target.pk}", **auth(city, "district_admin")).status_code == 200
    assert client.get(f"/api/v1/inspections/{target.pk}", **auth(city, "district_admin_b")).status_code == 404
    assert client.get(f"/api/v1/inspections/{target.pk}/answers", **auth(city, "district_admin_b")).status_code == 404


def test_inspector_saves_answer_and_reads_it_back(client: Client, city: City) -> None:
    target = target_of(plan_round(city), city.school_a)
    deduct = indicator(target, "1.2")
    headers = auth(city, "inspector")
    url = f"/api/v1/inspections/{target.pk}/answers"
    response = post_json(
        client, url, {"indicator": deduct.pk, "result": "fail", "occurrences": 3, "note": "东门"}, headers
    )
    assert response.status_code == 200, response.json()
    assert response.json().items() >= {"result": "fail", "occurrences": 3, "status": "in_progress"}.items()
    rows = client.get(url, **headers).json()
    assert rows["count"] == 3  # 五中 is not a primary school: 2.2 does not apply
    row = next(r for r in rows["items"] if r["indicator"] == deduct.pk)
    assert row.items() >= {"code": "1.2", "result": "fail", "occurrences": 3, "note": "东门", "score": 4.0}.items()


def test_answer_to_indicator_of_another_framework_is_400(client: Client, city: City) -> None:
    target = target_of(plan_round(city), city.school_a)
    other = build_framework(city, name="校园安全隐患排查")
    response = post_json(
        client,
        f"/api/v1/inspections/{target.pk}/answers",
        {"indicator": indicator(other, "1.1").pk, "result": "pass"},
        auth(city, "inspector"),
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "该指标不属于本轮使用的测评体系版本", "code": "indicator_not_in_framework"}


def test_answer_with_unknown_result_is_400_in_chinese(client: Client, city: City) -> None:
    target = target_of(plan_round(city), city.school_a)
    response = post_json(
        client,
        f"/api/v1/inspections/{target.pk}/answers",
        {"indicator": indicator(target, "1.1").pk, "result": "maybe"},
        auth(city, "inspector"),
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_result"


def test_principal_cannot_fill_a_field_inspection_checklist(client: Client, city: City) -> None:
    target = target_of(plan_round(city), city.school_a)
    response = post_json(
        client,
        f"/api/v1/inspections/{target.pk}/answers",
        {"indicator": indicator(target, "1.1").pk, "result": "pass"},
        auth(city, "principal"),
    )
    assert response.status_code == 403


def test_inspector_uploads_a_photo_for_an_indicator(client: Client, city: City) -> None:
    target = target_of(plan_round(city), city.school_a)
    item = indicator(target, "1.1")
    response = client.post(
        f"/api/v1/inspections/{target.pk}/photos",
        {"file": jpeg(), "indicator": item.pk, "latitude": "28.68", "longitude": "115.86"},
        **auth(city, "inspector"),
    )
    assert response.status_code == 201, response.json()
    assert response.json().items() >= {"indicator": item.pk, "latitude": 28.68, "longitude": 115.86}.items()
    answers = client.get(f"/api/v1/inspections/{target.pk}/answers", **auth(city, "inspector")).json()["items"]
    assert next(r for r in answers if r["indicator"] == item.pk)["photos"] == [response.json()["id"]]


def test_photo_that_is_a_pdf_is_400(client: Client, city: City) -> None:
    target = target_of(plan_round(city), city.school_a)
    pdf = SimpleUploadedFile("现场.jpg", b"%PDF-1.7\n1 0 obj <<>> endobj\n", content_type="image/jpeg")
    response = client.post(f"/api/v1/inspections/{target.pk}/photos", {"file": pdf}, **auth(city, "inspector"))
    assert response.status_code == 400
    assert response.json()["code"] == "upload_type_refused" and "不是允许的类型" in response.json()["detail"]
    assert not target.photos.exists()


def test_photo_over_the_size_limit_is_400(client: Client, city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "PHOTO_MAX_BYTES", 1024)
    target = target_of(plan_round(city), city.school_a)
    response = client.post(f"/api/v1/inspections/{target.pk}/photos", {"file": jpeg()}, **auth(city, "inspector"))
    assert response.status_code == 400
    assert response.json()["code"] == "upload_too_large" and "上限" in response.json()["detail"]


def test_photo_without_file_is_400(client: Client, city: City) -> None:
    target = target_of(plan_round(city), city.school_a)
    response = client.post(f"/api/v1/inspections/{target.pk}/photos", {}, **auth(city, "inspector"))
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"


def test_submit_turns_failed_indicators_into_findings(client: Client, city: City) -> None:
    inspection = plan_round(city)
    target = target_of(inspection, city.school_a)
    answer_checklist(target, actor=city.user("inspector"), fail=("1.1", "1.2"))
    headers = auth(city, "inspector")
    response = post_json(client, f"/api/v1/inspections/{target.pk}/submit", {"version": 1}, headers)
    assert response.status_code == 200, response.json()
    assert response.json().items() >= {"findings": 2, "status": "submitted", "version": 2}.items()
    findings = client.get(f"/api/v1/findings?inspection={inspection.pk}", **headers).json()
    assert findings["count"] == 2
    assert all(f["item"] is not None and f["target"] == target.pk for f in findings["items"])


def test_submit_without_body_is_allowed(client: Client, city: City) -> None:
    target = target_of(plan_round(city), city.school_a)
    answer_checklist(target, actor=city.user("inspector"))
    response = client.post(
        f"/api/v1/inspections/{target.pk}/submit", content_type="application/json", **auth(city, "inspector")
    )
    assert response.status_code == 200 and response.json()["findings"] == 0


def test_submit_with_a_form_body_is_400(client: Client, city: City) -> None:
    target = target_of(plan_round(city), city.school_a)
    answer_checklist(target, actor=city.user("inspector"))
    response = client.post(f"/api/v1/inspections/{target.pk}/submit", {"version": "1"}, **auth(city, "inspector"))
    assert response.status_code == 400 and response.json()["code"] == "json_required"
    assert Target.objects.get(pk=target.pk).status != "submitted"


def test_submit_with_unanswered_indicators_is_400(client: Client, city: City) -> None:
    target = target_of(plan_round(city), city.school_a)
    response = post_json(client, f"/api/v1/inspections/{target.pk}/submit", {}, auth(city, "inspector"))
    assert response.status_code == 400 and response.json()["code"] == "answers_missing"
    assert "未评定" in response.json()["detail"]


def test_submit_with_stale_version_is_409(client: Client, city: City) -> None:
    target = target_of(plan_round(city), city.school_a)
    answer_checklist(target, actor=city.user("inspector"))
    response = post_json(client, f"/api/v1/inspections/{target.pk}/submit", {"version": 7}, auth(city, "inspector"))
    assert response.status_code == 409 and response.json()["code"] == "stale_version"
    assert Target.objects.get(pk=target.pk).status != "submitted"


def test_submitting_twice_is_409_in_chinese(client: Client, city: City) -> None:
    target = target_of(plan_round(city), city.school_a)
    submit_checklist(city, target)
    response = post_json(client, f"/api/v1/inspections/{target.pk}/submit", {}, auth(city, "inspector"))
    assert response.status_code == 409
    assert response.json() == {"detail": "该校测评表已提交，不能再修改", "code": "already_submitted"}


def test_extra_finding_waits_for_submission_then_enters_the_ledger(client: Client, city: City) -> None:
    target = target_of(plan_round(city), city.school_a)
    headers = auth(city, "inspector")
    photo = client.post(f"/api/v1/inspections/{target.pk}/photos", {"file": jpeg()}, **headers).json()
    payload = {"category": "周边环境", "description": "校门口占道经营", "severity": "serious", "photos": [photo["id"]]}
    response = post_json(client, f"/api/v1/inspections/{target.pk}/findings", payload, headers)
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created.items() >= {"category": "周边环境", "severity": "serious", "item": None, "indicator": None}.items()
    assert created["photo_files"] == [photo["file"]]
    answer_checklist(target, actor=city.user("inspector"))
    submitted = post_json(client, f"/api/v1/inspections/{target.pk}/submit", {}, headers).json()
    assert submitted["findings"] == 1
    assert client.get(f"/api/v1/findings/{created['id']}", **headers).json()["item"] is not None


# ---------------------------------------------------------------- findings


def test_findings_filter_by_school_and_category(client: Client, city: City) -> None:
    inspection = plan_round(city, schools=[city.school_a, city.school_b])
    submit_checklist(city, target_of(inspection, city.school_a), fail=("1.1", "2.1"))
    submit_checklist(city, target_of(inspection, city.school_b), fail=("1.1",))
    headers = auth(city, "inspector")
    in_a = client.get(f"/api/v1/findings?school={city.school_a.pk}", **headers).json()
    assert in_a["count"] == 2 and {f["school"] for f in in_a["items"]} == {city.school_a.pk}
    propaganda = client.get("/api/v1/findings?category=宣传氛围", **headers).json()
    assert [f["school_name"] for f in propaganda["items"]] == ["甲区第五中学"]


def test_findings_are_scoped_to_the_district(client: Client, city: City) -> None:
    inspection = plan_round(city, schools=[city.school_a, city.school_b])
    findings = submit_checklist(city, target_of(inspection, city.school_a))
    headers = auth(city, "district_admin_b")
    assert client.get("/api/v1/findings", **headers).json()["count"] == 0
    assert client.get(f"/api/v1/findings/{findings[0].pk}", **headers).status_code == 404
    assert client.get(f"/api/v1/findings?school={city.school_a.pk}", **headers).status_code == 404


def test_school_fills_its_own_self_inspection(client: Client, city: City) -> None:
    inspection = plan_round(
        city, kind=InspectionKind.SELF, schools=[city.school_a], actor=city.user("district_admin"), unit=city.district_a
    )
    target = target_of(inspection, city.school_a)
    payload = {"indicator": indicator(target, "1.1").pk, "result": "pass"}
    response = post_json(client, f"/api/v1/inspections/{target.pk}/answers", payload, auth(city, "principal"))
    assert response.status_code == 200, response.json()


def test_revisit_takes_the_previous_framework_and_schools_with_open_findings(client: Client, city: City) -> None:
    first = plan_round(city, schools=[city.school_a, city.school_a2])
    submit_checklist(city, target_of(first, city.school_a), fail=("1.1",))
    submit_checklist(city, target_of(first, city.school_a2), fail=())
    today = timezone.localdate()
    payload = {
        "name": "回头看",
        "kind": "revisit",
        "unit": city.root.pk,
        "previous": first.pk,
        "starts_on": str(today),
        "ends_on": str(today + dt.timedelta(days=3)),
    }
    response = post_json(client, "/api/v1/rounds", payload, auth(city, "inspector"))
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["previous"], data["framework_version"], data["schools"]) == (first.pk, first.framework_version_id, 1)
    target = Target.objects.get(inspection_id=data["id"])
    answers = client.get(f"/api/v1/inspections/{target.pk}/answers", **auth(city, "inspector")).json()["items"]
    prefilled = [a for a in answers if a["previous_finding"] is not None]
    assert [(a["code"], a["result"]) for a in prefilled] == [("1.1", "fail")]


def test_round_without_framework_is_400(client: Client, city: City) -> None:
    build_framework(city)
    payload = round_payload(city, 0)
    del payload["framework"]
    response = post_json(client, "/api/v1/rounds", payload, auth(city, "district_admin"))
    assert response.status_code == 400 and response.json()["code"] == "framework_required"


def test_openapi_explains_rounds_and_per_school_inspections(client: Client, db: None) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert {
        "/api/v1/rounds",
        "/api/v1/inspections/{target_id}/submit",
        "/api/v1/rectifications/{item_id}/verify",
    } <= set(spec["paths"])
    assert "`/inspections` 是某一轮中某一所学校的测评表" in spec["info"]["description"]


# ---------------------------------------------------------------- access matrix and query counts

READERS = {"bureau_leader", "bureau_staff", "inspector", "district_admin", "principal", "school_staff"}
ROLES = [*sorted(READERS), "district_admin_b", "class_teacher", "counsellor", "doctor", *ADMIN_TRIAD, "nobody"]
# endpoint → roles answered 404 (object outside their subtree); READERS not listed get 200, everyone else 403.
ENDPOINTS: dict[str, set[str]] = {
    "/api/v1/frameworks": set(),
    "/api/v1/frameworks/{framework}": set(),
    "/api/v1/rounds": set(),
    "/api/v1/rounds/{round}": set(),
    "/api/v1/inspections": set(),
    "/api/v1/inspections/{target_a}": set(),
    "/api/v1/inspections/{target_a}/answers": set(),
    "/api/v1/inspections/{target_b}": {"district_admin", "principal", "school_staff"},
    "/api/v1/findings": set(),
    "/api/v1/findings/{finding_b}": {"district_admin", "principal", "school_staff"},
}
CELLS = [(role, endpoint) for endpoint in ENDPOINTS for role in ROLES]


@pytest.mark.parametrize(("role", "endpoint"), CELLS, ids=[f"{r}-{e}" for r, e in CELLS])
def test_token_access_matrix(client: Client, city: City, role: str, endpoint: str) -> None:
    framework = build_framework(city)
    inspection = plan_round(city, framework=framework, schools=[city.school_a, city.school_b])
    target_a, target_b = target_of(inspection, city.school_a), target_of(inspection, city.school_b)
    findings_b = submit_checklist(city, target_b)
    ids = {
        "framework": framework.pk,
        "round": inspection.pk,
        "target_a": target_a.pk,
        "target_b": target_b.pk,
        "finding_b": findings_b[0].pk,
    }
    expected = 404 if role in ENDPOINTS[endpoint] else 200 if role in READERS else 403
    # 乙区's administrator reads the round (it inspects 乙区) but not 甲区's checklist.
    if role == "district_admin_b":
        expected = 404 if "{target_a}" in endpoint else 200
    response = client.get(endpoint.format(**ids), **auth(city, role))
    assert response.status_code == expected, response.json()


def test_lists_take_a_constant_number_of_queries(
    client: Client, city: City, django_assert_max_num_queries: Any
) -> None:
    inspection = plan_round(city, schools=[city.school_a, city.school_a2, city.school_b])
    for target in inspection.targets.select_related("inspection", "school"):
        submit_checklist(city, target, fail=("1.1", "1.2", "2.1"))
    headers = auth(city, "inspector")
    client.get("/api/v1/me", **headers)  # token last-used stamp out of the way
    for url in ("/api/v1/rounds", "/api/v1/inspections", "/api/v1/findings", "/api/v1/frameworks"):
        with django_assert_max_num_queries(7):
            assert client.get(url, **headers).status_code == 200

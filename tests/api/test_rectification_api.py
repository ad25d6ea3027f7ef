"""/api/v1/rectifications: the ledger, one item's timeline, 四定, progress and 销号 through the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from dudao.accounts import services as accounts
from dudao.rectification import services
from dudao.rectification.models import ItemStatus, RectificationItem
from tests.factories import City, UserFactory, assign
from tests.inspections.factories import ledger_item, picture, plan_round, submit_checklist, target_of, upload

pytestmark = pytest.mark.django_db

ADMIN_TRIAD = ["sysadmin", "security_officer", "auditor"]


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def post_json(client: Client, url: str, data: dict[str, Any], headers: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json", **headers)


def jpeg(variant: int, name: str = "") -> SimpleUploadedFile:
    return SimpleUploadedFile(name or f"after{variant}.jpg", picture(variant), content_type="image/jpeg")


def url(item: RectificationItem, action: str = "") -> str:
    return f"/api/v1/rectifications/{item.pk}" + (f"/{action}" if action else "")


def fresh(item: RectificationItem) -> RectificationItem:
    return RectificationItem.objects.get(pk=item.pk)


# Owners in these tests are the school doctor: a class teacher's role sits on a class, below the school, so
# the services refuse a class teacher's progress on a school's item (reported).
OWNER = "doctor"


def owned_item(city: City) -> RectificationItem:
    return ledger_item(city, owner=OWNER)


def awaiting_verification(city: City) -> RectificationItem:
    """An item at 五中 whose owner has asked for close-out."""
    item = owned_item(city)
    services.request_closeout(
        actor=city.user(OWNER), item=item, text="已修复", photos=[upload(5)], version=item.version
    )
    return fresh(item)


# ---------------------------------------------------------------- reading the ledger


def test_principal_reads_the_ledger_with_the_four_fixes(client: Client, city: City) -> None:
    item = owned_item(city)
    data = client.get("/api/v1/rectifications", **auth(city, "principal")).json()
    assert data["count"] == 1
    row = data["items"][0]
    assert (
        row.items()
        >= {
            "id": item.pk,
            "school": city.school_a.pk,
            "school_name": "甲区第五中学",
            "finding": item.finding_id,
            "inspection": item.inspection_id,
            "owner": city.user(OWNER).pk,
            "owner_name": city.user(OWNER).full_name,
            "responsibility": "总务处维修破损设施",
            "due_date": str(item.due_date),
            "due_limit": str(item.due_limit),
            "progress": 0,
            "status": "open",
            "is_overdue": False,
            "version": item.version,
        }.items()
    )


def test_ledger_without_token_is_401(client: Client, city: City) -> None:
    assert client.get("/api/v1/rectifications").status_code == 401


@pytest.mark.parametrize("role", ADMIN_TRIAD)
def test_admin_triad_reads_no_ledger(client: Client, city: City, role: str) -> None:
    item = owned_item(city)
    assert client.get("/api/v1/rectifications", **auth(city, role)).status_code == 403
    assert client.get(url(item), **auth(city, role)).status_code == 403


def test_item_of_another_district_is_404(client: Client, city: City) -> None:
    item = owned_item(city)
    headers = auth(city, "district_admin_b")
    assert client.get(url(item), **headers).status_code == 404
    assert client.get("/api/v1/rectifications", **headers).json()["count"] == 0
    response = post_json(client, url(item, "verify"), {"version": item.version}, headers)
    assert response.status_code == 404 and fresh(item).status == ItemStatus.OPEN


def test_ledger_filters_overdue(client: Client, city: City) -> None:
    inspection = plan_round(city, schools=[city.school_a])
    submit_checklist(city, target_of(inspection, city.school_a), fail=("1.1", "1.2"))
    late, on_time = RectificationItem.objects.order_by("id")
    RectificationItem.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - dt.timedelta(days=2))
    headers = auth(city, "district_admin")
    overdue = client.get("/api/v1/rectifications?overdue=true", **headers).json()["items"]
    assert [(i["id"], i["is_overdue"], i["days_overdue"]) for i in overdue] == [(late.pk, True, 2)]
    not_overdue = client.get("/api/v1/rectifications?overdue=false", **headers).json()["items"]
    assert [i["id"] for i in not_overdue] == [on_time.pk]


def test_ledger_filters_status(client: Client, city: City) -> None:
    item = awaiting_verification(city)
    headers = auth(city, "inspector")
    waiting = client.get("/api/v1/rectifications?status=awaiting_verification", **headers).json()["items"]
    assert [i["id"] for i in waiting] == [item.pk]
    assert client.get("/api/v1/rectifications?status=open", **headers).json()["count"] == 0
    assert client.get("/api/v1/rectifications?status=done", **headers).status_code == 400


def test_ledger_filters_school_by_subtree(client: Client, city: City) -> None:
    inspection = plan_round(city, schools=[city.school_a, city.school_b])
    submit_checklist(city, target_of(inspection, city.school_a), fail=("1.1",))
    submit_checklist(city, target_of(inspection, city.school_b), fail=("1.1", "1.2"))
    headers = auth(city, "inspector")
    in_b = client.get(f"/api/v1/rectifications?school={city.school_b.pk}", **headers).json()
    assert in_b["count"] == 2 and {i["school"] for i in in_b["items"]} == {city.school_b.pk}
    in_district_a = client.get(f"/api/v1/rectifications?school={city.district_a.pk}", **headers).json()
    assert [i["school"] for i in in_district_a["items"]] == [city.school_a.pk]
    by_round = client.get(f"/api/v1/rectifications?inspection={inspection.pk}", **headers).json()
    assert by_round["count"] == 3


def test_ledger_filter_on_a_school_outside_scope_is_404(client: Client, city: City) -> None:
    ledger_item(city)
    response = client.get(f"/api/v1/rectifications?school={city.school_b.pk}", **auth(city, "principal"))
    assert response.status_code == 404


def test_ledger_filters_owner_and_category(client: Client, city: City) -> None:
    item = owned_item(city)
    headers = auth(city, "principal")
    owner = city.user(OWNER).pk
    assert client.get(f"/api/v1/rectifications?owner={owner}", **headers).json()["count"] == 1
    other = city.user("counsellor").pk
    assert client.get(f"/api/v1/rectifications?owner={other}", **headers).json()["count"] == 0
    assert client.get(f"/api/v1/rectifications?category={item.category}", **headers).json()["count"] == 1
    assert client.get("/api/v1/rectifications?category=食品安全", **headers).json()["count"] == 0


def test_item_detail_has_timeline_and_photo_ids(client: Client, city: City) -> None:
    item = awaiting_verification(city)
    data = client.get(url(item), **auth(city, "inspector")).json()
    assert [s["kind"] for s in data["steps"]] == ["created", "assigned", "closeout_requested"]
    after = [p for p in data["photos"] if p["stage"] == "after"]
    assert len(after) == 1 and data["steps"][-1]["photos"] == [after[0]["file"]]
    assert len(data["finding_photos"]) == 1  # the inspector's "before" photo of 1.1
    assert data["closeout_requested_by"] == city.user(OWNER).pk and data["evidence_warnings"] == []


def test_detail_warns_when_after_photo_is_the_before_photo(client: Client, city: City) -> None:
    item = owned_item(city)
    # The factory's "before" photo of 1.1 is variant 0 (its position in the checklist).
    services.request_closeout(
        actor=city.user(OWNER), item=item, text="已修复", photos=[upload(0)], version=item.version
    )
    warnings = client.get(url(item), **auth(city, "inspector")).json()["evidence_warnings"]
    assert warnings and "同一画面" in warnings[0]


# ---------------------------------------------------------------- the full lifecycle


def test_full_lifecycle_through_the_api(client: Client, city: City) -> None:
    item = ledger_item(city, owner=None)
    principal, owner = auth(city, "principal"), auth(city, OWNER)
    due = timezone.localdate() + dt.timedelta(days=3)
    response = post_json(
        client,
        url(item, "assign"),
        {
            "owner": city.user(OWNER).pk,
            "responsibility": "联系维修",
            "due_date": str(due),
            "version": item.version,
        },
        principal,
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["owner"], data["due_date"], data["status"]) == (city.user(OWNER).pk, str(due), "open")

    response = post_json(
        client, url(item, "progress"), {"progress": 40, "text": "已报修", "version": data["version"]}, owner
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["status"], data["progress"]) == ("in_progress", 40)

    response = client.post(
        url(item, "request-closeout"), {"text": "已更换", "version": data["version"], "photos": [jpeg(3)]}, **owner
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["status"], data["progress"]) == ("awaiting_verification", 100)

    response = post_json(
        client, url(item, "reject"), {"reason": "照片看不清", "version": data["version"]}, auth(city, "inspector")
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "in_progress" and data["steps"][-1]["text"] == "照片看不清"

    response = client.post(
        url(item, "request-closeout"),
        {"text": "重新拍照", "version": data["version"], "photos": [jpeg(4), jpeg(6)]},
        **owner,
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "awaiting_verification" and len(data["steps"][-1]["photos"]) == 2

    response = post_json(
        client, url(item, "verify"), {"text": "现场核实", "version": data["version"]}, auth(city, "district_admin")
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "closed" and data["closed_by"] == city.user("district_admin").pk
    assert [s["kind"] for s in data["steps"]] == [
        "created",
        "assigned",
        "progress",
        "closeout_requested",
        "rejected",
        "closeout_requested",
        "verified",
    ]


def test_progress_as_multipart_keeps_its_photos(client: Client, city: City) -> None:
    item = owned_item(city)
    response = client.post(
        url(item, "progress"),
        {"progress": "30", "text": "材料已到", "version": str(item.version), "photos": [jpeg(2)]},
        **auth(city, OWNER),
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["progress"] == 30 and len(data["steps"][-1]["photos"]) == 1
    assert [p["stage"] for p in data["photos"]] == ["progress"]


def test_progress_with_missing_field_is_400(client: Client, city: City) -> None:
    item = owned_item(city)
    response = post_json(
        client, url(item, "progress"), {"text": "材料已到", "version": item.version}, auth(city, OWNER)
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"
    assert "progress" in response.json()["detail"]


def test_progress_with_malformed_json_is_400(client: Client, city: City) -> None:
    item = owned_item(city)
    response = client.post(url(item, "progress"), "{oops", content_type="application/json", **auth(city, OWNER))
    assert response.status_code == 400 and response.json()["code"] == "malformed_json"


def test_closeout_without_photo_is_400(client: Client, city: City) -> None:
    item = owned_item(city)
    response = client.post(
        url(item, "request-closeout"), {"text": "已修复", "version": item.version}, **auth(city, OWNER)
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "申请销号须上传整改后的照片", "code": "closeout_evidence_missing"}
    assert fresh(item).status == ItemStatus.OPEN


def test_closeout_with_a_pdf_as_photo_is_400(client: Client, city: City) -> None:
    item = owned_item(city)
    pdf = SimpleUploadedFile("after.jpg", b"%PDF-1.7\n", content_type="image/jpeg")
    response = client.post(
        url(item, "request-closeout"), {"text": "已修复", "version": item.version, "photos": [pdf]}, **auth(city, OWNER)
    )
    assert response.status_code == 400 and response.json()["code"] == "upload_type_refused"
    assert fresh(item).status == ItemStatus.OPEN


def test_stale_version_is_409_and_changes_nothing(client: Client, city: City) -> None:
    item = owned_item(city)
    response = post_json(
        client,
        url(item, "progress"),
        {"progress": 50, "text": "过期的页面", "version": item.version - 1},
        auth(city, OWNER),
    )
    assert response.status_code == 409 and response.json()["code"] == "stale_version"
    assert fresh(item).progress == 0 and fresh(item).version == item.version


def test_illegal_transition_is_409_in_chinese(client: Client, city: City) -> None:
    item = owned_item(city)
    response = post_json(client, url(item, "verify"), {"version": item.version}, auth(city, "inspector"))
    assert response.status_code == 409
    assert response.json() == {"detail": "该问题待整改，只有待验收的问题可以销号", "code": "illegal_transition"}


def test_progress_on_a_closed_item_is_409(client: Client, city: City) -> None:
    item = awaiting_verification(city)
    services.verify_closeout(actor=city.user("inspector"), item=item, version=item.version)
    item = fresh(item)
    response = post_json(
        client,
        url(item, "progress"),
        {"progress": 10, "text": "再看看", "version": item.version},
        auth(city, "principal"),
    )
    assert response.status_code == 409 and "已销号" in response.json()["detail"]


def test_principal_cannot_verify(client: Client, city: City) -> None:
    item = awaiting_verification(city)
    response = post_json(client, url(item, "verify"), {"version": item.version}, auth(city, "principal"))
    assert response.status_code == 403 and fresh(item).status == ItemStatus.AWAITING_VERIFICATION


def test_verifying_ones_own_closeout_is_403(client: Client, city: City) -> None:
    # A school doctor of 五中 who also serves as district administrator: owner and requester, then would-be verifier.
    person = UserFactory.create(username="dual", unit=city.school_a)
    as_doctor = assign(person, "doctor", city.school_a)
    as_district = assign(person, "district_admin", city.district_a)
    item = ledger_item(city, owner=person)
    _, plain = accounts.create_token(actor=person, name="t")
    token: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
    requested = client.post(
        url(item, "request-closeout"),
        {"text": "已修复", "version": item.version, "photos": [jpeg(3)]},
        HTTP_X_ACTING_ASSIGNMENT=str(as_doctor.pk),
        **token,
    )
    assert requested.status_code == 200, requested.json()
    response = client.post(
        url(item, "verify"),
        {"version": requested.json()["version"]},
        content_type="application/json",
        HTTP_X_ACTING_ASSIGNMENT=str(as_district.pk),
        **token,
    )
    assert response.status_code == 403 and "自己" in response.json()["detail"]
    assert fresh(item).status == ItemStatus.AWAITING_VERIFICATION


def test_owner_cannot_assign_owners(client: Client, city: City) -> None:
    item = ledger_item(city, owner=None)
    payload = {
        "owner": city.user(OWNER).pk,
        "responsibility": "自己来",
        "due_date": str(item.due_date),
        "version": item.version,
    }
    response = post_json(client, url(item, "assign"), payload, auth(city, OWNER))
    assert response.status_code == 403 and fresh(item).owner_id is None


def test_assigning_someone_outside_the_school_is_400(client: Client, city: City) -> None:
    item = ledger_item(city, owner=None)
    payload = {
        "owner": city.user("district_admin_b").pk,
        "responsibility": "维修",
        "due_date": str(item.due_date),
        "version": item.version,
    }
    response = post_json(client, url(item, "assign"), payload, auth(city, "principal"))
    assert response.status_code == 400 and response.json()["code"] == "owner_outside"


def test_due_date_past_the_inspectors_limit_is_400(client: Client, city: City) -> None:
    item = ledger_item(city, owner=None)
    payload = {
        "owner": city.user(OWNER).pk,
        "responsibility": "维修",
        "due_date": str(item.due_limit + dt.timedelta(days=1)),
        "version": item.version,
    }
    response = post_json(client, url(item, "assign"), payload, auth(city, "principal"))
    assert response.status_code == 400 and response.json()["code"] == "due_date_past_limit"
    assert "最迟期限" in response.json()["detail"]


def test_other_staff_cannot_report_progress_on_someone_elses_item(client: Client, city: City) -> None:
    item = owned_item(city)
    payload = {"progress": 10, "text": "x", "version": item.version}
    response = post_json(client, url(item, "progress"), payload, auth(city, "counsellor"))
    assert response.status_code == 403


# ---------------------------------------------------------------- access matrix and query counts

A, F, N = 200, 403, 404
# role → expected status of (the ledger, an item at 五中 in 甲区, an item at 一小 in 乙区).
MATRIX: dict[str, tuple[int, int, int]] = {
    "bureau_leader": (A, A, A),
    "bureau_staff": (A, A, A),
    "inspector": (A, A, A),
    "district_admin": (A, A, N),
    "district_admin_b": (A, N, A),
    "principal": (A, A, N),
    "school_staff": (A, A, N),
    # Everyone at a school sees its ledger (roles.py), class teachers included.
    "class_teacher": (A, A, N),
    "counsellor": (A, A, N),
    "doctor": (A, A, N),
    "sysadmin": (F, F, F),
    "security_officer": (F, F, F),
    "auditor": (F, F, F),
    "nobody": (F, F, F),
}
CELLS = [
    pytest.param(role, column, id=f"{role}-{where}")
    for role in MATRIX
    for column, where in enumerate(["list", "a", "b"])
]


@pytest.mark.parametrize(("role", "column"), CELLS)
def test_token_access_matrix(client: Client, city: City, role: str, column: int) -> None:
    inspection = plan_round(city, schools=[city.school_a, city.school_b])
    submit_checklist(city, target_of(inspection, city.school_a), fail=("1.1",))
    submit_checklist(city, target_of(inspection, city.school_b), fail=("1.1",))
    item_a = RectificationItem.objects.get(school=city.school_a)
    item_b = RectificationItem.objects.get(school=city.school_b)
    urls = ["/api/v1/rectifications", url(item_a), url(item_b)]
    response = client.get(urls[column], **auth(city, role))
    assert response.status_code == MATRIX[role][column], response.json()


def test_ledger_takes_a_constant_number_of_queries(
    client: Client, city: City, django_assert_max_num_queries: Any
) -> None:
    inspection = plan_round(city, schools=[city.school_a, city.school_a2, city.school_b])
    for target in inspection.targets.select_related("inspection", "school"):
        submit_checklist(city, target, fail=("1.1", "1.2", "2.1"))
    for item in RectificationItem.objects.filter(school=city.school_a):
        services.assign(
            actor=city.user("principal"),
            item=item,
            owner=city.user(OWNER),
            responsibility="维修",
            due_date=item.due_date,
            version=item.version,
        )
    headers = auth(city, "inspector")
    client.get("/api/v1/me", **headers)  # token last-used stamp out of the way
    with django_assert_max_num_queries(6):
        data = client.get("/api/v1/rectifications?overdue=false", **headers).json()
    assert data["count"] == 9

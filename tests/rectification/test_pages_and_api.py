"""Pages and API of problems for any unit, the 抽查复核 queue and decisions: every role allowed, 403 or 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dudao.accounts import services as accounts
from dudao.rectification import problems, services
from dudao.rectification.models import ItemSource, ItemStatus, RecheckStatus, RectificationItem
from tests.factories import City
from tests.inspections.factories import upload

pytestmark = pytest.mark.django_db

ROLES = [
    "bureau_leader",
    "bureau_staff",
    "inspector",
    "district_admin",
    "district_admin_b",
    "principal",
    "school_staff",
    "class_teacher",
    "sysadmin",
    "auditor",
]


def later(days: int = 20) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def drawn(city: City, settings: Any) -> RectificationItem:
    """A 自查 item of 五中 closed in school by the principal and drawn for the district's check."""
    settings.DUDAO_SELF_CHECK_RECHECK_SHARE = 1.0
    item = problems.raise_problem(
        actor=city.user("principal"),
        unit=city.school_a,
        source=ItemSource.SELF_CHECK,
        category="安全",
        description="实验室灭火器过期",
        due_limit=later(),
    )
    item = services.assign(
        actor=city.user("principal"),
        item=item,
        owner=city.user("class_teacher"),
        responsibility="更换灭火器",
        due_date=later(5),
        version=item.version,
    )
    item = services.request_closeout(
        actor=city.user("class_teacher"), item=item, text="已更换", photos=[upload(4)], version=item.version
    )
    return services.verify_closeout(actor=city.user("principal"), item=item, version=item.version)


A, F, N = 200, 403, 404
PAGES = ["new", "rechecks", "drawn_item"]
EXPECTED = {
    #                  new rechecks item
    "bureau_leader": [F, F, A],
    "bureau_staff": [A, A, A],
    "inspector": [A, A, A],
    "district_admin": [A, A, A],
    "district_admin_b": [A, A, N],
    "principal": [A, F, A],
    "school_staff": [A, F, A],
    "class_teacher": [F, F, A],
    "sysadmin": [F, F, F],
    "auditor": [F, F, F],
}


@pytest.mark.parametrize("role", ROLES)
def test_page_access(client: Client, city: City, settings: Any, role: str) -> None:
    item = drawn(city, settings)
    client.force_login(city.user(role))
    urls = {"new": "/ledger/new/", "rechecks": "/ledger/rechecks/", "drawn_item": f"/ledger/{item.pk}/"}
    actual = {page: client.get(urls[page]).status_code for page in PAGES}
    assert actual == dict(zip(PAGES, EXPECTED[role], strict=True))


def test_school_form_offers_only_its_own_self_check(client: Client, city: City) -> None:
    client.force_login(city.user("principal"))
    body = client.get("/ledger/new/").content.decode()
    assert "自查" in body and "巡视反馈" not in body
    assert city.school_a.name in body and city.school_a2.name not in body


def test_bureau_form_offers_districts_offices_and_schools_but_not_self_check(client: Client, city: City) -> None:
    client.force_login(city.user("bureau_staff"))
    body = client.get("/ledger/new/").content.decode()
    assert "巡视反馈" in body and 'value="self_check"' not in body
    # The responsible unit is chosen in the unit tree (tests/rectification/test_unit_picker.py).
    assert 'data-testid="unit-picker-unit"' in body and "kinds=school%2Cdistrict%2Coffice" in body


def form_data(city: City, **changes: Any) -> dict[str, Any]:
    return {
        "unit": city.district_a.pk,
        "source": "patrol",
        "source_ref": "巡察反馈第 2 条",
        "category": "作风建设",
        "description": "会议精简落实不到位",
        "severity": "general",
        "due_limit": later().isoformat(),
        **changes,
    }


def test_bureau_raises_by_form_and_lands_on_the_item(client: Client, city: City) -> None:
    client.force_login(city.user("bureau_staff"))
    response = client.post("/ledger/new/", form_data(city))
    item = RectificationItem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ledger/{item.pk}/"
    assert (item.school, item.source) == (city.district_a, ItemSource.PATROL)
    body = client.get(response["Location"]).content.decode()
    assert "巡视反馈" in body and "巡察反馈第 2 条" in body


def test_form_with_past_date_shows_the_message_and_keeps_the_text(client: Client, city: City) -> None:
    client.force_login(city.user("bureau_staff"))
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post("/ledger/new/", form_data(city, due_limit=yesterday), follow=True)
    body = response.content.decode()
    assert response.status_code == 200 and "整改时限不能早于今天" in body and "会议精简落实不到位" in body
    assert not RectificationItem.objects.exists()


def test_district_cannot_raise_against_another_district_by_form(client: Client, city: City) -> None:
    client.force_login(city.user("district_admin"))
    response = client.post("/ledger/new/", form_data(city, unit=city.school_b.pk))
    assert response.status_code == 200  # not among the choices: the form says so
    assert not RectificationItem.objects.exists()


def test_district_confirms_from_the_item_page(client: Client, city: City, settings: Any) -> None:
    item = drawn(city, settings)
    client.force_login(city.user("district_admin"))
    page = client.get(f"/ledger/{item.pk}/").content.decode()
    assert 'data-testid="recheck-card"' in page and 'data-testid="before-after"' in page
    response = client.post(f"/ledger/{item.pk}/recheck/confirm/", {"text": "", "version": item.version})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.recheck_status == RecheckStatus.CONFIRMED


def test_other_district_gets_404_on_recheck(client: Client, city: City, settings: Any) -> None:
    item = drawn(city, settings)
    client.force_login(city.user("district_admin_b"))
    response = client.post(f"/ledger/{item.pk}/recheck/reopen/", {"reason": "x", "version": item.version})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.recheck_status == RecheckStatus.PENDING


def test_principal_gets_403_on_recheck(client: Client, city: City, settings: Any) -> None:
    item = drawn(city, settings)
    client.force_login(city.user("principal"))
    response = client.post(f"/ledger/{item.pk}/recheck/confirm/", {"text": "", "version": item.version})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.recheck_status == RecheckStatus.PENDING


def test_stale_recheck_form_says_so_and_changes_nothing(client: Client, city: City, settings: Any) -> None:
    item = drawn(city, settings)
    client.force_login(city.user("district_admin"))
    url = f"/ledger/{item.pk}/recheck/reopen/"
    response = client.post(url, {"reason": "未到位", "version": item.version - 1}, follow=True)
    assert "已被他人修改" in response.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED


def test_owner_opens_the_ledger_on_own_items(client: Client, city: City, settings: Any) -> None:
    drawn(city, settings)
    mine = problems.raise_problem(
        actor=city.user("principal"),
        unit=city.school_a,
        source=ItemSource.SELF_CHECK,
        category="卫生",
        description="厕所洗手液缺失",
        due_limit=later(),
    )
    services.assign(
        actor=city.user("principal"),
        item=mine,
        owner=city.user("class_teacher"),
        responsibility="补充洗手液",
        due_date=later(3),
        version=mine.version,
    )
    other = problems.raise_problem(
        actor=city.user("principal"),
        unit=city.school_a,
        source=ItemSource.SELF_CHECK,
        category="卫生",
        description="食堂纱窗破损",
        due_limit=later(),
    )
    client.force_login(city.user("class_teacher"))
    body = client.get("/ledger/").content.decode()
    assert "厕所洗手液缺失" in body and other.description not in body and 'data-testid="mine-note"' in body
    unticked = client.get("/ledger/?f=1").content.decode()
    assert other.description in unticked


def test_ledger_filters_by_source(client: Client, city: City, settings: Any) -> None:
    drawn(city, settings)
    problems.raise_problem(
        actor=city.user("bureau_staff"),
        unit=city.district_a,
        source=ItemSource.COMPLAINT,
        category="师德",
        description="有偿补课投诉",
        due_limit=later(),
    )
    client.force_login(city.user("bureau_staff"))
    body = client.get("/ledger/?source=complaint").content.decode()
    assert "有偿补课投诉" in body and "实验室灭火器过期" not in body


# --- API --------------------------------------------------------------------------------------------


def api(client: Client, city: City, role: str) -> dict[str, str]:
    _, plain = accounts.create_token(actor=city.user(role), name="ledger")
    return {"Authorization": f"Bearer {plain}"}


def problem_json(city: City, **changes: Any) -> dict[str, Any]:
    return {
        "unit": city.district_a.pk,
        "source": "audit",
        "source_ref": "审计报告第 5 项",
        "category": "资产管理",
        "description": "固定资产账实不符",
        "due_limit": later().isoformat(),
        **changes,
    }


def test_api_raises_a_problem_against_a_district(client: Client, city: City) -> None:
    response = client.post(
        "/api/v1/rectifications",
        problem_json(city),
        content_type="application/json",
        headers=api(client, city, "inspector"),
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["unit"], data["unit_kind"], data["source"], data["source_name"]) == (
        city.district_a.pk,
        "district",
        "audit",
        "审计反馈",
    )


@pytest.mark.parametrize(
    ("role", "unit", "expected"),
    [
        ("district_admin", "school_b", 404),
        ("class_teacher", "school_a", 404),
        ("principal", "school_a", 403),
        ("school_staff", "school_a", 403),
    ],
)
def test_api_raise_refused(client: Client, city: City, role: str, unit: str, expected: int) -> None:
    body = problem_json(city, unit=getattr(city, unit).pk)
    response = client.post(
        "/api/v1/rectifications", body, content_type="application/json", headers=api(client, city, role)
    )
    assert response.status_code == expected
    assert set(response.json()) >= {"detail"}
    assert not RectificationItem.objects.exists()


def test_api_bad_input_is_a_chinese_message(client: Client, city: City) -> None:
    body = problem_json(city, description=" ")
    response = client.post(
        "/api/v1/rectifications", body, content_type="application/json", headers=api(client, city, "bureau_staff")
    )
    assert response.status_code == 400 and response.json()["detail"] == "请填写存在的问题"


def test_api_filters_by_source_and_unit(client: Client, city: City, settings: Any) -> None:
    drawn(city, settings)
    client.post(
        "/api/v1/rectifications",
        problem_json(city),
        content_type="application/json",
        headers=api(client, city, "bureau_staff"),
    )
    headers = api(client, city, "bureau_staff")
    data = client.get("/api/v1/rectifications?source=audit", headers=headers).json()
    assert data["count"] == 1 and data["items"][0]["source"] == "audit"
    data = client.get(f"/api/v1/rectifications?unit={city.school_a.pk}", headers=headers).json()
    assert [i["source"] for i in data["items"]] == ["self_check"]
    data = client.get("/api/v1/rectifications?recheck=pending", headers=headers).json()
    assert data["count"] == 1 and data["items"][0]["recheck_status"] == "pending"


def test_api_recheck_queue_and_decision(client: Client, city: City, settings: Any) -> None:
    item = drawn(city, settings)
    headers = api(client, city, "district_admin")
    queue = client.get("/api/v1/rectifications/rechecks", headers=headers).json()
    assert [i["id"] for i in queue["items"]] == [item.pk]
    other = client.get("/api/v1/rectifications/rechecks", headers=api(client, city, "district_admin_b")).json()
    assert other["count"] == 0
    assert client.get("/api/v1/rectifications/rechecks", headers=api(client, city, "principal")).status_code == 403
    response = client.post(
        f"/api/v1/rectifications/{item.pk}/recheck",
        {"decision": "reopen", "text": "", "version": item.version},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400 and "原因" in response.json()["detail"]
    response = client.post(
        f"/api/v1/rectifications/{item.pk}/recheck",
        {"decision": "reopen", "text": "灭火器仍为过期批次", "version": item.version},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["recheck_status"]) == ("in_progress", "reopened")


def test_api_recheck_out_of_scope_is_404_and_school_403(client: Client, city: City, settings: Any) -> None:
    item = drawn(city, settings)
    body = {"decision": "confirm", "version": item.version}
    url = f"/api/v1/rectifications/{item.pk}/recheck"
    assert (
        client.post(
            url, body, content_type="application/json", headers=api(client, city, "district_admin_b")
        ).status_code
        == 404
    )
    assert (
        client.post(url, body, content_type="application/json", headers=api(client, city, "principal")).status_code
        == 403
    )
    item.refresh_from_db()
    assert item.recheck_status == RecheckStatus.PENDING

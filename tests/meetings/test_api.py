"""/api/v1/meetings/*: roles, scope, paging, the full round trip, bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from dudao.accounts import services as accounts
from dudao.meetings.models import Decision, Meeting, TaskForce
from tests.factories import City
from tests.meetings.conftest import at, convene, decide

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def post(client: Client, url: str, data: dict[str, Any], headers: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json", **headers)


LISTS = ["/api/v1/meetings", "/api/v1/meetings/decisions", "/api/v1/meetings/task-forces"]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("bureau_leader", 200),
        ("bureau_staff", 200),
        ("inspector", 200),
        ("district_admin", 200),
        ("principal", 200),
        ("school_staff", 200),
        ("class_teacher", 403),
        ("doctor", 403),
        ("sysadmin", 403),
        ("auditor", 403),
    ],
)
def test_lists_by_role(client, city, role, status):
    headers = auth(city, role)
    for url in LISTS:
        response = client.get(url, **headers)
        assert response.status_code == status, url
        if status == 403:
            assert response.json()["code"] == "forbidden"


def test_no_token_is_401(client):
    assert client.get("/api/v1/meetings").status_code == 401


def test_lists_are_scoped_and_paged(client, city, meeting, decision, today):
    for n in range(3):
        convene(city, None, today - n * DAY, title=f"局务调度会{n}")
    staff = auth(city, "bureau_staff")
    page = client.get("/api/v1/meetings?page=2&page_size=3", **staff).json()
    assert page["count"] == 4 and len(page["items"]) == 1
    assert client.get("/api/v1/meetings", **auth(city, "district_admin_b")).json()["count"] == 1
    assert client.get("/api/v1/meetings", **auth(city, "principal")).json()["count"] == 0
    assert client.get("/api/v1/meetings/decisions", **auth(city, "district_admin_b")).json()["count"] == 0
    assert client.get(f"/api/v1/meetings/{meeting.pk}", **auth(city, "principal")).status_code == 404
    assert client.get(f"/api/v1/meetings/decisions/{decision.pk}", **auth(city, "principal")).status_code == 404
    # District B sat on the task force: it reads the decisions of the minutes, though not in its own ledger.
    assert client.get(f"/api/v1/meetings/decisions/{decision.pk}", **auth(city, "district_admin_b")).status_code == 200
    bad = client.get("/api/v1/meetings?page_size=501", **staff)
    assert bad.status_code == 400


def test_round_trip_task_force_meeting_decision_done_and_the_next_meeting(client, city, today):
    staff = auth(city, "bureau_staff")
    tf = post(
        client,
        "/api/v1/meetings/task-forces",
        {
            "name": "创城工作专班",
            "members": [
                {"person": city.user("bureau_leader").pk, "duty": "lead"},
                {"person": city.user("district_admin").pk, "duty": "member"},
            ],
        },
        staff,
    )
    assert tf.status_code == 201, tf.content
    assert tf.json()["lead_name"] == city.user("bureau_leader").display_name
    created = post(
        client,
        "/api/v1/meetings",
        {
            "title": "创城第一次调度会",
            "starts_at": at(today).isoformat(),
            "chair": city.user("bureau_leader").pk,
            "task_force": tf.json()["id"],
        },
        staff,
    )
    assert created.status_code == 201, created.content
    meeting = created.json()
    assert {a["person"] for a in meeting["attendees"]} == {
        city.user("bureau_leader").pk,
        city.user("district_admin").pk,
    }
    assert meeting["review"]["previous"] is None
    url = f"/api/v1/meetings/{meeting['id']}/decisions"
    past = post(
        client,
        url,
        {"text": "整治校园周边", "owner_unit": city.district_a.pk, "deadline": (today - DAY).isoformat()},
        staff,
    )
    assert past.status_code == 400 and past.json()["code"] == "deadline_in_past"
    assert "已经过去" in past.json()["detail"] and not Decision.objects.exists()
    good = post(
        client,
        url,
        {
            "text": "整治校园周边",
            "owner_unit": city.district_a.pk,
            "owner_person": city.user("district_admin").pk,
            "deadline": (today + 3 * DAY).isoformat(),
        },
        staff,
    )
    assert good.status_code == 201 and good.json()["state"] == "pending" and good.json()["state_name"] == "未到期"
    decision_id = good.json()["id"]
    progress = f"/api/v1/meetings/decisions/{decision_id}/progress"
    assert (
        post(client, progress, {"text": "完成", "mark_done": True}, auth(city, "district_admin_b")).status_code == 404
    )
    done = post(client, progress, {"text": "已全部完成", "mark_done": True}, auth(city, "district_admin"))
    assert done.status_code == 201 and done.json()["state"] == "done_on_time"
    again = post(client, progress, {"text": "已全部完成", "mark_done": True}, auth(city, "district_admin"))
    assert again.status_code == 409 and again.json()["code"] == "decision_done"
    nxt = post(
        client,
        "/api/v1/meetings",
        {
            "title": "创城第二次调度会",
            "starts_at": at(today + 7 * DAY).isoformat(),
            "chair": city.user("bureau_leader").pk,
            "task_force": tf.json()["id"],
        },
        staff,
    ).json()
    assert nxt["review"]["previous"] == meeting["id"]
    assert [(d["id"], d["state_name"]) for d in nxt["review"]["decisions"]] == [(decision_id, "已完成（按期）")]
    overdue = client.get("/api/v1/meetings/decisions?state=done_on_time", **staff).json()
    assert overdue["count"] == 1


def test_principal_may_not_convene_and_district_may_not_decide_for_the_city(client, city, meeting, today):
    response = post(
        client,
        "/api/v1/meetings",
        {"title": "x", "starts_at": at(today).isoformat(), "chair": city.user("principal").pk},
        auth(city, "principal"),
    )
    assert response.status_code == 403
    decision = post(
        client,
        f"/api/v1/meetings/{meeting.pk}/decisions",
        {"text": "x", "owner_unit": city.district_a.pk, "deadline": today.isoformat()},
        auth(city, "district_admin"),
    )
    assert decision.status_code == 404
    assert Meeting.objects.count() == 1


def test_stale_version_answers_409_and_changes_nothing(client, city, meeting, today):
    staff = auth(city, "bureau_staff")
    body = {
        "title": "改名",
        "starts_at": at(today).isoformat(),
        "chair": city.user("bureau_leader").pk,
        "version": meeting.version + 5,
    }
    response = client.put(f"/api/v1/meetings/{meeting.pk}", body, content_type="application/json", **staff)
    assert response.status_code == 409 and "已被他人修改" in response.json()["detail"]
    assert Meeting.objects.get().title == "创城调度会"


def test_attendance_and_minutes_by_api(client, city, meeting, today):
    staff = auth(city, "bureau_staff")
    body = {
        "attendees": [
            {"person": city.user("district_admin_b").pk, "attendance": "leave", "note": "外出"},
            {"person": city.user("principal").pk, "attendance": "present"},
        ],
        "version": meeting.version,
    }
    response = client.put(f"/api/v1/meetings/{meeting.pk}/attendance", body, content_type="application/json", **staff)
    assert response.status_code == 200, response.content
    rows = {a["person"]: a["attendance_name"] for a in response.json()["attendees"]}
    assert rows[city.user("district_admin_b").pk] == "请假" and rows[city.user("principal").pk] == "出席"
    bad = client.put(
        f"/api/v1/meetings/{meeting.pk}/attendance",
        {"attendees": [{"person": city.user("principal").pk, "attendance": "late"}]},
        content_type="application/json",
        **staff,
    )
    assert bad.status_code == 400


def test_idempotency_key_makes_one_meeting(client, city, today):
    staff = {**auth(city, "bureau_staff"), "HTTP_IDEMPOTENCY_KEY": "k-1"}
    body = {"title": "调度会", "starts_at": at(today).isoformat(), "chair": city.user("bureau_leader").pk}
    first = post(client, "/api/v1/meetings", body, staff)
    second = post(client, "/api/v1/meetings", body, staff)
    assert first.json()["id"] == second.json()["id"] and Meeting.objects.count() == 1


def test_bad_state_filter_is_explained(client, city):
    response = client.get("/api/v1/meetings/decisions?state=late", **auth(city, "bureau_staff"))
    assert response.status_code == 400 and "state 应为" in response.json()["detail"]


def test_task_force_without_lead_is_refused(client, city):
    response = post(
        client,
        "/api/v1/meetings/task-forces",
        {"name": "专班", "members": [{"person": city.user("bureau_leader").pk, "duty": "member"}]},
        auth(city, "bureau_staff"),
    )
    assert response.status_code == 400 and response.json()["detail"] == "专班须有且只有一名组长"
    assert not TaskForce.objects.exists()


def test_indicator_counts_overdue_decisions_per_owner_unit(client, city, meeting, today):
    late = decide(city, meeting, today)
    Decision.objects.filter(pk=late.pk).update(deadline=today - DAY)
    decide(city, meeting, today + DAY, unit=city.district_b)
    response = client.get(
        f"/api/v1/indicators/meetings.overdue_decisions/values?unit={city.root.pk}", **auth(city, "bureau_leader")
    )
    assert response.status_code == 200, response.content
    values = {row["unit"]: row["value"] for row in response.json()["items"]}
    assert values[city.root.pk] == 1 and values[city.district_a.pk] == 1 and values[city.district_b.pk] == 0


ROLES = [
    "bureau_leader",
    "bureau_staff",
    "inspector",
    "district_admin",
    "principal",
    "school_staff",
    "class_teacher",
    "counsellor",
    "doctor",
    "health_officer",
    "case_officer",
    "sysadmin",
    "security_officer",
    "auditor",
]
CONVENERS = {"bureau_leader", "bureau_staff", "district_admin"}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_convene_a_meeting(client, city, role, today):
    body = {"title": "调度会", "starts_at": at(today).isoformat(), "chair": city.user(role).pk}
    response = post(client, "/api/v1/meetings", body, auth(city, role))
    assert response.status_code == (201 if role in CONVENERS else 403), response.content
    assert Meeting.objects.count() == (1 if role in CONVENERS else 0)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        # The owner is the school: its heads report; the district and the city read but do not report in its
        # stead; district B sat on the task force, so reads the decision, and may not report either.
        ("principal", 201),
        ("school_staff", 201),
        ("district_admin", 403),
        ("bureau_staff", 403),
        ("bureau_leader", 403),
        ("inspector", 403),
        ("district_admin_b", 403),
        ("class_teacher", 403),
        ("sysadmin", 403),
    ],
)
def test_who_may_report_on_a_schools_decision(client, city, meeting, today, role, status):
    decision = decide(city, meeting, today, unit=city.school_a)
    response = post(
        client, f"/api/v1/meetings/decisions/{decision.pk}/progress", {"text": "已完成一半"}, auth(city, role)
    )
    assert response.status_code == status, response.content
    assert decision.notes.count() == (1 if status == 201 else 0)


def test_lists_keep_a_fixed_number_of_queries(client, city, today, django_assert_max_num_queries):
    from dudao.meetings import services
    from dudao.meetings.models import MemberDuty

    for n in range(5):
        services.create_task_force(
            actor=city.user("bureau_staff"),
            name=f"专班{n}",
            members=[services.MemberIn(city.user("bureau_leader"), MemberDuty.LEAD)],
        )
        meeting = convene(city, None, today - n * DAY, title=f"调度会{n}")
        decide(city, meeting, today + n * DAY)
    headers = auth(city, "bureau_staff")
    for url in LISTS:
        with django_assert_max_num_queries(7):
            assert client.get(url, **headers).status_code == 200, url

"""Pages: role × page, out-of-scope objects answer 404, form posts with bad input, double submits, queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from dudao.meetings.models import Decision, Meeting, TaskForce
from tests.meetings.conftest import convene

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
PAGES = ["/meetings/", "/meetings/decisions/", "/taskforces/"]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("bureau_leader", True),
        ("bureau_staff", True),
        ("inspector", True),
        ("district_admin", True),
        ("principal", True),
        ("school_staff", True),
        ("class_teacher", False),
        ("doctor", False),
        ("sysadmin", False),
        ("auditor", False),
        ("security_officer", False),
    ],
)
def test_pages_by_role(city, signed_in, role, allowed):
    client = signed_in(city.user(role))
    for url in PAGES:
        assert client.get(url).status_code == (200 if allowed else 403), url


@pytest.mark.parametrize(("role", "status"), [("bureau_staff", 200), ("district_admin", 200), ("principal", 403)])
def test_convene_form_by_role(city, signed_in, role, status):
    assert signed_in(city.user(role)).get("/meetings/new/").status_code == status


def test_anonymous_goes_to_login(client):
    response = client.get("/meetings/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_meeting_decision_and_task_force_pages_in_and_out_of_scope(city, signed_in, meeting, decision, task_force):
    urls = [
        f"/meetings/{meeting.pk}/",
        f"/meetings/{meeting.pk}/print/",
        f"/meetings/decisions/{decision.pk}/",
        f"/taskforces/{task_force.pk}/",
    ]
    insider = signed_in(city.user("district_admin"))
    for url in urls:
        assert insider.get(url).status_code == 200, url
    outsider = signed_in(city.user("principal"))
    for url in urls:
        assert outsider.get(url).status_code == 404, url
    assert signed_in(city.user("district_admin")).get(f"/taskforces/{task_force.pk}/edit/").status_code == 404


def test_organiser_adds_a_decision_with_a_past_deadline_and_sees_why(city, signed_in, meeting, today):
    client = signed_in(city.user("bureau_staff"))
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    key = re.search(r'name="submit_key" value="([^"]+)"', page)
    assert key is not None
    data = {
        "text": "整治校园周边环境",
        "owner_unit": city.district_a.pk,
        "deadline": (today - DAY).isoformat(),
        "kind": "task",
        "submit_key": key.group(1),
    }
    response = client.post(f"/meetings/{meeting.pk}/decisions/", data)
    body = response.content.decode()
    assert response.status_code == 200 and "已经过去，请填写今天" in body
    assert "整治校园周边环境</textarea>" in body  # what was typed is kept
    assert not Decision.objects.exists()
    data["deadline"] = (today + DAY).isoformat()
    client.post(f"/meetings/{meeting.pk}/decisions/", data)
    client.post(f"/meetings/{meeting.pk}/decisions/", data)  # a double click
    assert Decision.objects.count() == 1


def test_district_marks_its_task_done_on_the_decision_page(city, signed_in, decision):
    client = signed_in(city.user("district_admin"))
    page = client.get(f"/meetings/decisions/{decision.pk}/").content.decode()
    assert 'data-testid="report"' in page
    response = client.post(
        f"/meetings/decisions/{decision.pk}/progress/",
        {"text": "已完成", "mark_done": "on", "version": decision.version},
        follow=True,
    )
    assert "已标记完成" in response.content.decode()
    decision.refresh_from_db()
    assert decision.done_on is not None
    # Another district on the task force reads the decision (it attended) but may not report on it.
    other = signed_in(city.user("district_admin_b"))
    assert other.get(f"/meetings/decisions/{decision.pk}/").status_code == 200
    assert other.post(f"/meetings/decisions/{decision.pk}/progress/", {"text": "x"}).status_code == 403
    assert signed_in(city.user("principal")).get(f"/meetings/decisions/{decision.pk}/").status_code == 404


def test_principal_of_another_unit_gets_403_posting_progress_on_a_visible_decision(city, signed_in, meeting, today):
    """The inspector reads the city's decisions but does not report on them."""
    from tests.meetings.conftest import decide

    decision = decide(city, meeting, today)
    client = signed_in(city.user("inspector"))
    assert client.get(f"/meetings/decisions/{decision.pk}/").status_code == 200
    assert client.post(f"/meetings/decisions/{decision.pk}/progress/", {"text": "x"}).status_code == 403


def test_create_meeting_form_twice_with_one_key_makes_one(city, signed_in, task_force, today):
    client = signed_in(city.user("bureau_staff"))
    page = client.get("/meetings/new/").content.decode()
    key = re.search(r'name="submit_key" value="([^"]+)"', page)
    assert key is not None
    data = {
        "title": "创城调度会",
        "starts_at": f"{today.isoformat()}T15:00",
        "place": "三楼会议室",
        "chair": city.user("bureau_leader").pk,
        "task_force": task_force.pk,
        "submit_key": key.group(1),
    }
    first = client.post("/meetings/new/", data)
    second = client.post("/meetings/new/", data)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Meeting.objects.count() == 1


def test_stale_minutes_form_says_someone_else_changed_it(city, signed_in, meeting):
    client = signed_in(city.user("bureau_staff"))
    client.post(f"/meetings/{meeting.pk}/minutes/", {"minutes": "第一稿", "version": meeting.version})
    response = client.post(
        f"/meetings/{meeting.pk}/minutes/", {"minutes": "第二稿", "version": meeting.version}, follow=True
    )
    assert "已被他人修改" in response.content.decode()
    assert Meeting.objects.get().minutes == "第一稿"


def test_task_force_form_creates_with_duties(city, signed_in):
    client = signed_in(city.user("bureau_staff"))
    response = client.post(
        "/taskforces/new/",
        {
            "name": "创城工作专班",
            "lead": city.user("bureau_leader").pk,
            "members": [city.user("district_admin").pk],
            "liaisons": [city.user("bureau_staff").pk],
        },
    )
    assert response.status_code == 302
    task_force = TaskForce.objects.get()
    assert list(task_force.members.values_list("duty", flat=True)) == ["lead", "member", "liaison"]


def test_meeting_page_and_ledger_keep_a_fixed_number_of_queries(
    city, signed_in, task_force, today, django_assert_max_num_queries
):
    from tests.meetings.conftest import decide

    last = convene(city, task_force, today - 7 * DAY)
    for n in range(6):
        decide(city, last, today + n * DAY, text=f"事项{n}", owner_person=city.user("district_admin"))
    meeting = convene(city, task_force, today)
    for n in range(6):
        decide(city, meeting, today + n * DAY, text=f"新事项{n}")
    client = signed_in(city.user("bureau_staff"))
    with django_assert_max_num_queries(40):
        assert client.get(f"/meetings/{meeting.pk}/").status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get("/meetings/decisions/?state=open").status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get("/meetings/").status_code == 200


def test_choosing_an_owner_unit_lists_its_people(city, signed_in, meeting):
    client = signed_in(city.user("bureau_staff"))
    body = client.get(f"/meetings/{meeting.pk}/owner-people/?owner_unit={city.district_a.pk}").content.decode()
    for key in ("district_admin", "health_officer"):
        assert f'value="{city.user(key).pk}"' in body, key
    for key in ("district_admin_b", "bureau_staff", "district_sysadmin"):
        assert f'value="{city.user(key).pk}"' not in body, key
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert f'hx-get="/meetings/{meeting.pk}/owner-people/"' in page
    assert signed_in(city.user("district_admin")).get(f"/meetings/{meeting.pk}/owner-people/").status_code == 404


def test_a_person_first_listed_only_after_choosing_the_unit_is_accepted(city, signed_in, meeting, today):
    """The health officer is neither an attendee nor a head, so not in the first list, yet belongs to the district."""
    client = signed_in(city.user("bureau_staff"))
    first = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert f'value="{city.user("health_officer").pk}"' not in first
    data = {
        "text": "复课证明查验专项检查",
        "owner_unit": city.district_a.pk,
        "owner_person": city.user("health_officer").pk,
        "deadline": today.isoformat(),
        "kind": "task",
    }
    assert client.post(f"/meetings/{meeting.pk}/decisions/", data).status_code == 302
    assert Decision.objects.get().owner_person == city.user("health_officer")


def test_print_view_lists_attendance_review_and_decisions(city, signed_in, task_force, today):
    from tests.meetings.conftest import decide

    last = convene(city, task_force, today - 7 * DAY, title="第一次调度会")
    decide(city, last, today + DAY, text="整治校园周边")
    meeting = convene(city, task_force, today, title="第二次调度会")
    row = meeting.attendees.get(person=city.user("district_admin_b"))
    row.attendance, row.note = "leave", "外出培训"
    row.save()
    decide(city, meeting, today + 2 * DAY, text="补齐创建档案")
    body = signed_in(city.user("bureau_staff")).get(f"/meetings/{meeting.pk}/print/").content.decode()
    assert "第二次调度会纪要" in body
    assert "请假：" + city.user("district_admin_b").display_name + "（外出培训）" in body
    assert "一、上次会议议定事项落实情况" in body and "整治校园周边" in body and "未到期 1 项" in body
    assert "三、议定事项" in body and "补齐创建档案" in body

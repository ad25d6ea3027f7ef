"""Pages: role × page matrix, in-scope vs out-of-scope objects, form posts with bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.duty import services
from dudao.duty.models import DutyShift, DutySignIn, LeaveRequest, RosterStatus
from tests.duty.conftest import add, at, inspection_plan

pytestmark = pytest.mark.django_db

PAGES = ["/duty/", "/duty/rosters/", "/plans/", "/plans/coverage/", "/inspection-responses/"]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("bureau_leader", True),
        ("bureau_staff", True),
        ("inspector", True),
        ("district_admin", True),
        ("principal", True),
        ("school_staff", True),
        ("class_teacher", True),
        ("doctor", True),
        ("health_officer", True),
        ("sysadmin", False),
        ("auditor", False),
        ("security_officer", False),
    ],
)
def test_duty_pages_by_role(city, signed_in, role, allowed):
    client = signed_in(city.user(role))
    for url in PAGES:
        assert client.get(url).status_code == (200 if allowed else 403), url
    assert client.get("/duty/mine/").status_code == 200


@pytest.mark.parametrize(
    ("role", "status"), [("principal", 200), ("bureau_leader", 200), ("doctor", 403), ("sysadmin", 403)]
)
def test_leave_page_by_role(city, signed_in, role, status):
    assert signed_in(city.user(role)).get("/leave/").status_code == status


def test_out_of_scope_roster_and_plan_answer_404(city, signed_in, roster, today):
    add(city, roster, city.user("doctor"), at(today, 8))
    services.publish_roster(actor=city.user("principal"), roster=roster, version=None)
    plan = inspection_plan(city)
    outsider = signed_in(city.user("district_admin_b"))
    assert outsider.get(f"/duty/rosters/{roster.pk}/").status_code == 404
    assert outsider.get(f"/plans/{plan.pk}/").status_code == 404
    insider = signed_in(city.user("district_admin"))
    assert insider.get(f"/duty/rosters/{roster.pk}/").status_code == 200
    assert insider.get(f"/plans/{plan.pk}/").status_code == 200


def test_draft_roster_is_hidden_from_readers_who_cannot_plan(city, signed_in, roster):
    assert signed_in(city.user("doctor")).get(f"/duty/rosters/{roster.pk}/").status_code == 404
    assert signed_in(city.user("principal")).get(f"/duty/rosters/{roster.pk}/").status_code == 200


def test_planning_a_shift_through_the_page_and_refusing_a_reversed_one(city, signed_in, roster, today):
    client = signed_in(city.user("principal"))
    url = f"/duty/rosters/{roster.pk}/shifts/"
    day = today.isoformat()
    response = client.post(
        url,
        {
            "person": city.user("doctor").pk,
            "role": "staff",
            "starts_at": f"{day}T20:00",
            "ends_at": f"{day}T08:00",
            "version": roster.version,
        },
        follow=True,
    )
    assert "值班结束时间必须晚于开始时间" in response.content.decode()
    assert not DutyShift.objects.exists()
    response = client.post(
        url,
        {
            "person": city.user("doctor").pk,
            "role": "staff",
            "starts_at": f"{day}T08:00",
            "ends_at": f"{day}T20:00",
            "version": roster.version,
        },
        follow=True,
    )
    assert "已添加班次" in response.content.decode()
    roster.refresh_from_db()
    response = client.post(f"/duty/rosters/{roster.pk}/publish/", {"version": roster.version}, follow=True)
    roster.refresh_from_db()
    assert roster.status == RosterStatus.PUBLISHED
    # A stale version is refused.
    response = client.post(
        url,
        {
            "person": city.user("counsellor").pk,
            "role": "staff",
            "starts_at": f"{day}T08:00",
            "ends_at": f"{day}T20:00",
            "version": 1,
        },
        follow=True,
    )
    assert "已被他人修改" in response.content.decode()


def test_signing_in_for_another_persons_shift_is_403(city, signed_in, live_shift):
    assert signed_in(city.user("principal")).post(f"/duty/shifts/{live_shift.pk}/sign-in/").status_code == 403
    assert signed_in(city.user("district_admin_b")).post(f"/duty/shifts/{live_shift.pk}/sign-in/").status_code == 404
    assert not DutySignIn.objects.exists()


def test_sign_in_records_device_and_now_page_shows_it(city, signed_in, live_shift):
    client = signed_in(city.user("doctor"))
    response = client.post(
        f"/duty/shifts/{live_shift.pk}/sign-in/",
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone)",
        REMOTE_ADDR="10.1.2.3",
        follow=True,
    )
    assert "已签到" in response.content.decode()
    signin = DutySignIn.objects.get()
    assert signin.user_agent == "Mozilla/5.0 (iPhone)" and signin.ip == "10.1.2.3"
    page = signed_in(city.user("district_admin")).get("/duty/").content.decode()
    assert city.user("doctor").display_name in page and "已签到" in page


def test_missed_sign_in_shows_red_on_the_home_page_of_the_head(city, signed_in, roster, settings):
    now = timezone.now()
    settings.DUDAO_DUTY_SIGNIN_DEADLINE = timezone.localtime(now - dt.timedelta(minutes=1)).strftime("%H:%M")
    add(city, roster, city.user("doctor"), now - dt.timedelta(hours=1))
    services.publish_roster(actor=city.user("principal"), roster=roster, version=None)
    # The to-do list (the cockpit that is these heads' home also names the figure 值班未签到 in its tables).
    assert "值班未签到" in signed_in(city.user("principal")).get("/?view=todos").content.decode()
    assert "值班未签到" in signed_in(city.user("district_admin")).get("/?view=todos").content.decode()
    assert "值班未签到" not in signed_in(city.user("district_admin_b")).get("/?view=todos").content.decode()


def test_filing_and_approving_leave_through_the_pages(city, signed_in, today):
    services.set_campaign(
        actor=city.user("bureau_staff"), title="管控期", starts_on=today, ends_on=today + dt.timedelta(days=9)
    )
    client = signed_in(city.user("principal"))
    response = client.post(
        "/leave/",
        {
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
            "destination": "长沙",
            "reason": "会议",
            "deputy": city.user("school_staff").pk,
        },
        follow=True,
    )
    assert "外出申请已提交" in response.content.decode()
    request = LeaveRequest.objects.get()
    assert (
        signed_in(city.user("doctor")).post(f"/leave/{request.pk}/decide/", {"decision": "approve"}).status_code == 403
    )
    leader = signed_in(city.user("bureau_leader"))
    leader.post(f"/leave/{request.pk}/decide/", {"decision": "approve", "version": request.version})
    request.refresh_from_db()
    assert request.status == "approved"


def test_inspection_response_pages(city, signed_in, today):
    inspection_plan(city)
    client = signed_in(city.user("bureau_staff"))
    response = client.post(
        "/inspection-responses/",
        {
            "title": "国家文明城市测评",
            "expected_on": (today + dt.timedelta(days=2)).isoformat(),
            "schools": [city.school_a.pk],
        },
        follow=True,
    )
    assert "已发起迎检响应" in response.content.decode()
    assert (
        signed_in(city.user("district_admin")).get("/inspection-responses/").content.decode().count("国家文明城市测评")
        == 1
    )
    assert (
        "国家文明城市测评"
        not in signed_in(city.user("district_admin_b")).get("/inspection-responses/").content.decode()
    )
    assert signed_in(city.user("district_admin")).post("/inspection-responses/", {"title": "x"}).status_code == 403


def test_lists_do_not_grow_queries_with_rows(city, signed_in, roster, today, django_assert_max_num_queries):
    for day in range(5):
        add(city, roster, city.user("doctor"), at(today + dt.timedelta(days=day), 8))
    services.publish_roster(actor=city.user("principal"), roster=roster, version=None)
    client = signed_in(city.user("doctor"))
    client.get("/duty/mine/")
    with django_assert_max_num_queries(10):  # 8 measured; a query per shift would be 13
        assert client.get("/duty/mine/").status_code == 200
    principal = signed_in(city.user("principal"))
    with django_assert_max_num_queries(12):  # 10 measured; a query per shift would be 15
        assert principal.get(f"/duty/rosters/{roster.pk}/").status_code == 200


@pytest.mark.parametrize("nxt", ["//evil.example/x", "https://evil.example/", "foo"])
def test_sign_in_never_redirects_off_site_or_fails_on_a_bad_next(city, signed_in, live_shift, nxt):
    response = signed_in(city.user("doctor")).post(f"/duty/shifts/{live_shift.pk}/sign-in/", {"next": nxt})
    assert response.status_code == 302
    assert response.url == "/duty/mine/"


def test_the_missed_sign_in_card_filters_the_list_to_late_units(city, signed_in, roster, settings):
    now = timezone.now()
    settings.DUDAO_DUTY_SIGNIN_DEADLINE = timezone.localtime(now - dt.timedelta(minutes=1)).strftime("%H:%M")
    add(city, roster, city.user("doctor"), now - dt.timedelta(hours=1))
    services.publish_roster(actor=city.user("principal"), roster=roster, version=None)
    other = services.create_roster(
        actor=city.user("district_admin"),
        unit=city.district_a,
        title="区局值班表",
        starts_on=timezone.localdate() - dt.timedelta(days=1),
        ends_on=timezone.localdate() + dt.timedelta(days=6),
    )
    shift = services.add_shift(
        actor=city.user("district_admin"),
        roster=other,
        person=city.user("district_admin"),
        role="staff",
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=8),
    )
    services.publish_roster(actor=city.user("district_admin"), roster=other, version=None)
    services.sign_in(actor=city.user("district_admin"), shift=shift, user_agent="", ip=None)
    client = signed_in(city.user("district_admin"))
    home = client.get("/?view=todos").content.decode()
    assert "/duty/?show=missed" in home
    everything = client.get("/duty/").content.decode()
    assert city.school_a.name in everything and city.district_a.name in everything.split('data-testid="on-duty"')[1]
    late = client.get("/duty/?show=missed").content.decode()
    assert 'data-testid="missed-filter"' in late
    table = late.split('data-testid="on-duty"', 1)[1]
    assert city.school_a.name in table and city.district_a.name not in table
    # The older link of the home card filters the same way.
    old = client.get("/duty/?missed=1").content.decode().split('data-testid="on-duty"', 1)[1]
    assert city.district_a.name not in old

"""Gate pages: who may open what (table-driven: 200 / 403 / 404), the daily list, registration and check-out by form,
recent visitors by phone, contact tracing and its export (access-logged)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from dudao.accounts.models import User
from dudao.audit.models import AuditEvent
from dudao.gate.models import Visit
from dudao.orgs.text import mask_id_card
from tests.factories import City
from tests.gate.conftest import BAD_ID, GOOD_ID, OTHER_ID, at_hours_ago, earlier_today, old_visit, register

pytestmark = pytest.mark.django_db

A, F, N = 200, 403, 404
PAGES = {
    "today": "/gate/",
    "today_b": "/gate/?school={school_b}",
    "visit_a": "/gate/visits/{visit_a}/",
    "visit_b": "/gate/visits/{visit_b}/",
    "trace": "/gate/trace/",
    "api_list": "/api/v1/visitors",
    "api_list_b": "/api/v1/visitors?school={school_b}",
}
# role → expected status per page, in the order of PAGES.
EXPECTED = {
    #                 today  tB  vA  vB  trace api apiB
    "bureau_leader": [F, F, F, F, F, F, F],
    "bureau_staff": [F, F, F, F, F, F, F],
    "inspector": [F, F, F, F, F, F, F],
    "district_admin": [F, F, F, F, F, F, F],
    "principal": [A, N, A, N, A, A, N],
    "school_staff": [A, N, A, N, A, A, N],
    "class_teacher": [F, F, F, F, F, F, F],
    "counsellor": [F, F, F, F, F, F, F],
    "doctor": [A, N, A, N, A, A, N],
    "health_officer": [A, N, A, N, A, A, N],
    "case_officer": [F, F, F, F, F, F, F],
    "sysadmin": [F, F, F, F, F, F, F],
    "security_officer": [F, F, F, F, F, F, F],
    "auditor": [F, F, F, F, F, F, F],
    "nobody": [F, F, F, F, F, F, F],
    "guard": [A, N, A, N, F, A, N],
}
CASES = [(role, page, EXPECTED[role][i]) for role in EXPECTED for i, page in enumerate(PAGES)]


@pytest.fixture
def visits(city: City, guard, guard_b) -> dict[str, Visit]:
    return {"visit_a": register(guard, city.school_a), "visit_b": register(guard_b, city.school_b)}


def _user(city: City, role: str, guard: User) -> User:
    return guard if role == "guard" else city.user(role)


@pytest.mark.parametrize(("role", "page", "expected"), CASES, ids=[f"{r}-{p}" for r, p, _ in CASES])
def test_page_access(signed_in, city: City, guard, visits, role: str, page: str, expected: int) -> None:
    client = signed_in(_user(city, role, guard))
    url = PAGES[page].format(school_b=city.school_b.pk, **{k: v.pk for k, v in visits.items()})
    assert client.get(url).status_code == expected


def test_no_page_shows_a_full_id_number_or_phone(signed_in, city: City, guard, visits) -> None:
    for role in ("principal", "doctor", "health_officer", "school_staff"):
        client = signed_in(city.user(role))
        for url in ("/gate/", f"/gate/?school={city.school_a.pk}", f"/gate/visits/{visits['visit_a'].pk}/"):
            text = client.get(url).content.decode()
            assert GOOD_ID not in text and "13907910021" not in text, (role, url)
    text = signed_in(guard).get("/api/v1/visitors").content.decode()
    assert GOOD_ID not in text and mask_id_card(GOOD_ID) in text


def test_the_daily_list_shows_who_is_still_inside_first(signed_in, city: City, guard) -> None:
    gone = register(guard, city.school_a, name="早走的", id_card_no=OTHER_ID, checked_in_at=earlier_today(0.5))
    from dudao.gate import services

    services.check_out(actor=guard, visit=gone)
    register(guard, city.school_a, name="还在的", checked_in_at=earlier_today(0.2))
    response = signed_in(guard).get("/gate/")
    visits = response.context["daily"].visits
    assert [v.name for v in visits] == ["还在的", "早走的"]
    assert response.context["daily"].inside == 1
    assert "在校 1 人" in response.content.decode()


def test_the_guard_sees_today_only_whatever_day_is_asked(signed_in, city: City, guard) -> None:
    yesterday = old_visit(city.school_a, guard, days=1)
    client = signed_in(guard)
    response = client.get(f"/gate/?day={(timezone.localdate() - dt.timedelta(days=1)).isoformat()}")
    assert response.context["day"] == timezone.localdate()
    assert yesterday.name not in response.content.decode()
    assert client.get(f"/gate/visits/{yesterday.pk}/").status_code == 404


def test_the_principal_looks_at_another_day(signed_in, city: City, guard) -> None:
    yesterday = old_visit(city.school_a, guard, days=1, name="昨天的访客")
    day = timezone.localtime(yesterday.checked_in_at).date()
    response = signed_in(city.user("principal")).get(f"/gate/?day={day.isoformat()}")
    assert "昨天的访客" in response.content.decode()
    assert response.context["may_register"] is False


def _form(**overrides: Any) -> dict[str, Any]:
    data = {
        "phone": "13907910021",
        "name": "王秀英",
        "id_card_no": GOOD_ID,
        "host": "",
        "host_text": "班主任张老师",
        "reason": "parent",
        "reason_other": "",
        "has_symptoms": "no",
        "temperature": "36.6",
        "travel_history": "",
        "checked_in_at": "",
        "previous": "",
    }
    data.update(overrides)
    return data


def test_the_guard_registers_and_checks_out_through_the_page(signed_in, city: City, guard) -> None:
    client = signed_in(guard)
    response = client.post("/gate/register/", _form(host=str(city.user("class_teacher").pk)), follow=True)
    assert "已登记 王秀英 进校" in response.content.decode()
    visit = Visit.objects.get()
    assert visit.host == city.user("class_teacher") and visit.school == city.school_a
    response = client.post(f"/gate/visits/{visit.pk}/check-out/", {"version": visit.version}, follow=True)
    assert "已登记 王秀英 离校" in response.content.decode()
    response = client.post(f"/gate/visits/{visit.pk}/check-out/", {"version": visit.version}, follow=True)
    assert response.status_code == 200 and "已于" in response.content.decode()
    assert AuditEvent.objects.filter(action="visitor_check_out").count() == 1


def test_a_bad_check_digit_is_shown_next_to_the_field_and_the_typing_kept(signed_in, city: City, guard) -> None:
    response = signed_in(guard).post("/gate/register/", _form(id_card_no=BAD_ID))
    assert response.status_code == 400
    text = response.content.decode()
    assert 'data-testid="error-id_card_no">身份证号校验位不正确' in text
    assert 'value="王秀英"' in text
    assert not Visit.objects.exists()


def test_a_registration_for_another_school_is_not_found(signed_in, city: City, guard) -> None:
    response = signed_in(guard).post("/gate/register/", {**_form(), "school": city.school_b.pk})
    assert response.status_code == 404
    assert not Visit.objects.exists()


def test_the_class_teacher_cannot_register(signed_in, city: City) -> None:
    assert signed_in(city.user("class_teacher")).post("/gate/register/", _form()).status_code == 403


def test_recent_visitors_are_offered_by_full_phone_number(signed_in, city: City, guard) -> None:
    old_visit(city.school_a, guard, days=3, name="回访家长", phone="13907910021")
    client = signed_in(guard)
    text = client.get("/gate/recent/", {"phone": "13907910021"}).content.decode()
    assert "回访家长" in text and mask_id_card(OTHER_ID) in text and OTHER_ID not in text
    assert "回访家长" not in client.get("/gate/recent/", {"phone": "1390791"}).content.decode()


def test_registering_from_a_recent_visitor_copies_the_identity(signed_in, city: City, guard) -> None:
    previous = old_visit(city.school_a, guard, days=3, checked_out_at=timezone.now() - dt.timedelta(days=3))
    client = signed_in(guard)
    client.post("/gate/register/", _form(previous=str(previous.pk), name="", id_card_no=""))
    latest = Visit.objects.exclude(pk=previous.pk).get()
    assert latest.id_card_no == OTHER_ID and latest.name == previous.name


def test_the_doctor_reveals_the_numbers_with_an_access_event(signed_in, city: City, guard) -> None:
    visit = register(guard, city.school_a)
    response = signed_in(city.user("doctor")).post(f"/gate/visits/{visit.pk}/reveal/")
    assert GOOD_ID in response.content.decode()
    assert AuditEvent.objects.filter(action="view_unmasked", object_id=str(visit.pk)).count() == 1


def test_school_staff_may_not_reveal(signed_in, city: City, guard) -> None:
    visit = register(guard, city.school_a)
    assert signed_in(city.user("school_staff")).post(f"/gate/visits/{visit.pk}/reveal/").status_code == 403


def _trace_params(city: City, q: str = "", **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "unit": city.school_a.pk,
        "q": q,
        "start": (today - dt.timedelta(days=7)).isoformat(),
        "end": today.isoformat(),
        **extra,
    }


def test_the_health_officer_traces_across_the_district_and_each_search_is_logged(signed_in, city: City, guard) -> None:
    from tests.factories import UserFactory, assign

    guard_a2 = UserFactory.create(username="gate.a2", unit=city.school_a2)
    assign(guard_a2, "guard", city.school_a2)
    register(guard, city.school_a, checked_in_at=at_hours_ago(30))
    register(guard_a2, city.school_a2, checked_in_at=at_hours_ago(2))
    client = signed_in(city.user("health_officer"))
    district = {"unit": city.district_a.pk}
    response = client.get("/gate/trace/", {**_trace_params(city, GOOD_ID), **district})
    assert response.context["page"].count == 2
    assert {v.school for v, *_ in response.context["rows"]} == {city.school_a, city.school_a2}
    table = response.content.decode().split('data-testid="trace-results"')[1]
    assert GOOD_ID not in table and mask_id_card(GOOD_ID) in table  # the term typed stays in the search box only
    client.get("/gate/trace/", {**_trace_params(city, "王秀"), **district})
    client.get("/gate/trace/", {**_trace_params(city, "0021"), **district})
    events = AuditEvent.objects.filter(action="visitor_trace").order_by("seq")
    assert [e.changes["found"] for e in events] == [2, 2, 2]
    assert GOOD_ID not in str(events[0].changes)


def test_a_trace_outside_the_scope_is_not_found(signed_in, city: City) -> None:
    response = signed_in(city.user("health_officer")).get(
        "/gate/trace/", {**_trace_params(city), "unit": city.district_b.pk}
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="visitor_trace").exists()


def test_a_reversed_trace_range_shows_a_message_and_searches_nothing(signed_in, city: City) -> None:
    today = timezone.localdate()
    params = _trace_params(city, start=today.isoformat(), end=(today - dt.timedelta(days=3)).isoformat())
    response = signed_in(city.user("health_officer")).get("/gate/trace/", params)
    assert "结束日期不能早于开始日期" in response.content.decode()
    assert response.context["page"] is None
    assert not AuditEvent.objects.filter(action="visitor_trace").exists()


def test_the_export_is_masked_and_access_logged(signed_in, city: City, guard) -> None:
    register(guard, city.school_a)
    response = signed_in(city.user("school_staff")).get("/gate/trace/export.xlsx", _trace_params(city))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert mask_id_card(GOOD_ID) in values and GOOD_ID not in values
    event = AuditEvent.objects.get(action="visitor_export")
    assert event.changes["found"] == 1 and event.changes["unmasked_id"] is False


def test_a_full_export_needs_the_unmask_permission(signed_in, city: City, guard) -> None:
    register(guard, city.school_a)
    params = {**_trace_params(city), "full": "1"}
    assert signed_in(city.user("school_staff")).get("/gate/trace/export.xlsx", params).status_code == 403
    client = signed_in(city.user("health_officer"))
    response = client.get("/gate/trace/export.xlsx", params)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert GOOD_ID in [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert AuditEvent.objects.get(action="visitor_export").changes["unmasked_id"] is True


def test_the_guard_cannot_trace_or_export(signed_in, city: City, guard) -> None:
    client = signed_in(guard)
    assert client.get("/gate/trace/", _trace_params(city)).status_code == 403
    assert client.get("/gate/trace/export.xlsx", _trace_params(city)).status_code == 403


def test_the_guard_sees_no_directives_or_org_tree(signed_in, city: City, guard) -> None:
    client = signed_in(guard)
    assert client.get("/orgs/").status_code == 403
    menu = client.get("/").content.decode()
    assert "门卫登记" in menu


def test_the_daily_list_costs_the_same_queries_for_many_visitors(
    signed_in, city: City, guard, django_assert_max_num_queries
) -> None:
    from dudao.gate.models import Visit as VisitModel

    host = city.user("class_teacher")
    for n in range(30):
        VisitModel.objects.create(
            school=city.school_a,
            name=f"访客{n}",
            id_card_no=GOOD_ID,
            phone="13800000000",
            host=host if n % 2 else None,
            host_text="" if n % 2 else "总务处",
            reason="parent",
            temperature="36.5",
            checked_in_at=earlier_today(0.5),
            registered_by=guard,
        )
    client = signed_in(city.user("principal"))
    client.get("/gate/")  # warm the session and the menu
    with django_assert_max_num_queries(8):  # 6 today; a query per host would be 21
        response = client.get("/gate/")
    assert len(response.context["daily"].visits) == 30

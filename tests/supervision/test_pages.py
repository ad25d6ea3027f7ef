"""Pages of 督办与问责 for every role (allowed / 403 / 404 out of scope) and their forms, with bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from dudao.audit.models import AuditEvent
from dudao.supervision.models import AccountabilityRecord, OrderStatus, SupervisionOrder
from tests.factories import City
from tests.supervision.factories import issue, overdue_item, praise, talk, today

pytestmark = pytest.mark.django_db

A, F, N = 200, 403, 404
PAGES = ["list", "new", "order_a", "order_b", "print_a", "records", "record_a", "record_b", "commendations", "forms"]
EXPECTED = {
    #                  list new oA oB  prA rec  rA rB  com  forms
    "bureau_leader": [A, A, A, A, A, A, A, A, A, A],
    "bureau_staff": [A, A, A, A, A, A, A, A, A, A],
    "inspector": [A, A, A, A, A, A, A, A, A, A],
    "district_admin": [A, A, A, N, A, A, A, N, A, A],
    "principal": [A, F, N, N, N, A, N, N, A, A],
    "school_staff": [A, F, N, N, N, A, N, N, A, A],
    "class_teacher": [F, F, F, F, F, F, F, F, F, F],
    "doctor": [F, F, F, F, F, F, F, F, F, F],
    "sysadmin": [F, F, F, F, F, F, F, F, F, F],
    "auditor": [F, F, F, F, F, F, F, F, F, F],
}


@pytest.fixture
def objects(city: City) -> dict[str, int]:
    a = issue(city)
    b = issue(city, target=city.district_b)
    return {
        "order_a": a.pk,
        "order_b": b.pk,
        "record_a": talk(city, person_key=None, unit=city.district_a).pk,
        "record_b": talk(city, person_key=None, unit=city.district_b).pk,
    }


def url(page: str, objects: dict[str, int]) -> str:
    return {
        "list": "/supervision/",
        "new": "/supervision/new/",
        "order_a": f"/supervision/{objects['order_a']}/",
        "order_b": f"/supervision/{objects['order_b']}/",
        "print_a": f"/supervision/{objects['order_a']}/print/",
        "records": "/supervision/accountability/",
        "record_a": f"/supervision/accountability/{objects['record_a']}/",
        "record_b": f"/supervision/accountability/{objects['record_b']}/",
        "commendations": "/supervision/commendations/",
        "forms": "/supervision/forms/",
    }[page]


@pytest.mark.parametrize("role", EXPECTED)
def test_pages_by_role(signed_in, city: City, objects, role: str) -> None:
    client: Client = signed_in(city.user(role))
    got = [client.get(url(page, objects)).status_code for page in PAGES]
    assert dict(zip(PAGES, got, strict=True)) == dict(zip(PAGES, EXPECTED[role], strict=True))


def test_anonymous_is_sent_to_login(client: Client, city: City) -> None:
    assert client.get("/supervision/").status_code == 302


def test_new_order_from_an_overdue_row_is_prefilled(signed_in, city: City) -> None:
    item = overdue_item(city)
    page = signed_in(city.user("bureau_leader")).get(f"/supervision/new/?kind=rectification_item&id={item.pk}")
    html = page.content.decode()
    assert f'value="rectification_item:{item.pk}"' in html and "甲区第五中学" in html
    # Targets: the school and its district bureau, the school chosen.
    assert f'<option value="{city.school_a.pk}" selected>' in html and city.district_a.name in html


def test_new_order_from_a_row_outside_scope_is_404(signed_in, city: City) -> None:
    item = overdue_item(city, school=city.school_b)
    page = signed_in(city.user("district_admin")).get(f"/supervision/new/?kind=rectification_item&id={item.pk}")
    assert page.status_code == 404


def test_new_order_from_an_indicator_cell_lists_the_overdue_items(signed_in, city: City) -> None:
    item = overdue_item(city)
    page = signed_in(city.user("bureau_leader")).get(
        f"/supervision/new/?unit={city.district_a.pk}&indicator=rectification.overdue"
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "关于甲区教育局“逾期未销号问题”情况的督办" in html and "为1项" in html
    assert f'value="rectification_item:{item.pk}"' in html


def test_new_order_from_an_indicator_the_role_may_not_read_is_403(signed_in, city: City) -> None:
    page = signed_in(city.user("inspector")).get(
        f"/supervision/new/?unit={city.district_a.pk}&indicator=health.open_alerts"
    )
    assert page.status_code == 403


def test_new_order_for_a_unit_outside_scope_is_404(signed_in, city: City) -> None:
    page = signed_in(city.user("district_admin")).get(
        f"/supervision/new/?unit={city.district_b.pk}&indicator=rectification.overdue"
    )
    assert page.status_code == 404


def test_issuing_through_the_form_and_a_double_submit_give_one_order(signed_in, city: City) -> None:
    item = overdue_item(city)
    client = signed_in(city.user("bureau_leader"))
    data = {
        "target": city.school_a.pk,
        "subject": "关于督促五中整改的督办",
        "body": "请限期整改。",
        "deadline": (today() + dt.timedelta(days=5)).isoformat(),
        "facts": [f"rectification_item:{item.pk}"],
        "request_key": "k-1",
    }
    first = client.post("/supervision/new/", data)
    second = client.post("/supervision/new/", data)
    order = SupervisionOrder.objects.get()
    assert first.status_code == second.status_code == 302 and first["Location"] == f"/supervision/{order.pk}/"
    assert order.facts.get().object_id == item.pk


def test_form_to_a_unit_outside_scope_says_so_and_saves_nothing(signed_in, city: City) -> None:
    client = signed_in(city.user("district_admin"))
    page = client.post(
        "/supervision/new/",
        {
            "target": city.school_b.pk,
            "subject": "x",
            "body": "y",
            "deadline": (today() + dt.timedelta(days=5)).isoformat(),
        },
        follow=True,
    )
    assert page.status_code == 400 and "承办单位" in page.content.decode()
    assert not SupervisionOrder.objects.exists()


def test_form_with_a_past_deadline_says_so(signed_in, city: City) -> None:
    page = signed_in(city.user("bureau_leader")).post(
        "/supervision/new/",
        {"target": city.district_a.pk, "subject": "x", "body": "y", "deadline": "2000-01-01"},
    )
    assert page.status_code == 400 and "不能早于今天" in page.content.decode()
    assert not SupervisionOrder.objects.exists()


def test_district_answers_on_the_page_and_director_closes(signed_in, city: City, client: Client) -> None:
    order = issue(city)
    signed_in(city.user("district_admin"))
    page = client.get(f"/supervision/{order.pk}/")
    assert "反馈办理情况" in page.content.decode()
    client.post(f"/supervision/{order.pk}/respond/", {"text": "已整改", "version": order.version})
    client.force_login(city.user("bureau_leader"))
    order.refresh_from_db()
    client.post(f"/supervision/{order.pk}/close/", {"version": order.version})
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED


def test_stale_answer_shows_the_conflict_message(signed_in, city: City) -> None:
    order = issue(city)
    client = signed_in(city.user("district_admin"))
    client.post(f"/supervision/{order.pk}/sign/", {"version": order.version})
    page = client.post(f"/supervision/{order.pk}/respond/", {"text": "已整改", "version": order.version}, follow=True)
    assert "已被他人修改" in page.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.SIGNED


def test_district_cannot_close_the_citys_order(signed_in, city: City) -> None:
    order = issue(city)
    client = signed_in(city.user("district_admin"))
    client.post(f"/supervision/{order.pk}/respond/", {"text": "已整改", "version": order.version})
    order.refresh_from_db()
    assert client.post(f"/supervision/{order.pk}/close/", {"version": order.version}).status_code == 403


def test_print_view_has_the_official_document_parts(signed_in, city: City) -> None:
    order = issue(city)
    html = signed_in(city.user("district_admin")).get(f"/supervision/{order.pk}/print/").content.decode()
    for part in ("测试市教育局", "督 办 单", order.number, "甲区教育局：", order.subject, "印发"):
        assert part in html


def test_persons_record_page_is_access_logged(signed_in, city: City) -> None:
    record = talk(city)
    page = signed_in(city.user("district_admin")).get(f"/supervision/accountability/{record.pk}/")
    assert page.status_code == 200
    assert AuditEvent.objects.filter(kind="access", action="accountability_read", object_id=str(record.pk)).count() == 1


def test_record_list_logs_each_persons_record_shown(signed_in, city: City) -> None:
    talk(city)
    talk(city, person_key=None, unit=city.school_a)
    signed_in(city.user("bureau_leader")).get("/supervision/accountability/")
    assert AuditEvent.objects.filter(kind="access", action="accountability_list").count() == 1


def test_record_form_saves_a_persons_record(signed_in, city: City) -> None:
    from tests.supervision.factories import form

    leader = city.user("bureau_leader")
    page = signed_in(leader).post(
        "/supervision/accountability/new/",
        {
            "form": form().pk,
            "person": "principal",
            "reason": "逾期未整改",
            "decided_by": leader.pk,
            "decided_on": today().isoformat(),
            "deduction": "0.5",
        },
    )
    record = AccountabilityRecord.objects.get()
    assert page.status_code == 302 and record.subject_person == city.user("principal")
    assert record.subject_unit == city.school_a


def test_record_form_with_an_unknown_person_says_so(signed_in, city: City) -> None:
    from tests.supervision.factories import form

    leader = city.user("district_admin")
    page = signed_in(leader).post(
        "/supervision/accountability/new/",
        {
            "form": form().pk,
            "person": "district.admin.b",
            "reason": "x",
            "decided_by": leader.pk,
            "decided_on": today().isoformat(),
        },
    )
    assert page.status_code == 400 and "不存在或不在您的管理范围内" in page.content.decode()
    assert not AccountabilityRecord.objects.exists()


def test_commendation_page_shows_the_bonus(signed_in, city: City) -> None:
    record = praise(city)
    html = signed_in(city.user("principal")).get(f"/supervision/commendations/{record.pk}/").content.decode()
    assert "整改及时到位" in html and "2.00" in html


def test_home_shows_the_order_to_answer_and_the_overdue_one_upward(signed_in, city: City) -> None:
    issue(city)
    SupervisionOrder.objects.update(deadline=today() - dt.timedelta(days=1))
    home = signed_in(city.user("district_admin")).get("/?view=todos").content.decode()
    assert "待办理的督办单" in home and "其中已逾期 1 件" in home
    home = signed_in(city.user("bureau_leader")).get("/?view=todos").content.decode()
    assert "逾期未反馈的督办单" in home


def test_list_and_detail_queries_do_not_grow_with_rows(signed_in, city: City, django_assert_max_num_queries) -> None:
    for _ in range(5):
        issue(city, facts=[("rectification_item", overdue_item(city).pk)])
    client = signed_in(city.user("bureau_leader"))
    with django_assert_max_num_queries(14):
        client.get("/supervision/")


def test_overdue_ledger_item_page_offers_the_supervise_button_to_issuers_only(signed_in, city: City) -> None:
    item = overdue_item(city)
    link = f"/supervision/new/?kind=rectification_item&amp;id={item.pk}"
    assert link in signed_in(city.user("district_admin")).get(f"/ledger/{item.pk}/").content.decode()
    assert link not in signed_in(city.user("principal")).get(f"/ledger/{item.pk}/").content.decode()


def test_detail_and_record_list_queries_do_not_grow_with_rows(
    signed_in, city: City, django_assert_max_num_queries
) -> None:
    order = issue(city, facts=[("rectification_item", overdue_item(city).pk)])
    for _ in range(3):
        talk(city, person_key=None, unit=city.school_a)
    client = signed_in(city.user("bureau_leader"))
    with django_assert_max_num_queries(16):
        assert client.get(f"/supervision/{order.pk}/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/supervision/accountability/").status_code == 200


def test_ledger_list_offers_the_supervise_button_on_overdue_rows(signed_in, city: City) -> None:
    late = overdue_item(city)
    html = signed_in(city.user("bureau_staff")).get("/ledger/").content.decode()
    assert f"/supervision/new/?kind=rectification_item&amp;id={late.pk}" in html


def test_directive_reports_page_offers_the_supervise_button_on_reports_past_the_deadline(signed_in, city: City) -> None:
    from dudao.directives.models import Period, Submission
    from tests.directives.conftest import city_directive

    directive = city_directive(city, None)
    client = signed_in(city.user("bureau_staff"))
    report = Submission.objects.get(directive=directive, unit=city.school_a)
    link = f"/supervision/new/?kind=submission&amp;id={report.pk}"
    assert link not in client.get(f"/directives/{directive.pk}/submissions/").content.decode()
    Period.objects.filter(directive=directive).update(deadline=timezone.now() - dt.timedelta(hours=1))
    assert link in client.get(f"/directives/{directive.pk}/submissions/").content.decode()


@pytest.mark.parametrize("query", ["kind=nonsense&id=1", "kind=supervision_order&id=1", "kind=rectification_item&id=x"])
def test_new_order_with_a_garbled_source_is_a_plain_empty_form(signed_in, city: City, query: str) -> None:
    page = signed_in(city.user("bureau_leader")).get(f"/supervision/new/?{query}")
    assert page.status_code == 200 and 'name="facts"' not in page.content.decode()


def test_new_order_from_an_unknown_indicator_is_404(signed_in, city: City) -> None:
    page = signed_in(city.user("bureau_leader")).get(f"/supervision/new/?unit={city.district_a.pk}&indicator=nope")
    assert page.status_code == 404


def test_schools_overdue_order_from_the_city_reaches_the_district_home(signed_in, city: City) -> None:
    """The receiving unit's parent sees an order below it that is past its deadline; a sibling district does not."""
    issue(city, target=city.school_a)
    home = signed_in(city.user("district_admin")).get("/?view=todos").content.decode()
    assert "逾期未反馈的督办单" not in home
    SupervisionOrder.objects.update(deadline=today() - dt.timedelta(days=1))
    assert "逾期未反馈的督办单" in signed_in(city.user("district_admin")).get("/?view=todos").content.decode()
    assert "逾期未反馈的督办单" not in signed_in(city.user("district_admin_b")).get("/?view=todos").content.decode()

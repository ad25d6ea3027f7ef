"""Staff pages: every role × list/detail/identity/statistics (200/403/404), the handling journey by forms, the
identity shown to the office only."""

from __future__ import annotations

import pytest
from django.test import Client

from dudao.audit.models import AuditEvent
from dudao.complaints.models import Complaint, Status
from tests.complaints.factories import filed, replied, routed
from tests.factories import City

pytestmark = pytest.mark.django_db

A, F, N = 200, 403, 404
# pages: list, stats, call form, detail of an item at school A, at school B (district B), its identity
EXPECTED = {
    "bureau_leader": [A, A, F, A, A, N],
    "bureau_staff": [A, A, A, A, A, A],
    "inspector": [A, A, F, A, A, N],
    "district_admin": [A, A, F, A, N, N],
    "principal": [A, A, F, A, N, N],
    "school_staff": [A, A, F, A, N, N],
    "class_teacher": [F, F, F, F, F, F],
    "counsellor": [F, F, F, F, F, F],
    "doctor": [F, F, F, F, F, F],
    "sysadmin": [F, F, F, F, F, F],
    "security_officer": [F, F, F, F, F, F],
    "auditor": [F, F, F, F, F, F],
    "nobody": [F, F, F, F, F, F],
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_pages_by_role(signed_in, city: City, role: str) -> None:
    at_a = routed(city)
    at_b = routed(city, unit=city.school_b, title="乙区的事情")
    urls = [
        "/complaints/",
        "/complaints/stats/",
        "/complaints/new/",
        f"/complaints/{at_a.pk}/",
        f"/complaints/{at_b.pk}/",
        f"/complaints/{at_a.pk}/identity/",
    ]
    client = signed_in(city.user(role))
    got = [client.get(url).status_code for url in urls]
    assert got == EXPECTED[role]


def test_the_school_sees_the_content_but_not_the_identity(signed_in, city: City) -> None:
    item = routed(city)
    page = signed_in(city.user("principal")).get(f"/complaints/{item.pk}/").content.decode()
    assert "每月收费八百元" in page
    assert "王芳" not in page and "13912345678" not in page
    assert "承办单位不可见" in page


def test_a_denied_identity_request_leaves_an_access_event(signed_in, city: City) -> None:
    item = routed(city)
    assert signed_in(city.user("principal")).get(f"/complaints/{item.pk}/identity/").status_code == 404
    assert AuditEvent.objects.filter(action="view_identity_denied").count() == 1


def test_the_office_reads_the_identity_and_it_is_logged(signed_in, city: City) -> None:
    item = filed()
    page = signed_in(city.user("bureau_staff")).get(f"/complaints/{item.pk}/identity/").content.decode()
    assert "王芳" in page and "13912345678" in page
    assert AuditEvent.objects.filter(action="view_identity").count() == 1


def test_office_routes_school_replies_office_accepts_by_forms(client: Client, signed_in, city: City) -> None:
    item = filed()
    office = signed_in(city.user("bureau_staff"))
    response = office.post(
        f"/complaints/{item.pk}/route/", {"unit": city.school_a.pk, "deadline": "", "version": item.version}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Status.ROUTED
    school = signed_in(city.user("principal"))
    school.post(f"/complaints/{item.pk}/reply/", {"text": "已核实并处理。", "measures": "", "version": item.version})
    item.refresh_from_db()
    assert item.status == Status.REPLIED
    office = signed_in(city.user("bureau_staff"))
    office.post(f"/complaints/{item.pk}/accept/", {"note": "", "version": item.version})
    assert Complaint.objects.get(pk=item.pk).status == Status.ANSWERED


def test_a_stale_form_is_refused_with_a_message(signed_in, city: City) -> None:
    item = filed()
    office = signed_in(city.user("bureau_staff"))
    office.post(f"/complaints/{item.pk}/route/", {"unit": city.school_a.pk, "version": item.version})
    response = office.post(
        f"/complaints/{item.pk}/route/", {"unit": city.school_a2.pk, "version": item.version}, follow=True
    )
    assert "已被他人修改" in response.content.decode()
    assert Complaint.objects.get(pk=item.pk).unit == city.school_a


def test_routing_to_a_unit_outside_scope_by_form_changes_nothing(signed_in, city: City) -> None:
    from tests.factories import unit

    outside = unit(None, "邻市教育局", "bureau")
    item = filed()
    response = signed_in(city.user("bureau_staff")).post(
        f"/complaints/{item.pk}/route/", {"unit": outside.pk, "version": item.version}, follow=True
    )
    assert "不在您的管理范围内" in response.content.decode()
    assert Complaint.objects.get(pk=item.pk).status == Status.RECEIVED


def test_the_hotline_clerk_records_a_call(signed_in, city: City) -> None:
    client = signed_in(city.user("bureau_staff"))
    response = client.post(
        "/complaints/new/",
        {
            "channel": "hotline",
            "kind": "complaint",
            "category": "safety",
            "title": "校门口车辆拥堵",
            "content": "放学时校门口车辆乱停，学生穿行车辆之间很危险。",
            "name": "陈女士",
            "phone": "13512345678",
            "request_key": "call-1",
        },
    )
    assert response.status_code == 302
    assert Complaint.objects.get().channel == "hotline"


def test_list_and_stats_show_the_figures(signed_in, city: City, django_assert_max_num_queries) -> None:
    replied(city)
    routed(city, category="food", title="食堂分量少")
    client = signed_in(city.user("bureau_staff"))
    with django_assert_max_num_queries(20):
        page = client.get("/complaints/?status=open").content.decode()
    assert "食堂分量少" in page
    stats = client.get("/complaints/stats/").content.decode()
    assert "恶意补课/有偿家教" in stats and "甲区教育局" in stats and "按时答复率" in stats

"""Pages of 学生欺凌防治 per role: the school's handling people see and handle reports; teachers report; districts and
the city see counts only and 404 on a report's page (logged)."""

from __future__ import annotations

import pytest

from dudao.audit.models import AuditEvent
from dudao.bullying.models import Report, Step
from tests.bullying.conftest import today
from tests.factories import City

pytestmark = pytest.mark.django_db

PAGES = ["/bullying/", "/bullying/new/", "/bullying/stats/", "/bullying/settings/", "/bullying/{report}/"]
# Status per role, in the order of PAGES (302: the index redirects to the role's own page).
EXPECTED = {
    "bureau_leader": [302, 403, 200, 403, 404],
    "bureau_staff": [302, 403, 200, 403, 404],
    "inspector": [302, 403, 200, 403, 404],
    "district_admin": [302, 403, 200, 403, 404],
    "case_officer": [302, 403, 200, 403, 404],
    "principal": [200, 200, 200, 200, 200],
    "counsellor": [200, 200, 200, 200, 200],  # designated
    "school_staff": [302, 200, 403, 403, 404],  # not designated: reports, sees nothing
    "class_teacher": [302, 200, 403, 403, 404],
    "doctor": [302, 200, 403, 403, 404],
    "health_officer": [403, 403, 403, 403, 403],
    "sysadmin": [403, 403, 403, 403, 403],
    "auditor": [403, 403, 403, 403, 403],
    "nobody": [403, 403, 403, 403, 403],
}


@pytest.mark.parametrize("role", EXPECTED)
def test_pages_by_role(signed_in, city: City, report, designated, role):
    client = signed_in(city.user(role))
    got = [client.get(url.format(report=report.pk)).status_code for url in PAGES]
    assert got == EXPECTED[role]


def test_district_sees_counts_never_text(signed_in, city, report):
    client = signed_in(city.user("district_admin"))
    page = client.get("/bullying/stats/").content.decode()
    assert "甲区第五中学" in page and "绰号" not in page and "王女士" not in page
    assert client.get(f"/bullying/{report.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="bullying_denied", object_id=str(report.pk)).exists()


def test_principal_reads_detail_and_leaves_an_access_event(signed_in, city, report):
    client = signed_in(city.user("principal"))
    page = client.get(f"/bullying/{report.pk}/").content.decode()
    assert "绰号" in page and "王女士" in page
    assert AuditEvent.objects.filter(action="bullying_page", object_id=str(report.pk), kind="access").count() == 1


def test_step_form_then_stale_form(signed_in, city, report):
    client = signed_in(city.user("principal"))
    data = {"kind": "accept", "text": "已受理并联系家长", "done_on": today().isoformat(), "version": report.version}
    response = client.post(f"/bullying/{report.pk}/step/", data, follow=True)
    assert "已登记“受理”" in response.content.decode()
    again = client.post(f"/bullying/{report.pk}/step/", {**data, "kind": "investigate"}, follow=True)
    assert "已被他人修改" in again.content.decode()
    assert Step.objects.filter(report=report).count() == 1


def test_teacher_reports_through_the_form_twice_and_one_report_is_kept(signed_in, city):
    client = signed_in(city.user("class_teacher"))
    student = city.students["a1"][0]
    data = {
        "kind": "physical",
        "occurred_on": today().isoformat(),
        "place": "操场",
        "description": "课间看到两名学生推搡一名同学并抢走其文具。",
        "request_key": "form-key-1",
        "student_name": [student.name, ""],
        "student_klass": ["", ""],
        "student_role": ["victim", "bully"],
    }
    first = client.post("/bullying/new/", data, follow=True).content.decode()
    assert "已提交欺凌报告" in first
    second = client.post("/bullying/new/", data, follow=True).content.decode()
    assert "未重复保存" in second
    assert Report.objects.count() == 1 and Report.objects.get().involvements.count() == 1


def test_index_lists_with_overdue_in_red(signed_in, city, report):
    Report.objects.filter(pk=report.pk).update(due_on=today().replace(year=today().year - 1))
    page = signed_in(city.user("principal")).get("/bullying/?status=open&overdue=1").content.decode()
    assert report.number in page and "已超期" in page and "table-danger" in page

"""Pages by role: allowed, 403 for a role without the permission, 404 out of scope; access events; the forms."""

from __future__ import annotations

import pytest

from dudao.audit.models import AuditEvent
from dudao.schoolhealth import excel
from dudao.schoolhealth.models import DisinfectionLog, VaccinationRecord
from tests.schoolhealth.conftest import days_ago, dose, workbook

pytestmark = pytest.mark.django_db

PAGES = ["/vaccination/", "/vaccination/targets/", "/school-health/", "/school-health/room/"]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("doctor", 200),
        ("principal", 200),
        ("school_staff", 200),
        ("health_officer", 200),
        ("bureau_leader", 200),
        ("bureau_staff", 403),
        ("inspector", 403),
        ("counsellor", 403),
        ("sysadmin", 403),
        ("auditor", 403),
    ],
)
def test_pages_by_role(city, signed_in, role, status):
    client = signed_in(city.user(role))
    for url in PAGES:
        if url.endswith("room/") and role in ("health_officer", "bureau_leader"):
            url += f"?unit={city.school_a.pk}"
        assert client.get(url).status_code == status, url


def test_class_teacher_sees_the_class_only(city, signed_in):
    dose(city, city.students["a1"][0], "flu", 1, days_ago(2))
    client = signed_in(city.user("class_teacher"))
    page = client.get("/vaccination/?vaccine=flu").content.decode()
    assert city.students["a1"][0].name in page and city.students["a2"][0].name not in page
    assert city.students["a1"][0].student_no not in page  # the 学籍号 is masked
    assert client.get(f"/vaccination/?unit={city.class_a2.pk}").status_code == 404
    assert client.get(f"/school-health/students/{city.students['a2'][0].pk}/").status_code == 404


def test_out_of_scope_units_and_students_are_404(city, signed_in):
    client = signed_in(city.user("health_officer"))  # district A
    assert client.get(f"/vaccination/?unit={city.school_b.pk}").status_code == 404
    assert client.get(f"/school-health/?unit={city.school_b.pk}").status_code == 404
    assert client.get(f"/school-health/students/{city.students['b1'][0].pk}/").status_code == 404
    assert client.get("/vaccination/?unit=abc").status_code == 404


def test_reading_a_students_record_leaves_an_access_event(city, signed_in):
    pupil = city.students["a1"][0]
    dose(city, pupil, "mmr", 1, days_ago(300))
    client = signed_in(city.user("principal"))
    page = client.get(f"/school-health/students/{pupil.pk}/")
    assert page.status_code == 200 and "麻腮风" in page.content.decode()
    event = AuditEvent.objects.get(action="view_student_health")
    assert event.kind == "access" and event.object_id == str(pupil.pk)


def test_ticking_a_class_list_records_doses_and_a_resubmit_changes_nothing(city, signed_in):
    client = signed_in(city.user("class_teacher"))
    url = f"/vaccination/units/{city.class_a1.pk}/tick/"
    assert client.get(url).status_code == 200
    picked = [s.pk for s in city.students["a1"][:2]]
    data = {"vaccine": "flu", "dose_number": 1, "date": days_ago(1).isoformat(), "person": picked}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert VaccinationRecord.objects.filter(vaccine="flu").count() == 2
    future = {**data, "date": days_ago(-2).isoformat()}
    follow = client.post(url, future, follow=True).content.decode()
    assert "不能晚于今天" in follow
    assert client.get(f"/vaccination/units/{city.class_a2.pk}/tick/").status_code == 404


def test_principal_may_not_tick(city, signed_in):
    client = signed_in(city.user("principal"))
    assert client.get(f"/vaccination/units/{city.class_a1.pk}/tick/").status_code == 403


def test_import_page_shows_row_errors(city, signed_in):
    client = signed_in(city.user("doctor"))
    header = [c[0] for c in excel.DOSE_COLUMNS]
    upload = workbook(header, [["G123", "某某", "流感", 1, days_ago(1).isoformat(), ""]])
    page = client.post("/vaccination/import/", {"file": upload}).content.decode()
    assert "第 2 行" in page and "不在您管理范围" in page
    assert not VaccinationRecord.objects.exists()


def test_disinfection_form_on_the_room_page(city, signed_in):
    client = signed_in(city.user("doctor"))
    data = {"what": "log", "date": days_ago(0).isoformat(), "place": "食堂", "method": "chlorine", "person": "李华"}
    assert client.post("/school-health/room/", data).status_code == 302
    assert DisinfectionLog.objects.get().place == "食堂"
    page = client.get("/school-health/room/").content.decode()
    assert "食堂" in page
    # A principal of the school may keep the log; a health officer above reads it only.
    officer = signed_in(city.user("health_officer"))
    assert officer.post(f"/school-health/room/?unit={city.school_a.pk}", data).status_code == 403


def test_targets_form_for_the_bureau(city, signed_in):
    client = signed_in(city.user("bureau_leader"))
    assert client.post("/vaccination/targets/", {"vaccine": "flu", "rate": "65", "version": "0"}).status_code == 302
    assert "65.0%" in client.get("/vaccination/targets/").content.decode()
    officer = signed_in(city.user("health_officer"))
    assert officer.post("/vaccination/targets/", {"vaccine": "flu", "rate": "10", "version": "1"}).status_code == 403


def test_coverage_page_queries_do_not_grow_with_the_units_listed(city, signed_in):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for pupil in city.students["a1"]:
        dose(city, pupil, "flu", 1, days_ago(2))
    client = signed_in(city.user("bureau_leader"))
    for unit in (city.district_a, city.district_b):  # warm the session and the cached tables
        client.get(f"/vaccination/?unit={unit.pk}&vaccine=flu")
    counts = []
    for unit in (city.district_a, city.district_b):  # two schools below, and one
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/vaccination/?unit={unit.pk}&vaccine=flu").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts

"""师德师风 pages for each role: who sees incidents, the forms' steps, the teacher's commitment page."""

from __future__ import annotations

import pytest

from dudao.audit.models import AuditEvent
from dudao.core.indicators import get
from dudao.ethics import services
from dudao.ethics.models import Acknowledgement, Incident, IncidentStatus
from tests.ethics.conftest import today, veto_incident, walk_to_decided

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("principal", 200),
        ("district_admin", 200),
        ("bureau_leader", 200),
        ("bureau_staff", 200),
        ("class_teacher", 302),
        ("school_staff", 302),
        ("doctor", 302),
    ],
)
def test_index_by_role(signed_in, city, incident, role, status):
    response = signed_in(city.user(role)).get("/ethics/")
    assert response.status_code == status
    if status == 200:
        assert "有偿补课" in response.content.decode()
        assert "家长反映" not in response.content.decode()  # facts never on the list


def test_auditor_and_sysadmin_are_refused(signed_in, city):
    for key in ("auditor", "sysadmin"):
        client = signed_in(city.user(key))
        assert client.get("/ethics/mine/").status_code == 403
        assert client.get("/ethics/commitments/").status_code == 403
        assert client.get("/ethics/commendations/").status_code == 403


def test_detail_logs_the_read_and_hides_from_colleagues(signed_in, city, incident, colleague):
    page = signed_in(city.user("class_teacher")).get(f"/ethics/incidents/{incident.pk}/")
    assert page.status_code == 200 and "家长反映" in page.content.decode()
    assert AuditEvent.objects.filter(action="ethics_page", object_id=str(incident.pk)).count() == 1
    assert signed_in(colleague).get(f"/ethics/incidents/{incident.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="ethics_denied", object_id=str(incident.pk)).count() == 1


def test_teacher_sees_no_step_forms_on_own_incident(signed_in, city, incident):
    page = signed_in(city.user("class_teacher")).get(f"/ethics/incidents/{incident.pk}/").content.decode()
    assert "保存调查情况" not in page


def test_principal_registers_once_with_the_same_form(signed_in, city):
    client = signed_in(city.user("principal"))
    assert client.get("/ethics/incidents/new/").status_code == 200
    form = {
        "teacher": "class.teacher",
        "source": "complaint",
        "category": "corporal",
        "reported_on": today().isoformat(),
        "facts": "课堂上推搡学生",
        "request_key": "form-key-1",
    }
    first = client.post("/ethics/incidents/new/", form)
    second = client.post("/ethics/incidents/new/", form)
    assert first.status_code == 302 and second.status_code == 302
    assert Incident.objects.count() == 1


def test_unknown_teacher_is_refused_with_a_message(signed_in, city):
    client = signed_in(city.user("principal"))
    form = {
        "teacher": "no.such",
        "source": "complaint",
        "category": "corporal",
        "reported_on": today().isoformat(),
        "facts": "x",
    }
    response = client.post("/ethics/incidents/new/", form)
    assert response.status_code == 400
    assert "没有找到该教师" in response.content.decode()
    assert not Incident.objects.exists()


def test_district_imposes_a_veto_through_the_form(signed_in, city, incident):
    incident = walk_to_decided(city, incident)
    client = signed_in(city.user("district_admin"))
    page = client.get(f"/ethics/incidents/{incident.pk}/").content.decode()
    assert "实行一票否决" in page
    response = client.post(
        f"/ethics/incidents/{incident.pk}/measure/",
        {
            "measure": "no_honours",
            "body": "甲区教育局",
            "decided_on": today().isoformat(),
            "is_veto": "on",
            "version": incident.version,
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.HANDLED and incident.is_veto


def test_stale_form_shows_a_message_and_changes_nothing(signed_in, city, incident):
    client = signed_in(city.user("principal"))
    old = incident.version
    client.post(f"/ethics/incidents/{incident.pk}/investigate/", {"investigation": "一", "version": old})
    response = client.post(
        f"/ethics/incidents/{incident.pk}/investigate/", {"investigation": "二", "version": old}, follow=True
    )
    assert "已被他人修改" in response.content.decode() or "刷新" in response.content.decode()
    assert Incident.objects.get(pk=incident.pk).investigation == "一"


def test_teacher_acknowledges_on_own_page(signed_in, city, commitment):
    client = signed_in(city.user("class_teacher"))
    page = client.get("/ethics/mine/").content.decode()
    assert "我已阅读并承诺遵守" in page
    client.post(f"/ethics/commitments/{commitment.pk}/acknowledge/")
    client.post(f"/ethics/commitments/{commitment.pk}/acknowledge/")
    assert Acknowledgement.objects.count() == 1
    assert "您已于" in client.get("/ethics/mine/").content.decode()


def test_school_staff_sees_who_has_not_signed(signed_in, city, commitment, colleague):
    services.acknowledge(actor=city.user("class_teacher"), commitment=commitment)
    page = signed_in(city.user("school_staff")).get(f"/ethics/commitments/{commitment.pk}/").content.decode()
    assert "李老师" in page
    assert "尚未签署" in page


def test_city_sees_progress_per_district(signed_in, city, commitment):
    page = signed_in(city.user("bureau_staff")).get(f"/ethics/commitments/{commitment.pk}/").content.decode()
    assert "甲区教育局" in page and "乙区教育局" in page


def test_teacher_sees_own_veto(signed_in, city, incident):
    veto_incident(city, incident)
    page = signed_in(city.user("class_teacher")).get("/ethics/mine/").content.decode()
    assert "一票否决" in page


def test_veto_indicator_counts_per_unit(city, incident):
    veto_incident(city, incident)
    indicator = get("ethics.veto_incidents")
    assert indicator is not None and indicator.counts_only
    units = [city.root, city.district_a, city.district_b, city.school_a]
    values = indicator.compute(units, today().replace(day=1), today(), user=city.user("bureau_leader"))
    assert values[city.root.pk].value == 1
    assert values[city.district_a.pk].value == 1
    assert values[city.district_b.pk].value == 0
    rows = indicator.drill(city.district_a, today().replace(day=1), today(), user=city.user("bureau_leader")).rows
    assert list(rows) == [city.school_a]  # schools only, never a teacher


def test_commitment_rate_indicator(city, commitment):
    services.acknowledge(actor=city.user("class_teacher"), commitment=commitment)
    indicator = get("ethics.commitment_rate")
    assert indicator is not None
    values = indicator.compute([city.school_a, city.school_b], today(), today(), user=city.user("bureau_leader"))
    assert values[city.school_a.pk].numerator == 1
    assert values[city.school_b.pk].numerator == 0
    rows = indicator.drill(city.root, today(), today(), user=city.user("bureau_leader")).rows
    assert city.school_a in list(rows)  # its other staff have not signed

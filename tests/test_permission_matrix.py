"""Every page and API endpoint of the foundation × every role: allowed, refused, or out of scope.

Cells: 200 allowed · 403 refused for the role · 404 object outside the role's subtree ·
302 redirect (login page for anonymous). Objects are named by City attributes.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dudao.accounts import services
from dudao.accounts.models import User
from dudao.audit.models import AuditEvent
from dudao.briefings import services as briefings
from dudao.exports.models import ExportJob
from dudao.meetings import services as meetings
from dudao.orgs.models import OrgUnit, RoleAssignment, Student
from dudao.orgs.text import mask_id_card
from tests.campaigns.conftest import make_campaign
from tests.factories import City
from tests.meetings.conftest import at, convene
from tests.supervision.factories import issue, talk

pytestmark = pytest.mark.django_db

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
    "sysadmin",
    "security_officer",
    "auditor",
    "nobody",
]

# (name, url template) — {x} is replaced with the pk of City.x, {student_a1}/{student_b1} with students.
PAGES = {
    "home": "/",
    "tree": "/orgs/",
    "school_a": "/orgs/{school_a}/",
    "school_b": "/orgs/{school_b}/",
    "search": "/orgs/search/?q=wz",
    "roster_a": "/orgs/{school_a}/students/",
    "roster_b": "/orgs/{school_b}/students/",
    "roster_class_a1": "/orgs/{class_a1}/students/",
    "student_a1": "/students/{student_a1}/",
    "student_b1": "/students/{student_b1}/",
    "export_a": "/orgs/{school_a}/students/export.xlsx",
    "template_a": "/orgs/{school_a}/students/template.xlsx",
    "staff": "/staff/",
    "audit": "/audit/",
    "api_me": "/api/v1/me",
    "api_orgs": "/api/v1/orgs",
    "api_org_a": "/api/v1/orgs/{school_a}",
    "api_org_b": "/api/v1/orgs/{school_b}",
    "api_students": "/api/v1/students",
    "api_students_b": "/api/v1/students?unit={school_b}",
    "api_audit": "/api/v1/audit/events",
    "imports": "/imports/",
    "find": "/search/?q=zs",
    "find_cases": "/search/?q=zs&kind=cases",
    "picker": "/orgs/picker/tree/?kinds=school,district",
    "picker_b": "/orgs/picker/tree/?kinds=school&parent={school_b}",
}

A, F, N = 200, 403, 404  # allowed, forbidden, not found (out of scope)
# Expected status per role, in the order of PAGES.
EXPECTED: dict[str, list[int]] = {
    #                  home tree sA sB srch rA rB rC1 stA stB exp tpl staff audit me orgs oA oB stu stuB aud imp fnd fC pk pkB  # noqa: E501
    "bureau_leader": [A, A, A, A, A, A, A, A, A, A, A, F, A, F, A, A, A, A, A, A, F, A, A, F, A, A],
    "bureau_staff": [A, A, A, A, A, A, A, A, A, A, A, F, A, F, A, A, A, A, A, A, F, A, A, F, A, A],
    "inspector": [A, A, A, A, A, F, F, F, F, F, F, F, F, F, A, A, A, A, F, F, F, A, A, F, A, A],
    "district_admin": [A, A, A, N, A, A, N, A, A, N, A, A, A, F, A, A, A, N, A, N, F, A, A, F, A, N],
    "principal": [A, A, A, N, A, A, N, A, A, N, A, A, A, F, A, A, A, N, A, N, F, A, A, A, A, N],
    "school_staff": [A, A, A, N, A, A, N, A, A, N, A, A, A, F, A, A, A, N, A, N, F, A, A, F, A, N],
    "class_teacher": [A, A, N, N, A, N, N, A, A, N, N, F, F, F, A, A, N, N, A, N, F, A, A, A, A, N],
    "counsellor": [A, A, A, N, A, A, N, A, A, N, A, F, F, F, A, A, A, N, A, N, F, A, A, A, A, N],
    "doctor": [A, A, A, N, A, A, N, A, A, N, A, F, F, F, A, A, A, N, A, N, F, A, A, F, A, N],
    "sysadmin": [A, A, A, A, A, F, F, F, F, F, F, F, A, F, A, A, A, A, F, F, F, F, A, F, A, A],
    "security_officer": [A, A, A, A, A, F, F, F, F, F, F, F, A, A, A, A, A, A, F, F, A, F, A, F, A, A],
    "auditor": [A, F, F, F, F, F, F, F, F, F, F, F, F, A, A, F, F, F, F, F, A, F, A, F, F, F],
    "nobody": [A, F, F, F, F, F, F, F, F, F, F, F, F, F, A, F, F, F, F, F, F, F, A, F, F, F],
}
CASES = [(role, page, EXPECTED[role][i]) for role in ROLES for i, page in enumerate(PAGES)]


def url_for(city: City, page: str) -> str:
    values: dict[str, Any] = {name: getattr(city, name).pk for name in ("school_a", "school_b", "class_a1", "class_b1")}
    values["student_a1"] = city.students["a1"][0].pk
    values["student_b1"] = city.students["b1"][0].pk
    return PAGES[page].format(**values)


@pytest.mark.parametrize(("role", "page", "expected"), CASES, ids=[f"{r}-{p}" for r, p, _ in CASES])
def test_browser_access(signed_in, city: City, role: str, page: str, expected: int) -> None:
    client = signed_in(city.user(role))
    response = client.get(url_for(city, page), follow=True)
    assert response.status_code == expected, response.content.decode()[:300]


@pytest.mark.parametrize(
    ("role", "page", "expected"),
    [c for c in CASES if c[1].startswith("api_")],
    ids=[f"{r}-{p}" for r, p, _ in CASES if p.startswith("api_")],
)
def test_api_token_access(client: Client, city: City, role: str, page: str, expected: int) -> None:
    _, plain = services.create_token(actor=city.user(role), name="matrix")
    response = client.get(url_for(city, page), HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert response.status_code == expected
    if expected != 200:
        assert set(response.json()) >= {"detail", "code"}


# (name, url template): {x} is the pk of City.x or of an object made by `command_objects`; *_b objects belong to
# 乙区 (district B), outside every role of district A's subtree.
COMMAND_PAGES = {
    "campaigns": "/campaigns/",
    "campaign": "/campaigns/{campaign}/",
    "campaign_b": "/campaigns/{campaign_b}/",
    "cockpit": "/cockpit/",
    "drill": "/indicators/rectification.overdue/",
    "profile_a": "/schools/{school_a}/",
    "profile_b": "/schools/{school_b}/",
    "briefings": "/briefings/",
    "briefing": "/briefings/{briefing}/",
    "briefing_b": "/briefings/{briefing_b}/",
    "briefing_doc": "/briefings/{briefing}/document.docx",
    "meetings": "/meetings/",
    "meeting": "/meetings/{meeting}/",
    "meeting_b": "/meetings/{meeting_b}/",
    "orders": "/supervision/",
    "order": "/supervision/{order}/",
    "order_b": "/supervision/{order_b}/",
    "records": "/supervision/accountability/",
    "api_campaigns": "/api/v1/campaigns",
    "api_campaign_b": "/api/v1/campaigns/{campaign_b}",
    "api_cockpit": "/api/v1/cockpit",
    "api_schools": "/api/v1/schools",
    "api_profile_b": "/api/v1/schools/{school_b}/profile",
    "api_briefings": "/api/v1/briefings",
    "api_briefing_b": "/api/v1/briefings/{briefing_b}",
    "api_meetings": "/api/v1/meetings",
    "api_meeting_b": "/api/v1/meetings/{meeting_b}",
    "api_orders": "/api/v1/supervision-orders",
    "api_order_b": "/api/v1/supervision-orders/{order_b}",
    "api_records": "/api/v1/accountability",
}


def command_objects(city: City) -> dict[str, Any]:
    """One of each command-layer object for the city (or district A), and one of district B's."""
    city_briefing = briefings.request_briefing(actor=city.user("bureau_staff"), unit=city.root, queue=False)
    city_briefing = briefings.run_generation(city_briefing.pk)
    b = city.user("district_admin_b")
    b_briefing = briefings.run_generation(briefings.request_briefing(actor=b, unit=city.district_b, queue=False).pk)
    b_briefing = briefings.publish_briefing(actor=b, briefing=b_briefing, version=b_briefing.version)
    city_briefing = briefings.publish_briefing(
        actor=city.user("bureau_staff"), briefing=city_briefing, version=city_briefing.version
    )
    meeting_b = meetings.create_meeting(
        actor=b, title="乙区调度会", starts_at=at(timezone.localdate()), place="", chair=b, task_force=None
    )
    talk(city)
    return {
        "campaign": make_campaign(city),
        "campaign_b": make_campaign(city, actor=b, name="乙区专项", units=[city.school_b], indicator_codes=[]),
        "briefing": city_briefing,
        "briefing_b": b_briefing,
        "meeting": convene(city, None, timezone.localdate()),
        "meeting_b": meeting_b,
        "order": issue(city),
        "order_b": issue(city, actor_key="district_admin_b", target=city.school_b),
    }


def command_url(city: City, objects: dict[str, Any], page: str) -> str:
    values = {name: getattr(city, name).pk for name in ("school_a", "school_b")}
    values.update({name: obj.pk for name, obj in objects.items()})
    return COMMAND_PAGES[page].format(**values)


# Expected status per role, in the order of COMMAND_PAGES: the command layer is for unit heads (局领导、科室、督学、
# 区县管理员、校长、学校管理员); district A's roles get 404 for district B's objects and the city's objects not sent
# to them (a city meeting, an order to district A seen from a school).
COMMAND_EXPECTED: dict[str, list[int]] = {
    # pages: campaigns campaign campaign_b cockpit drill profile_a profile_b briefings briefing briefing_b briefing_doc
    #        meetings meeting meeting_b orders order order_b records
    # API:   campaigns campaign_b cockpit schools profile_b briefings briefing_b meetings meeting_b
    #        orders order_b records
    "bureau_leader": [A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A],
    "bureau_staff": [A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A],
    "inspector": [A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A],
    "district_admin": [A, A, N, A, A, A, N, A, A, N, A, A, N, N, A, A, N, A, A, N, A, A, N, A, N, A, N, A, N, A],
    "principal": [A, A, N, A, A, A, N, A, A, N, A, A, N, N, A, N, N, A, A, N, A, A, N, A, N, A, N, A, N, A],
    "school_staff": [A, A, N, A, A, A, N, A, A, N, A, A, N, N, A, N, N, A, A, N, A, A, N, A, N, A, N, A, N, A],
    # class_teacher, counsellor, doctor, sysadmin, security_officer, auditor, nobody: no command-layer permission.
    **{role: [F] * len(COMMAND_PAGES) for role in ROLES[ROLES.index("class_teacher") :]},
}
COMMAND_CASES = [(role, page, COMMAND_EXPECTED[role][i]) for role in ROLES for i, page in enumerate(COMMAND_PAGES)]


@pytest.fixture
def command(city: City) -> dict[str, Any]:
    return command_objects(city)


@pytest.mark.parametrize(
    ("role", "page", "expected"),
    [c for c in COMMAND_CASES if not c[1].startswith("api_")],
    ids=[f"{r}-{p}" for r, p, _ in COMMAND_CASES if not p.startswith("api_")],
)
def test_command_layer_pages(signed_in, city: City, command, role: str, page: str, expected: int) -> None:
    response = signed_in(city.user(role)).get(command_url(city, command, page))
    assert response.status_code == expected, response.content.decode()[:300]


@pytest.mark.parametrize(
    ("role", "page", "expected"),
    [c for c in COMMAND_CASES if c[1].startswith("api_")],
    ids=[f"{r}-{p}" for r, p, _ in COMMAND_CASES if p.startswith("api_")],
)
def test_command_layer_api(client: Client, city: City, command, role: str, page: str, expected: int) -> None:
    _, plain = services.create_token(actor=city.user(role), name="matrix")
    response = client.get(command_url(city, command, page), HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert response.status_code == expected
    if expected != 200:
        assert set(response.json()) >= {"detail", "code"}


@pytest.mark.parametrize("page", list(PAGES))
def test_anonymous_is_sent_to_login_or_401(client: Client, city: City, page: str) -> None:
    response = client.get(url_for(city, page))
    if page.startswith("api_"):
        assert response.status_code == 401
    else:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _import_file() -> Any:
    from tests.xlsx import roster_row, workbook

    return workbook([roster_row("七年级（1）班", "G3000001")])


# name → (url template, form data or a callable producing it, roles allowed, effect check)
WRITES: dict[str, tuple[str, Any, set[str], Any]] = {
    "create_campus_in_scope": (
        "/orgs/{school_a}/create/",
        {"name": "东校区", "kind": "campus"},
        {"district_admin", "school_staff", "sysadmin"},
        lambda city: OrgUnit.objects.filter(name="东校区", path__startswith=city.school_a.path).exists(),
    ),
    "create_campus_out_of_scope": (
        "/orgs/{school_b}/create/",
        {"name": "北校区", "kind": "campus"},
        {"sysadmin"},
        lambda city: OrgUnit.objects.filter(name="北校区").exists(),
    ),
    "import_roster": (
        "/orgs/{school_a}/students/import/",
        lambda: {"file": _import_file()},
        {"district_admin", "principal", "school_staff"},
        lambda city: Student.objects.filter(student_no="G3000001").exists(),
    ),
    "assign_role": (
        "/staff/{principal_user}/assign/",
        {"role": "doctor", "unit": "{school_a}"},
        {"sysadmin"},
        lambda city: RoleAssignment.objects.filter(user=city.user("principal"), role="doctor").exists(),
    ),
    "transfer_student": (
        "/students/{student_a1}/transfer/",
        {"klass": "{class_a2}"},
        {"district_admin", "principal", "school_staff"},
        lambda city: Student.objects.get(pk=city.students["a1"][0].pk).klass_id == city.class_a2.pk,
    ),
    "reveal_phones": (
        "/students/{student_a1}/reveal/",
        {"field": "guardian_phones"},
        {"principal", "school_staff", "class_teacher", "counsellor", "doctor"},
        lambda city: AuditEvent.objects.filter(action="view_unmasked").exists(),
    ),
    "export_roster_in_background": (
        "/downloads/start/",
        {"kind": "roster", "unit": "{school_a}", "background": "1"},
        {"bureau_leader", "bureau_staff", "district_admin", "principal", "school_staff", "counsellor"},
        lambda city: ExportJob.objects.filter(kind="roster").exists(),
    ),
    "deactivate_account": (
        "/staff/{doctor_user}/active/",
        {"active": "0"},
        {"sysadmin"},
        lambda city: not User.objects.get(pk=city.user("doctor").pk).is_active,
    ),
}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "doctor"])
@pytest.mark.parametrize("action", list(WRITES))
def test_writes_happen_exactly_for_permitted_roles(signed_in, city: City, role: str, action: str) -> None:
    template, data, allowed, effect = WRITES[action]
    values = {
        "school_a": city.school_a.pk,
        "school_b": city.school_b.pk,
        "class_a2": city.class_a2.pk,
        "principal_user": city.user("principal").pk,
        "doctor_user": city.user("doctor").pk,
        "student_a1": city.students["a1"][0].pk,
    }
    payload = data() if callable(data) else {k: v.format(**values) for k, v in data.items()}
    client = signed_in(city.user(role))
    response = client.post(template.format(**values), payload)
    if role in allowed:
        assert response.status_code in (200, 302), response.content.decode()[:300]
        assert effect(city), f"{role} was allowed to {action} but nothing changed"
    else:
        assert response.status_code in (403, 404)
        assert not effect(city), f"{role} must not {action}"


# ----- the 学籍号 carries the ID number ------------------------------------------------------------

ID_NUMBER = re.compile(r"\d{17}[\dX]", re.IGNORECASE)
# Roles that may see full ID numbers (student.unmask_id), and only after an explicit, logged reveal or full export.
ID_REVEALERS = {"principal", "school_staff"}
SWEEP_ROLES = [*ROLES, "health_officer", "case_officer", "district_admin_b"]


def _student_pages(city: City) -> list[str]:
    """Every page, export and API answer that lists students or shows one, in the org app and the others."""
    from dudao.health.models import AbsenceRecord
    from dudao.health.services import AbsenceInput, submit_check
    from dudao.notices import services as notices
    from tests.cases.conftest import open_psych

    case = open_psych(city)
    submit_check(
        actor=city.user("class_teacher"),
        klass=city.class_a1,
        date=timezone.localdate(),
        session="morning",
        absences=[AbsenceInput(student=city.students["a1"][1].pk, reason="illness", symptoms=("fever",))],
    )
    absence = AbsenceRecord.objects.get()
    notice = notices.create_notice(actor=city.user("principal"), issuer=city.school_a, title="告知书", body="各位家长")
    notices.send_notice(actor=city.user("principal"), notice=notice)
    a1, b1 = city.students["a1"][0], city.students["b1"][0]
    school_a, class_a1 = city.school_a.pk, city.class_a1.pk
    return [
        "/",
        f"/orgs/{school_a}/students/",
        f"/orgs/{class_a1}/students/",
        f"/orgs/{city.school_b.pk}/students/",
        f"/orgs/{school_a}/students/?q={a1.name}",
        f"/students/{a1.pk}/",
        f"/students/{b1.pk}/",
        f"/orgs/{school_a}/students/export.xlsx",
        f"/orgs/{class_a1}/students/export.xlsx?full=1",
        "/api/v1/students",
        f"/api/v1/students?unit={class_a1}",
        f"/api/v1/students?q={a1.student_no}",
        "/cases/",
        f"/cases/{case.pk}/",
        f"/cases/{case.pk}/print/",
        "/cases/export.xlsx",
        "/cases/suggestions/",
        "/cases/dropout/",
        "/cases/visits/",
        "/api/v1/cases",
        f"/api/v1/cases/{case.pk}",
        "/health/",
        f"/health/check/{class_a1}/",
        "/health/followup/",
        f"/health/absences/{absence.pk}/",
        "/api/v1/health/absences",
        f"/notices/{notice.pk}/",
        f"/notices/{notice.pk}/classes/{class_a1}/",
        f"/notices/{notice.pk}/classes/{class_a1}/slips/",
        f"/notices/{notice.pk}/export.xlsx",
        f"/api/v1/notices/{notice.pk}/receipts",
        f"/indicators/notices.unconfirmed/?unit={school_a}",
    ]


def _text(response: Any) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        return "\n".join(
            str(cell) for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python() for cell in row
        )
    return content.decode()


@pytest.mark.parametrize("role", SWEEP_ROLES)
def test_no_role_receives_an_id_number_inside_a_student_number(signed_in, city: City, role: str) -> None:
    client = signed_in(city.user(role))
    shown = 0
    for url in _student_pages(city):
        if role in ID_REVEALERS and "full=1" in url:
            continue  # their full export is the logged reveal, checked below
        response = client.get(url)
        text = _text(response)
        assert not ID_NUMBER.search(text), f"{role} received an ID number from {url}: {ID_NUMBER.search(text)}"
        shown += response.status_code == 200 and "********" in text
    if role in {"bureau_staff", "district_admin", "principal", "class_teacher", "counsellor", "doctor"}:
        assert shown, f"{role} was shown no masked numbers at all: the sweep checked nothing"


def test_student_number_search_still_matches_the_full_number(signed_in, city: City) -> None:
    pupil = city.students["a1"][1]
    client = signed_in(city.user("class_teacher"))
    found = client.get(f"/api/v1/students?q={pupil.student_no}").json()
    assert [s["id"] for s in found["items"]] == [pupil.pk]
    assert found["items"][0]["student_no"] == "G" + mask_id_card(pupil.id_card_no)
    page = client.get(f"/orgs/{city.class_a1.pk}/students/?q={pupil.student_no}").content.decode()
    table = page.split('data-testid="roster-table"')[1]
    assert pupil.name in table and "G" + mask_id_card(pupil.id_card_no) in table
    assert not ID_NUMBER.search(table)
    copied = client.get(f"/orgs/{city.class_a1.pk}/students/?q=G{mask_id_card(pupil.id_card_no)}").content.decode()
    assert "学籍号已脱敏，请输入完整学籍号" in copied


@pytest.mark.parametrize("role", sorted(ID_REVEALERS))
def test_revealing_the_student_number_is_an_access_event(signed_in, city: City, role: str) -> None:
    pupil = city.students["a1"][0]
    client = signed_in(city.user(role))
    revealed = client.post(f"/students/{pupil.pk}/reveal/", {"field": "id_card_no"}).content.decode()
    assert pupil.student_no in revealed
    event = AuditEvent.objects.get(action="view_unmasked", kind="access", actor_id=city.user(role).pk)
    assert event.object_id == str(pupil.pk) and "student_no" in event.changes["fields"]
    export = client.get(f"/orgs/{city.class_a1.pk}/students/export.xlsx?full=1")
    assert pupil.student_no in _text(export)
    logged = AuditEvent.objects.get(action="export_roster", kind="access", actor_id=city.user(role).pk)
    assert logged.changes["unmasked_student_no"] is True and logged.changes["rows"] == 3
    assert not ID_NUMBER.search(json.dumps(list(AuditEvent.objects.values_list("changes", flat=True))))


@pytest.mark.parametrize("role", ["class_teacher", "counsellor", "doctor", "district_admin", "bureau_staff"])
def test_roles_without_unmask_id_cannot_reveal_the_student_number(signed_in, city: City, role: str) -> None:
    pupil = city.students["a1"][0]
    client = signed_in(city.user(role))
    response = client.post(f"/students/{pupil.pk}/reveal/", {"field": "id_card_no"})
    assert response.status_code == 403 and pupil.student_no not in response.content.decode()
    assert not AuditEvent.objects.filter(action="view_unmasked").exists()


# ---- 双重预防 (risks): the register and overview for unit heads, 我的排查 for every work role, a point also for its
# responsible person (the class teacher of 五中); district B's own-premises point is outside district A's roles.
from dudao.risks.models import RiskPoint  # noqa: E402
from dudao.risks.services import create_point  # noqa: E402
from tests.risks.conftest import make_point, point_data  # noqa: E402

RISK_PAGES = {
    "risks": "/risks/",
    "risks_overview": "/risks/overview/",
    "risks_mine": "/risks/mine/",
    "risk_point": "/risks/{point}/",
    "risk_point_b": "/risks/{point_b}/",
    "api_risk_points": "/api/v1/safety/risk-points",
    "api_risk_point_b": "/api/v1/safety/risk-points/{point_b}",
}
RISK_EXPECTED: dict[str, list[int]] = {
    #                  list ovw mine pt ptB api apiB
    "bureau_leader": [A, A, A, A, A, A, A],
    "bureau_staff": [A, A, A, A, A, A, A],
    "inspector": [A, A, A, A, A, A, A],
    "district_admin": [A, A, A, A, N, A, N],
    "principal": [A, A, A, A, N, A, N],
    "school_staff": [A, A, A, A, N, A, N],
    "class_teacher": [F, F, A, A, N, F, N],
    "counsellor": [F, F, A, N, N, F, N],
    "doctor": [F, F, A, N, N, F, N],
    "sysadmin": [F, F, F, F, F, F, F],
    "security_officer": [F, F, F, F, F, F, F],
    "auditor": [F, F, F, F, F, F, F],
    "nobody": [F, F, F, F, F, F, F],
}
RISK_CASES = [(role, page, RISK_EXPECTED[role][i]) for role in ROLES for i, page in enumerate(RISK_PAGES)]


def _risk_points(city: City) -> dict[str, RiskPoint]:
    b = city.user("district_admin_b")
    return {
        "point": make_point(city),
        "point_b": create_point(actor=b, unit=city.district_b, data=point_data(b, category="fire")),
    }


@pytest.mark.parametrize(("role", "page", "expected"), RISK_CASES, ids=[f"{r}-{p}" for r, p, _ in RISK_CASES])
def test_risk_access(signed_in, city: City, role: str, page: str, expected: int) -> None:
    points = _risk_points(city)
    url = RISK_PAGES[page].format(**{name: p.pk for name, p in points.items()})
    response = signed_in(city.user(role)).get(url, follow=True)
    assert response.status_code == expected, response.content.decode()[:300]


# ---- 校历 (dudao.calendars): everyone at work reads; the bureau edits the year; districts and schools add local
# days. Pages: month, month of school B, year list, local days; API: the days of school A, of school B.
CALENDAR_PAGES = {
    "calendar": "/calendar/",
    "calendar_b": "/calendar/?unit={school_b}",
    "calendar_years": "/calendar/years/",
    "calendar_local": "/calendar/local/",
    "api_calendar_a": "/api/v1/calendar?unit={school_a}",
    "api_calendar_b": "/api/v1/calendar?unit={school_b}",
}
CALENDAR_EXPECTED: dict[str, list[int]] = {
    "bureau_leader": [A, A, A, F, A, A],
    "bureau_staff": [A, A, A, F, A, A],
    "inspector": [A, A, F, F, A, A],
    "district_admin": [A, N, F, A, A, N],
    "principal": [A, N, F, A, A, N],
    "school_staff": [A, N, F, A, A, N],
    "class_teacher": [A, N, F, F, N, N],
    "counsellor": [A, N, F, F, A, N],
    "doctor": [A, N, F, F, A, N],
    "sysadmin": [F, F, F, F, F, F],
    "security_officer": [F, F, F, F, F, F],
    "auditor": [F, F, F, F, F, F],
    "nobody": [F, F, F, F, F, F],
}
CALENDAR_CASES = [(role, page, CALENDAR_EXPECTED[role][i]) for role in ROLES for i, page in enumerate(CALENDAR_PAGES)]


@pytest.mark.parametrize(("role", "page", "expected"), CALENDAR_CASES, ids=[f"{r}-{p}" for r, p, _ in CALENDAR_CASES])
def test_calendar_access(signed_in, city: City, role: str, page: str, expected: int) -> None:
    client = signed_in(city.user(role))
    url = CALENDAR_PAGES[page].format(school_a=city.school_a.pk, school_b=city.school_b.pk)
    assert client.get(url).status_code == expected


# ---- canteens (食堂与食品安全): the school's principal, office and doctor keep the records (their school's only
# canteen opens directly: 302); the bureau, district admins (and health officers) read their subtree.
CANTEEN_PAGES = {
    "canteens": "/canteens/",
    "canteen": "/canteens/{canteen}/",
    "canteen_b": "/canteens/{canteen_b}/",
    "api_canteens": "/api/v1/canteens",
    "api_records": "/api/v1/canteen-records",
    "api_records_b": "/api/v1/canteen-records?canteen={canteen_b}",
}
CANTEEN_READER = [200, 200, 200, 200, 200, 200]
CANTEEN_SCHOOL = [302, 200, 404, 200, 200, 404]
CANTEEN_NONE = [403] * 6
CANTEEN_EXPECTED: dict[str, list[int]] = {
    "bureau_leader": CANTEEN_READER,
    "bureau_staff": CANTEEN_READER,
    "inspector": CANTEEN_NONE,
    "district_admin": [200, 200, 404, 200, 200, 404],
    "principal": CANTEEN_SCHOOL,
    "school_staff": CANTEEN_SCHOOL,
    "class_teacher": CANTEEN_NONE,
    "counsellor": CANTEEN_NONE,
    "doctor": CANTEEN_SCHOOL,
    "sysadmin": CANTEEN_NONE,
    "security_officer": CANTEEN_NONE,
    "auditor": CANTEEN_NONE,
    "nobody": CANTEEN_NONE,
}


@pytest.mark.parametrize("role", ROLES)
def test_canteen_pages(signed_in, city: City, role: str) -> None:
    from dudao.canteens.models import Canteen

    canteens = {
        "canteen": Canteen.objects.create(school=city.school_a, name="学生食堂"),
        "canteen_b": Canteen.objects.create(school=city.school_b, name="学生食堂"),
    }
    client = signed_in(city.user(role))
    got = [
        client.get(url.format(**{k: v.pk for k, v in canteens.items()})).status_code for url in CANTEEN_PAGES.values()
    ]
    assert got == CANTEEN_EXPECTED[role]


# ----- 免疫接种与学校卫生 (schoolhealth) ------------------------------------------------------------------

SCHOOLHEALTH_PAGES = {
    "coverage": "/vaccination/",
    "coverage_school_b": "/vaccination/?unit={school_b}",
    "coverage_class_a1": "/vaccination/?unit={class_a1}",
    "tick_class_a1": "/vaccination/units/{class_a1}/tick/",
    "targets": "/vaccination/targets/",
    "exams": "/school-health/",
    "room_a": "/school-health/room/?unit={school_a}",
    "student_a1": "/school-health/students/{student_a1}/",
    "student_b1": "/school-health/students/{student_b1}/",
    "api_vaccinations": "/api/v1/vaccinations",
    "api_coverage_b": "/api/v1/vaccinations/coverage?unit={school_b}",
    "api_exams": "/api/v1/health-exams",
}
# Readers: bureau leaders, the school's principal, staff and doctor, class teachers (their class); records: the
# doctor and class teachers. District A's roles get 404 for school B; a class teacher's scope is the class.
SCHOOLHEALTH_EXPECTED: dict[str, list[int]] = {
    #                cov covB covC tick tgt exams room stuA stuB api covB exams
    "bureau_leader": [A, A, A, F, A, A, A, A, A, A, A, A],
    "principal": [A, N, A, F, A, A, A, A, N, A, N, A],
    "school_staff": [A, N, A, F, A, A, A, A, N, A, N, A],
    "class_teacher": [A, N, A, A, A, A, N, A, N, A, N, A],
    "doctor": [A, N, A, A, A, A, A, A, N, A, N, A],
    **{
        role: [F] * len(SCHOOLHEALTH_PAGES)
        for role in ("bureau_staff", "inspector", "district_admin", "counsellor", "sysadmin", "auditor", "nobody")
    },
    "security_officer": [F] * len(SCHOOLHEALTH_PAGES),
}
SCHOOLHEALTH_CASES = [
    (role, page, SCHOOLHEALTH_EXPECTED[role][i]) for role in ROLES for i, page in enumerate(SCHOOLHEALTH_PAGES)
]


@pytest.mark.parametrize(
    ("role", "page", "expected"), SCHOOLHEALTH_CASES, ids=[f"{r}-{p}" for r, p, _ in SCHOOLHEALTH_CASES]
)
def test_schoolhealth_access(signed_in, city: City, role: str, page: str, expected: int) -> None:
    values = {name: getattr(city, name).pk for name in ("school_a", "school_b", "class_a1")}
    values |= {"student_a1": city.students["a1"][0].pk, "student_b1": city.students["b1"][0].pk}
    client = signed_in(city.user(role))
    response = client.get(SCHOOLHEALTH_PAGES[page].format(**values), follow=True)
    assert response.status_code == expected, response.content.decode()[:300]


# ----- 风险标签 and 气象预警 (orgs.tags, warnings) -------------------------------------------------------------
# Tags: read by the offices, inspectors, district admins, health officers and school heads; a tag's page lists the
# schools of the reader's scope. Warnings: the bureau's and districts' clerks and health officers (leaders read);
# a warning entered by 甲区 is 404 for 乙区.
WARNING_PAGES = {
    "tags": "/orgs/tags/",
    "tag": "/orgs/tags/{tag}/",
    "api_tags": "/api/v1/unit-tags",
    "warnings": "/warnings/",
    "warning": "/warnings/{warning}/",
    "acks": "/warnings/{warning}/acknowledgements/",
    "api_warnings": "/api/v1/warnings",
    "api_warning": "/api/v1/warnings/{warning}",
}
TAGS_ONLY = [A, A, A, F, F, F, F, F]
WARNING_NONE = [F] * len(WARNING_PAGES)
WARNING_EXPECTED: dict[str, list[int]] = {
    "bureau_leader": [A] * len(WARNING_PAGES),
    "bureau_staff": [A] * len(WARNING_PAGES),
    "inspector": TAGS_ONLY,
    "district_admin": [A] * len(WARNING_PAGES),
    "district_admin_b": [A, A, A, A, N, N, A, N],
    "health_officer": [A] * len(WARNING_PAGES),
    "principal": TAGS_ONLY,
    "school_staff": TAGS_ONLY,
    **{
        role: WARNING_NONE
        for role in ("class_teacher", "counsellor", "doctor", "sysadmin", "security_officer", "auditor", "nobody")
    },
}


@pytest.mark.parametrize("role", list(WARNING_EXPECTED))
def test_tag_and_warning_access(signed_in, city: City, role: str) -> None:
    from dudao.warnings import services as warning_services
    from tests.warnings.conftest import tag, warning_in

    warning = warning_services.create_warning(actor=city.user("health_officer"), data=warning_in(city))
    values = {"tag": tag("地势低洼").pk, "warning": warning.pk}
    client = signed_in(city.user(role))
    got = [client.get(url.format(**values)).status_code for url in WARNING_PAGES.values()]
    assert got == WARNING_EXPECTED[role]


# ----- 部门协同 (partners) ---------------------------------------------------------------------------------------

PARTNER_PAGES = {
    "partners": "/partners/",
    "partner_a": "/partners/{partner_a}/",
    "partner_b": "/partners/{partner_b}/",
    "tasks": "/partners/tasks/",
    "task_a": "/partners/tasks/{task_a}/",
    "task_b": "/partners/tasks/{task_b}/",
    "task_new": "/partners/tasks/new/",
    "campaigns": "/partners/campaigns/",
    "api_partners": "/api/v1/partners",
    "api_tasks": "/api/v1/partners/tasks",
    "api_task_b": "/api/v1/partners/tasks/{task_b}",
}
# The bureau's office and leaders see both districts' partners and tasks; the district admin its own; the school's
# principal and office read the tasks about their school (task_a is about 五中, task_b about 乙区第一小学).
PARTNER_EXPECTED: dict[str, list[int]] = {
    #                 list pa  pb  tasks ta tb  new camp api  apiT apiTb
    "bureau_leader": [A, A, A, A, A, A, F, A, A, A, A],
    "bureau_staff": [A, A, A, A, A, A, A, A, A, A, A],
    "district_admin": [A, A, N, A, A, N, A, A, A, A, N],
    "principal": [F, F, F, A, A, N, F, F, F, A, N],
    "school_staff": [F, F, F, A, A, N, F, F, F, A, N],
    **{
        role: [F] * len(PARTNER_PAGES)
        for role in ("inspector", "class_teacher", "counsellor", "doctor", "sysadmin", "security_officer", "auditor")
    },
    "nobody": [F] * len(PARTNER_PAGES),
}
PARTNER_CASES = [(role, page, PARTNER_EXPECTED[role][i]) for role in ROLES for i, page in enumerate(PARTNER_PAGES)]


@pytest.mark.parametrize(("role", "page", "expected"), PARTNER_CASES, ids=[f"{r}-{p}" for r, p, _ in PARTNER_CASES])
def test_partner_access(signed_in, city: City, role: str, page: str, expected: int) -> None:
    from dudao.partners.models import Partner, PartnerTask

    partner_a = Partner.objects.create(owner=city.district_a, name="甲区城管执法局", kind="urban")
    partner_b = Partner.objects.create(owner=city.district_b, name="乙区交警大队", kind="traffic")
    tasks = {
        key: PartnerTask.objects.create(
            owner=p.owner,
            partner=p,
            school=school,
            title="校门口摊贩",
            description="占道经营",
            due_on=timezone.localdate(),
            link_key="abcdefghij",
            sent_by=city.user("bureau_staff"),
        )
        for key, p, school in (("task_a", partner_a, city.school_a), ("task_b", partner_b, city.school_b))
    }
    values = {"partner_a": partner_a.pk, "partner_b": partner_b.pk} | {k: t.pk for k, t in tasks.items()}
    client = signed_in(city.user(role))
    assert client.get(PARTNER_PAGES[page].format(**values)).status_code == expected


# ----- 师德师风 (ethics): incidents are object-level (the teacher it is about, the principal and upward); the
# commitment page for the school's office and upward; everyone at work has 我的师德. --------------------------

ETHICS_PAGES = {
    "index": "/ethics/",
    "incident_a": "/ethics/incidents/{incident_a}/",
    "incident_b": "/ethics/incidents/{incident_b}/",
    "mine": "/ethics/mine/",
    "commitments": "/ethics/commitments/",
    "commendations": "/ethics/commendations/",
    "api_incident_a": "/api/v1/ethics/incidents/{incident_a}",
    "api_vetoes": "/api/v1/ethics/vetoes?staff={teacher_a}",
}
ETHICS_EXPECTED: dict[str, list[int]] = {
    #                 idx  incA incB mine cmts cmds apiA veto
    "bureau_leader": [200, 200, 200, 200, 200, 200, 200, 200],
    "bureau_staff": [200, 200, 200, 200, 200, 200, 200, 200],
    "inspector": [302, 404, 404, 200, 403, 403, 404, 403],
    "district_admin": [200, 200, 404, 200, 200, 200, 200, 200],
    "principal": [200, 200, 404, 200, 200, 200, 200, 200],
    "school_staff": [302, 404, 404, 200, 200, 403, 404, 403],
    "class_teacher": [302, 200, 404, 200, 403, 403, 200, 403],  # the incident is about her
    "counsellor": [302, 404, 404, 200, 403, 403, 404, 403],
    "doctor": [302, 404, 404, 200, 403, 403, 404, 403],
    "sysadmin": [403, 404, 404, 403, 403, 403, 404, 403],
    "security_officer": [403, 404, 404, 403, 403, 403, 404, 403],
    "auditor": [403, 404, 404, 403, 403, 403, 404, 403],
    "nobody": [403, 404, 404, 403, 403, 403, 404, 403],
}


@pytest.mark.parametrize("role", ROLES)
def test_ethics_pages(signed_in, city: City, role: str) -> None:
    from dudao.ethics import services as ethics
    from tests.factories import UserFactory, assign

    teacher_b = UserFactory.create(username="teacher.b", unit=city.class_b1)
    assign(teacher_b, "class_teacher", city.class_b1)
    facts = ethics.IncidentIn(source="report", category="gifts", reported_on=timezone.localdate(), facts="收受购物卡")
    incident_a, _ = ethics.register_incident(
        actor=city.user("principal"), teacher=city.user("class_teacher"), data=facts
    )
    incident_b, _ = ethics.register_incident(actor=city.user("bureau_staff"), teacher=teacher_b, data=facts)
    values = {"incident_a": incident_a.pk, "incident_b": incident_b.pk, "teacher_a": city.user("class_teacher").pk}
    client = signed_in(city.user(role))
    got = [client.get(url.format(**values)).status_code for url in ETHICS_PAGES.values()]
    assert got == ETHICS_EXPECTED[role]


# ----- 纪检监察员 (discipline_officer, issue 22): the 党风廉政 records only (their matrix is tests/integrity); every
# other page answers as for an account without a role, and the integrity pages answer 404 to every role but the
# party secretary (局领导), the discipline officer and the auditor.
DISCIPLINE_ALLOWED = ["/", "/api/v1/me", "/search/?q=zs", "/integrity/", "/integrity/talks/", "/api/v1/integrity/talks"]
DISCIPLINE_REFUSED = [
    *(url for i, url in enumerate(PAGES.values()) if EXPECTED["nobody"][i] == F),
    *(url for url in COMMAND_PAGES.values() if "{" not in url),
    *(url for url in RISK_PAGES.values() if "{" not in url),
    *(url for url in CALENDAR_PAGES.values() if "{" not in url),
    *(url for url in CANTEEN_PAGES.values() if "{" not in url),
    *(url for url in SCHOOLHEALTH_PAGES.values() if "{" not in url),
]


def _discipline_officer(city: City) -> User:
    from tests.factories import UserFactory, assign

    officer = UserFactory.create(username="discipline.officer", unit=city.root)
    assign(officer, "discipline_officer", city.root)
    return officer


def test_discipline_officer_sees_only_the_integrity_records(signed_in, city: City) -> None:
    client = signed_in(_discipline_officer(city))
    for url in DISCIPLINE_ALLOWED:
        assert client.get(url).status_code == 200, url
    values = {name: getattr(city, name).pk for name in ("school_a", "school_b", "class_a1", "class_b1")}
    values.update(student_a1=city.students["a1"][0].pk, student_b1=city.students["b1"][0].pk)
    for url in DISCIPLINE_REFUSED:
        assert client.get(url.format(**values)).status_code in (403, 404), url


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("bureau_leader", "auditor")])
def test_integrity_pages_are_404_for_everyone_else(signed_in, city: City, role: str) -> None:
    client = signed_in(city.user(role))
    for url in ("/integrity/", "/integrity/talks/", "/integrity/matters/", "/api/v1/integrity/talks"):
        assert client.get(url).status_code == 404, url


# ---- 学生欺凌防治 (bullying): reports are object-level. The principal (and the people the principal designated; none
# here) read and handle the school's reports; every school teacher reports; districts and the city see counts only and
# 404 on a report, their own subtree or not. The index sends each role to its page (302).
BULLYING_PAGES = {
    "index": "/bullying/",
    "new": "/bullying/new/",
    "stats": "/bullying/stats/",
    "stats_b": "/bullying/stats/?unit={school_b}",
    "report": "/bullying/{report}/",
    "report_b": "/bullying/{report_b}/",
    "api_list": "/api/v1/bullying",
    "api_report": "/api/v1/bullying/{report}",
    "api_stats": "/api/v1/bullying/stats",
}
BULLYING_COUNTS = [302, F, A, A, N, N, F, F, A]
BULLYING_EXPECTED: dict[str, list[int]] = {
    "bureau_leader": BULLYING_COUNTS,
    "bureau_staff": BULLYING_COUNTS,
    "inspector": BULLYING_COUNTS,
    "district_admin": [302, F, A, N, N, N, F, F, A],
    "principal": [A, A, A, N, A, N, A, A, A],
    **{role: [302, A, F, N, N, N, F, F, F] for role in ("school_staff", "class_teacher", "counsellor", "doctor")},
    **{role: [F] * len(BULLYING_PAGES) for role in ("sysadmin", "security_officer", "auditor", "nobody")},
}


@pytest.mark.parametrize("role", ROLES)
def test_bullying_access(signed_in, city: City, role: str) -> None:
    from dudao.bullying import services as bullying

    def report_at(school: OrgUnit) -> int:
        data = bullying.ReportIn(
            kind="verbal",
            occurred_on=timezone.localdate(),
            place="走廊",
            description="多次被同学起侮辱性绰号。",
            reporter="家长",
        )
        found, _ = bullying.submit_public(school=school, data=data)
        return found.pk

    values = {"school_b": city.school_b.pk, "report": report_at(city.school_a), "report_b": report_at(city.school_b)}
    client = signed_in(city.user(role))
    got = [client.get(url.format(**values)).status_code for url in BULLYING_PAGES.values()]
    assert got == BULLYING_EXPECTED[role]


# ----- 校园安保与三防 (guards) and 维修改造项目 (projects) -------------------------------------------------
# Unit heads read their subtree (a school's principal and office land on their school's page: 302); only the
# school keeps its guards; projects of another district answer 404.
GUARD_PAGES = {
    "guards": "/guards/",
    "school_a": "/guards/schools/{school_a}/",
    "school_b": "/guards/schools/{school_b}/",
    "api_cards": "/api/v1/safety/guards",
    "projects": "/projects/",
    "project_a": "/projects/{project_a}/",
    "project_b": "/projects/{project_b}/",
    "api_projects": "/api/v1/projects",
}
GUARD_READER = [200, 200, 200, 200, 200, 200, 200, 200]
GUARD_DISTRICT = [200, 200, 404, 200, 200, 200, 404, 200]
GUARD_SCHOOL = [302, 200, 404, 200, 200, 200, 404, 200]
GUARD_NONE = [403] * 8
GUARD_EXPECTED: dict[str, list[int]] = {
    "bureau_leader": GUARD_READER,
    "bureau_staff": GUARD_READER,
    "inspector": GUARD_READER,
    "district_admin": GUARD_DISTRICT,
    "principal": GUARD_SCHOOL,
    "school_staff": GUARD_SCHOOL,
    "class_teacher": GUARD_NONE,
    "counsellor": GUARD_NONE,
    "doctor": GUARD_NONE,
    "sysadmin": GUARD_NONE,
    "security_officer": GUARD_NONE,
    "auditor": GUARD_NONE,
    "nobody": GUARD_NONE,
}


@pytest.mark.parametrize("role", ROLES)
def test_guard_and_project_pages(signed_in, city: City, role: str) -> None:
    from decimal import Decimal

    from dudao.projects.models import Project

    def project(school: Any) -> Project:
        return Project.objects.create(
            school=school,
            title="屋面防水维修",
            kind="building",
            estimate=Decimal(85000),
            funding="fiscal",
            created_by=city.user("principal"),
        )

    values = {
        "school_a": city.school_a.pk,
        "school_b": city.school_b.pk,
        "project_a": project(city.school_a).pk,
        "project_b": project(city.school_b).pk,
    }
    client = signed_in(city.user(role))
    got = [client.get(url.format(**values)).status_code for url in GUARD_PAGES.values()]
    assert got == GUARD_EXPECTED[role]

"""Roster import edge cases, unit rename/move rules, audit visibility and export masking: each test names the failure
it guards against."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError
from dudao.orgs import services
from dudao.orgs.models import OrgUnit, Student, StudentStatus
from dudao.orgs.roster import RosterImportError, import_roster
from tests.factories import City, unit
from tests.xlsx import roster_row, workbook

pytestmark = pytest.mark.django_db


def do_import(city: City, rows: list[list[object]]):
    return import_roster(actor=city.user("school_staff"), school=city.school_a, upload=workbook(rows))


def test_import_works_on_29_february(city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: dt.date(2028, 2, 29))
    assert do_import(city, [roster_row("七年级（1）班", "G2000001")]).created == 1


def test_ambiguous_class_name_is_an_error_not_a_guess(city: City) -> None:
    campus = unit(city.school_a, "东校区", "campus")
    grade = unit(campus, "七年级", "grade")
    unit(grade, "七年级（1）班", "class")
    with pytest.raises(RosterImportError) as exc:
        do_import(city, [roster_row("七年级（1）班", "G2000002")])
    assert "多个名为“七年级（1）班”" in exc.value.errors[0].message


def test_student_who_left_another_school_can_be_taken_in(city: City) -> None:
    pupil = city.students["b1"][0]
    Student.objects.filter(pk=pupil.pk).update(status=StudentStatus.LEFT)
    result = do_import(city, [roster_row("七年级（1）班", pupil.student_no)])
    pupil.refresh_from_db()
    assert result.updated == 1 and pupil.klass == city.class_a1 and pupil.status == StudentStatus.ENROLLED


def test_id_card_numbers_never_reach_the_audit_trail_in_clear(city: City) -> None:
    row = roster_row("七年级（1）班", "G2000003")
    row[5] = "360101201303010172"
    do_import(city, [row])
    row[5] = "36010120130301777X"
    do_import(city, [row])
    event = AuditEvent.objects.filter(action="import_update").latest("seq")
    assert event.changes["id_card_no"] == ["360101********0172", "360101********777X"]
    assert "360101201303010172" not in str(AuditEvent.objects.values_list("changes", flat=True))


def test_failed_logins_and_audit_exports_are_visible_to_the_auditor(login, client: Client, city: City) -> None:
    Client().post("/accounts/login/", {"username": "nosuchuser", "password": "x"})
    auditor = login(city.user("auditor"))
    auditor.get("/audit/export.xlsx")
    page = auditor.get("/audit/?actor=").content.decode()
    assert "nosuchuser" in page and "导出审计记录" in page


def test_rename_to_a_siblings_name_is_refused(city: City) -> None:
    with pytest.raises(DomainError) as exc:
        services.rename_unit(
            actor=city.user("district_admin"), unit=city.school_a2, name="甲区第五中学", short_name="", version=None
        )
    assert exc.value.code == "duplicate_name"


def test_closed_unit_cannot_be_renamed_or_moved(city: City) -> None:
    OrgUnit.objects.filter(pk=city.class_a2.pk).update(is_closed=True)
    closed = OrgUnit.objects.get(pk=city.class_a2.pk)
    with pytest.raises(DomainError, match="已撤销") as exc:
        services.rename_unit(actor=city.user("school_staff"), unit=closed, name="新班", short_name="", version=None)
    assert exc.value.code == "unit_closed"


def test_unknown_unit_kind_is_a_domain_error(city: City) -> None:
    with pytest.raises(DomainError) as exc:
        services.create_unit(actor=city.user("sysadmin"), parent=city.root, name="x", kind="nonsense")
    assert exc.value.code == "unknown_kind"


def test_audit_api_unknown_unit_is_404(client: Client, city: City) -> None:
    from dudao.accounts.services import create_token

    _, plain = create_token(actor=city.user("auditor"), name="t")
    response = client.get("/api/v1/audit/events?unit=999999", HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert response.status_code == 404


def test_roster_export_masks_logs_and_escapes_formulas(login, city: City) -> None:
    from python_calamine import CalamineWorkbook

    Student.objects.filter(pk=city.students["a1"][0].pk).update(name='=HYPERLINK("x")')
    client = login(city.user("principal"))
    masked = client.get(f"/orgs/{city.school_a.pk}/students/export.xlsx")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(masked.streaming_content))).get_sheet_by_index(0)
    rows = sheet.to_python()
    assert len(rows) == 1 + 5
    assert all("****" in str(r[11 + 2]) for r in rows[1:])
    assert any(str(r[1]).startswith("'=HYPERLINK") for r in rows[1:])
    full = client.get(f"/orgs/{city.school_a.pk}/students/export.xlsx?full=1")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(full.streaming_content))).get_sheet_by_index(0)
    assert not any("****" in str(r[13]) for r in sheet.to_python()[1:])
    events = AuditEvent.objects.filter(action="export_roster").order_by("seq")
    assert [e.changes["unmasked_phone"] for e in events] == [False, True]


def test_doctor_cannot_export_full_roster_ids_but_can_phones(login, city: City) -> None:
    client = login(city.user("doctor"))
    response = client.get(f"/orgs/{city.school_a.pk}/students/export.xlsx?full=1")
    assert response.status_code == 200
    event = AuditEvent.objects.filter(action="export_roster").latest("seq")
    assert (event.changes["unmasked_id"], event.changes["unmasked_phone"]) == (False, True)
    assert (
        login(city.user("district_admin")).get(f"/orgs/{city.school_a.pk}/students/export.xlsx?full=1").status_code
        == 403
    )


def test_export_over_the_sheet_limit_is_refused_with_advice(login, city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("dudao.core.excel.EXCEL_MAX_ROWS", 3)
    client = login(city.user("principal"))
    response = client.get(f"/orgs/{city.school_a.pk}/students/export.xlsx", follow=True)
    assert "超过 Excel 单表" in response.content.decode()
    assert not AuditEvent.objects.filter(action="export_roster").exists()

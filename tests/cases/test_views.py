"""Case pages end to end through the Django client: forms post to services, bad input changes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from dudao.accounts.models import User
from dudao.cases.models import (
    BreakGlassGrant,
    CaseAlert,
    CaseFile,
    CaseNote,
    CounsellingRoom,
    CrisisStep,
    HomeVisit,
    ScreeningResult,
)
from dudao.core import crypto
from dudao.orgs.text import mask_student_no
from tests.factories import City
from tests.xlsx import workbook

pytestmark = pytest.mark.django_db


def test_open_case_page_and_duplicate(city: City, signed_in: Callable[[User], Client]) -> None:
    client = signed_in(city.user("counsellor"))
    student = city.students["a1"][0]
    data = {
        "student_no": student.student_no,
        "kind": "psych",
        "source": "teacher",
        "risk_level": "level2",
        "plan": "每周面谈",
        "follow_up_days": 14,
    }
    response = client.post("/cases/new/", data)
    case = CaseFile.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    again = client.post("/cases/new/", data, follow=True)
    assert f"#{case.pk}" in again.content.decode() and CaseFile.objects.count() == 1
    other = client.post("/cases/new/", {**data, "student_no": city.students["b1"][0].student_no}, follow=True)
    assert "本校没有该学籍号" in other.content.decode()


def test_a_masked_student_number_is_refused_with_a_hint(city: City, signed_in: Callable[[User], Client]) -> None:
    client = signed_in(city.user("counsellor"))
    masked = mask_student_no(city.students["a1"][0].student_no)
    data = {"student_no": masked, "kind": "psych", "source": "teacher", "risk_level": "level2", "follow_up_days": 14}
    response = client.post("/cases/new/", data, follow=True)
    assert "学籍号已脱敏，请填写完整的学籍号" in response.content.decode()
    assert not CaseFile.objects.exists()


def test_note_level_steps_and_close_through_pages(city: City, signed_in: Callable[[User], Client]) -> None:
    client = signed_in(city.user("counsellor"))
    student = city.students["a1"][0]
    client.post(
        "/cases/new/",
        {
            "student_no": student.student_no,
            "kind": "psych",
            "source": "self",
            "risk_level": "level3",
            "follow_up_days": 7,
        },
    )
    case = CaseFile.objects.get()
    today = timezone.localdate().isoformat()
    client.post(f"/cases/{case.pk}/note/", {"kind": "interview", "occurred_on": today, "text": "面谈内容"})
    assert CaseNote.objects.get().text == "面谈内容"
    contacted = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    client.post(
        f"/cases/{case.pk}/level/",
        {"level": "crisis", "reason": "自伤风险", "guardian_contacted_at": contacted, "version": 2},
    )
    case.refresh_from_db()
    assert case.risk_level == "crisis" and CrisisStep.objects.filter(case=case).count() == 3
    page = client.post(f"/cases/{case.pk}/close/", {"summary": "x", "version": case.version}, follow=True)
    assert "未完成的步骤" in page.content.decode()
    for step in ("safety_plan", "guardian_handover", "referral"):
        client.post(f"/cases/{case.pk}/step/{step}/", {"note": "完成"})
    case.refresh_from_db()
    client.post(f"/cases/{case.pk}/close/", {"summary": "稳定", "version": case.version})
    case.refresh_from_db()
    assert case.status == "closed"


def test_stale_version_is_refused_with_a_message(city: City, signed_in: Callable[[User], Client]) -> None:
    client = signed_in(city.user("counsellor"))
    student = city.students["a1"][0]
    client.post(
        "/cases/new/",
        {
            "student_no": student.student_no,
            "kind": "psych",
            "source": "self",
            "risk_level": "level3",
            "follow_up_days": 7,
        },
    )
    case = CaseFile.objects.get()
    page = client.post(f"/cases/{case.pk}/level/", {"level": "level1", "reason": "x", "version": 99}, follow=True)
    assert "已被他人修改" in page.content.decode()
    case.refresh_from_db()
    assert case.risk_level == "level3"


def test_break_glass_page_needs_a_reason(city: City, signed_in: Callable[[User], Client]) -> None:
    from tests.cases.conftest import open_psych

    case = open_psych(city)
    client = signed_in(city.user("case_officer"))
    from dudao.audit.models import AuditEvent

    found = client.get(f"/cases/break-glass/?student_no={case.student.student_no}")
    page = found.content.decode()
    assert f"个案 #{case.pk}" in page and f"在 <b>{case.school.name}</b> 有 1 份个案" in page
    # Before a reason is given: no name, no kind, no status.
    assert case.student.name not in page
    listed = page.split('data-testid="break-glass-candidates"')[1].split("</ul>")[0]
    assert case.get_kind_display() not in listed and case.get_status_display() not in listed
    # The lookup itself is an access event naming the student number (masked: it carries the ID number) and the
    # cases found, no content.
    lookup = AuditEvent.objects.get(action="case_lookup")
    assert lookup.kind == "access" and lookup.actor_id == city.user("case_officer").pk
    assert lookup.changes["student_no"] == mask_student_no(case.student.student_no) != case.student.student_no
    assert lookup.changes["cases"] == [case.pk]
    assert lookup.unit_path == case.school.path
    client.get("/cases/break-glass/?student_no=NOSUCH")
    assert AuditEvent.objects.filter(action="case_lookup").count() == 2
    refused = client.post(
        f"/cases/break-glass/?student_no={case.student.student_no}", {"case": case.pk, "reason": ""}, follow=True
    )
    assert "请写明紧急访问的理由" in refused.content.decode() and not BreakGlassGrant.objects.exists()
    client.post("/cases/break-glass/", {"case": case.pk, "reason": "学生失联，家长报警，需了解情况"})
    assert BreakGlassGrant.objects.count() == 1
    assert CaseAlert.objects.filter(recipient=city.user("security_officer")).exists()


def test_screening_import_page_shows_row_errors(city: City, signed_in: Callable[[User], Client]) -> None:
    client = signed_in(city.user("counsellor"))
    assert client.get("/cases/screening/template.xlsx").status_code == 200
    a = city.students["a1"][0]
    bad = workbook(
        [[a.student_no, a.name, "70"], ["X999", "无名", "80"]],
        header=["学籍号", "姓名", "总分", "等级", "备注/作答摘要"],
    )
    page = client.post(
        "/cases/screening/",
        {"name": "秋季筛查", "threshold": "60", "file": SimpleUploadedFile("s.xlsx", bad.getvalue())},
    )
    assert 'data-testid="import-errors"' in page.content.decode() and "第 3 行" in page.content.decode()
    assert not ScreeningResult.objects.exists()
    good = workbook([[a.student_no, a.name, "70"]], header=["学籍号", "姓名", "总分", "等级", "备注/作答摘要"])
    client.post(
        "/cases/screening/",
        {"name": "秋季筛查", "threshold": "60", "file": SimpleUploadedFile("s.xlsx", good.getvalue())},
    )
    result = ScreeningResult.objects.get()
    response = client.post(f"/cases/suggestions/screening/{result.pk}/", {"decision": "accept", "risk_level": "level2"})
    case = CaseFile.objects.get()
    assert response["Location"] == f"/cases/{case.pk}/" and case.source == "screening"


def test_visit_and_staffing_pages(city: City, signed_in: Callable[[User], Client]) -> None:
    teacher = signed_in(city.user("class_teacher"))
    a = city.students["a1"][0]
    teacher.post(
        "/cases/visits/record/",
        {"student": a.pk, "visited_on": timezone.localdate().isoformat(), "mode": "phone", "findings": "情况良好"},
    )
    assert HomeVisit.objects.get().findings == "情况良好"
    outsider = city.students["b1"][0]
    assert (
        teacher.post(
            "/cases/visits/record/",
            {"student": outsider.pk, "visited_on": timezone.localdate().isoformat(), "mode": "phone", "findings": "x"},
        ).status_code
        == 404
    )
    principal = signed_in(city.user("principal"))
    principal.post("/cases/staffing/room/", {"name": "心理辅导室", "area_m2": 40, "meets_standard": "on"})
    assert CounsellingRoom.objects.get().meets_standard
    coverage = principal.get("/cases/visits/coverage/").content.decode()
    assert city.class_a1.name in coverage and a.name not in coverage


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_any_text_round_trips_through_the_cipher(text: str) -> None:
    stored = crypto.encrypt(text, context="cases.casenote.text")
    assert crypto.decrypt(stored, context="cases.casenote.text") == text
    assert text == "" or text not in stored.partition(":")[2] or len(text) < 4


def test_alerts_page_and_mark_read(city: City, signed_in: Callable[[User], Client]) -> None:
    from tests.cases.conftest import open_psych

    open_psych(city)
    client = signed_in(city.user("class_teacher"))
    assert "个案" in client.get("/cases/alerts/").content.decode()
    client.post("/cases/alerts/read/")
    assert not CaseAlert.objects.filter(recipient=city.user("class_teacher"), read_at__isnull=True).exists()


def test_principal_records_a_counsellor_profile(city: City, signed_in: Callable[[User], Client]) -> None:
    from dudao.cases.models import CounsellorProfile

    principal = signed_in(city.user("principal"))
    principal.post(
        "/cases/staffing/profile/", {"user": city.user("counsellor").pk, "employment": "full", "certificate": "A"}
    )
    profile = CounsellorProfile.objects.get()
    assert profile.employment == "full" and profile.certificate == "A"
    page = principal.get("/cases/staffing/").content.decode()
    assert "专职" in page


def test_suggestions_page_writes_an_access_event(city: City, signed_in: Callable[[User], Client]) -> None:
    import datetime as dt
    from decimal import Decimal

    from dudao.audit.models import AuditEvent
    from dudao.cases.models import DropoutSuggestion, ScreeningBatch, ScreeningResult

    batch = ScreeningBatch.objects.create(school=city.school_a, name="秋季筛查", threshold=Decimal(60))
    a, b = city.students["a1"][0], city.students["a1"][1]
    result = ScreeningResult.objects.create(batch=batch, student=a, score=Decimal(80), status="pending")
    today = timezone.localdate()
    suggestion = DropoutSuggestion.objects.create(
        school=city.school_a, student=b, days=3, first_date=today - dt.timedelta(days=3), last_date=today
    )
    client = signed_in(city.user("counsellor"))
    page = client.get("/cases/suggestions/")
    assert page.status_code == 200 and a.name in page.content.decode()
    events = {e.object_type: e for e in AuditEvent.objects.filter(action="suggestion_list")}
    assert events["cases.screeningresult"].changes["ids"] == [result.pk]
    assert events["cases.dropoutsuggestion"].changes["ids"] == [suggestion.pk]
    assert all(e.kind == "access" and e.unit_path == city.school_a.path for e in events.values())

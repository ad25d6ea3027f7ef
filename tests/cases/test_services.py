"""Case services: opening, notes, crisis, referral, review, closing, dropout, screening, suggestions, home visits,
staffing, retention — and the bad input the issue lists."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from dudao.audit.models import AuditEvent
from dudao.cases import intake, school, selectors, services, upkeep
from dudao.cases.models import (
    AlertKind,
    CaseAlert,
    CaseFile,
    CaseKind,
    CaseNote,
    CaseStatus,
    CounsellorProfile,
    CrisisStep,
    DropoutResult,
    DropoutSuggestion,
    HomeVisit,
    RiskLevel,
    ScreeningResult,
    SuggestionStatus,
    term_of,
)
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.core.excel import ImportRejected
from dudao.orgs.models import Student
from tests.cases.conftest import now_minus, open_psych
from tests.factories import City, student
from tests.xlsx import workbook

pytestmark = pytest.mark.django_db


def test_open_case_assigns_class_teacher_and_audits_without_content(city: City) -> None:
    case = open_psych(city, plan="极其私密的方案")
    assert case.counsellor == city.user("counsellor")
    assert case.class_teacher == city.user("class_teacher")
    event = AuditEvent.objects.get(action="case_open")
    assert "极其私密" not in str(event.changes)
    assert CaseAlert.objects.filter(recipient=city.user("class_teacher"), kind=AlertKind.ASSIGNED).exists()


def test_second_open_case_of_the_same_kind_points_to_the_first(city: City) -> None:
    first = open_psych(city)
    with pytest.raises(DomainError) as exc:
        open_psych(city)
    assert exc.value.code == "case_exists" and f"#{first.pk}" in exc.value.message
    assert CaseFile.objects.count() == 1
    # Being pointed to the existing case is a read of it: an access event on that case.
    event = AuditEvent.objects.get(action="case_exists")
    assert event.kind == "access" and event.object_id == str(first.pk)
    assert event.actor_id == city.user("counsellor").pk


def test_a_dropout_case_may_exist_beside_a_psych_case(city: City) -> None:
    open_psych(city)
    services.open_case(
        actor=city.user("counsellor"),
        student=city.students["a1"][0],
        kind=CaseKind.DROPOUT,
        source="census",
        dropout_reason="weariness",
        out_since=timezone.localdate() - dt.timedelta(days=10),
    )
    assert CaseFile.objects.count() == 2


def test_class_teacher_cannot_open_a_case(city: City) -> None:
    with pytest.raises(Forbidden):
        services.open_case(
            actor=city.user("class_teacher"), student=city.students["a1"][0], kind="psych", source="teacher"
        )


def test_counsellor_cannot_open_a_case_for_another_school(city: City) -> None:
    with pytest.raises(DomainError) as exc:
        services.open_case(actor=city.user("counsellor"), student=city.students["b1"][0], kind="psych", source="self")
    assert exc.value.code == "student_outside"


def test_note_in_the_future_is_refused(city: City, case: CaseFile) -> None:
    with pytest.raises(DomainError) as exc:
        services.add_note(
            actor=city.user("counsellor"), case=case, text="x", occurred_on=timezone.localdate() + dt.timedelta(days=1)
        )
    assert exc.value.code == "date_in_future"
    assert not CaseNote.objects.exists()


def test_empty_note_is_refused(city: City, case: CaseFile) -> None:
    with pytest.raises(DomainError) as exc:
        services.add_note(actor=city.user("counsellor"), case=case, text="   ")
    assert exc.value.code == "text_required" and "记录内容" in exc.value.message


def test_class_teacher_adds_a_three_line_contact(city: City, case: CaseFile) -> None:
    note = services.add_note(
        actor=city.user("class_teacher"), case=case, kind="family", text="与母亲电话沟通", outcome="母亲同意每周反馈"
    )
    assert CaseNote.objects.get(pk=note.pk).outcome == "母亲同意每周反馈"


def test_break_glass_reader_cannot_write(city: City, case: CaseFile) -> None:
    services.break_glass(actor=city.user("case_officer"), case=case, reason="紧急情况：学生离家出走需要了解情况")
    with pytest.raises(Forbidden):
        services.add_note(actor=city.user("case_officer"), case=case, text="x")


def raise_to_crisis(city: City, case: CaseFile) -> CaseFile:
    return services.change_level(
        actor=city.user("counsellor"),
        case=case,
        level=RiskLevel.CRISIS,
        reason="学生在周记中流露自伤念头",
        version=case.version,
        guardian_contacted_at=now_minus(10),
    )


def test_raising_to_crisis_notifies_principal_and_starts_the_checklist(city: City, case: CaseFile) -> None:
    case = raise_to_crisis(city, case)
    assert case.risk_level == RiskLevel.CRISIS
    assert case.guardian_contacted_by == city.user("counsellor") and case.guardian_contacted_at is not None
    assert set(CrisisStep.objects.filter(case=case).values_list("step", flat=True)) == {
        "safety_plan",
        "guardian_handover",
        "referral",
    }
    assert CaseAlert.objects.filter(recipient=city.user("principal"), kind=AlertKind.CRISIS).exists()
    steps = selectors.open_crisis_steps(city.user("principal"))
    assert steps.count() == 3


def test_crisis_without_guardian_contact_is_refused(city: City, case: CaseFile) -> None:
    with pytest.raises(DomainError) as exc:
        services.change_level(
            actor=city.user("counsellor"), case=case, level="crisis", reason="紧急", version=case.version
        )
    assert exc.value.code == "guardian_contact_required"


def test_closing_a_crisis_case_with_open_steps_is_refused(city: City, case: CaseFile) -> None:
    case = raise_to_crisis(city, case)
    with pytest.raises(DomainError) as exc:
        services.close_case(actor=city.user("counsellor"), case=case, summary="已稳定", version=case.version)
    assert exc.value.code == "crisis_steps_open"
    for step in ("safety_plan", "guardian_handover", "referral"):
        services.complete_crisis_step(actor=city.user("principal"), case=case, step=step, note="已完成")
    case.refresh_from_db()
    closed = services.close_case(actor=city.user("counsellor"), case=case, summary="已稳定", version=case.version)
    assert closed.status == CaseStatus.CLOSED
    assert CaseFile.objects.get(pk=case.pk).summary == "已稳定"


def test_stale_level_change_is_409(city: City, case: CaseFile) -> None:
    with pytest.raises(StaleEditError):
        services.change_level(
            actor=city.user("counsellor"), case=case, level="level1", reason="x", version=case.version + 5
        )


def test_referral_and_review(city: City, case: CaseFile) -> None:
    referral = services.add_referral(
        actor=city.user("counsellor"), case=case, institution="市第三人民医院心理科", referred_on=timezone.localdate()
    )
    services.update_referral(actor=city.user("counsellor"), referral=referral, status="in_treatment", version=1)
    case.refresh_from_db()
    later = timezone.localdate() + dt.timedelta(days=30)
    case = services.review_case(
        actor=city.user("counsellor"), case=case, text="情绪改善", next_review_on=later, version=case.version
    )
    assert case.next_review_on == later
    with pytest.raises(DomainError) as exc:
        services.add_referral(
            actor=city.user("counsellor"),
            case=case,
            institution="x",
            referred_on=timezone.localdate() + dt.timedelta(days=2),
        )
    assert exc.value.code == "date_in_future" and "转介日期" in exc.value.message


def dropout_case(city: City) -> CaseFile:
    return services.open_case(
        actor=city.user("counsellor"),
        student=city.students["a1"][1],
        kind=CaseKind.DROPOUT,
        source="census",
        dropout_reason="work",
        out_since=timezone.localdate() - dt.timedelta(days=20),
    )


def test_dropout_register_and_return(city: City) -> None:
    case = dropout_case(city)
    assert case.dropout_result == DropoutResult.OUT and case.days_out == 20
    services.add_note(
        actor=city.user("class_teacher"),
        case=case,
        kind="persuasion",
        text="与村干部一起上门劝返",
        participants="班主任、村主任",
    )
    case.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        services.close_case(actor=city.user("counsellor"), case=case, summary="x", version=case.version)
    assert exc.value.code == "dropout_not_settled"
    case.refresh_from_db()
    services.update_dropout(
        actor=city.user("counsellor"),
        case=case,
        version=case.version,
        result="returned",
        reason="work",
        returned_on=timezone.localdate(),
        cadre_contact="王科长 13900000001",
    )
    stats = selectors.dropout_stats(city.root)
    assert stats.remaining == [] and stats.settled == {"returned": 1}


def test_transfer_requires_proof(city: City) -> None:
    case = dropout_case(city)
    with pytest.raises(DomainError) as exc:
        services.update_dropout(
            actor=city.user("counsellor"),
            case=case,
            version=case.version,
            result="transferred",
            returned_on=timezone.localdate(),
        )
    assert exc.value.code == "transfer_proof_required"


def test_oversized_attachment_is_refused(city: City, case: CaseFile) -> None:
    big = SimpleUploadedFile("proof.pdf", b"%PDF-1.4\n" + b"0" * 2048, content_type="application/pdf")
    with override_settings(DUDAO_CASE_ATTACHMENT_MAX_BYTES=1024), pytest.raises(DomainError) as exc:
        services.add_attachment(actor=city.user("counsellor"), case=case, upload=big, name="proof.pdf")
    assert exc.value.code == "upload_too_large"
    assert not case.attachments.exists()


def test_dropout_aggregate_has_no_names_and_names_the_cadre(city: City) -> None:
    case = dropout_case(city)
    services.update_dropout(
        actor=city.user("counsellor"), case=case, version=case.version, result="out", cadre_contact="李干部 139"
    )
    stats = selectors.dropout_stats(city.district_a)
    assert stats.remaining[0]["cadre"] == "李干部 139" and stats.remaining[0]["days_out"] == 20
    assert case.student.name not in str(stats)


def screening_file(rows: list[list[object]]) -> io.BytesIO:
    return workbook(rows, header=["学籍号", "姓名", "总分", "等级", "备注/作答摘要"])


def test_screening_import_creates_suggestions_over_the_threshold(city: City) -> None:
    a, b, c = city.students["a1"]
    batch = intake.import_screening(
        actor=city.user("counsellor"),
        upload=screening_file(
            [
                [a.student_no, a.name, 72, "中度", "第9题选择了“经常”"],
                [b.student_no, b.name, 30, "无", ""],
                [c.student_no, "", 60, "轻度", ""],
            ]
        ),
        filename="s.xlsx",
        name="秋季筛查",
        threshold=Decimal(60),
    )
    flagged = ScreeningResult.objects.filter(batch=batch, status=SuggestionStatus.PENDING)
    assert set(flagged.values_list("student_id", flat=True)) == {a.pk, c.pk}
    assert ScreeningResult.objects.get(student=a).answers == "第9题选择了“经常”"
    suggestion = flagged.get(student=a)
    case = intake.accept_screening(actor=city.user("counsellor"), result=suggestion, risk_level="level2")
    assert case.source == "screening" and case.risk_level == "level2"
    with pytest.raises(DomainError) as exc:
        intake.dismiss_screening(actor=city.user("counsellor"), result=flagged.get(student=c), reason="")
    assert exc.value.code == "text_required" and "排除理由" in exc.value.message
    intake.dismiss_screening(actor=city.user("counsellor"), result=flagged.get(student=c), reason="复评无异常")
    assert selectors.screening_suggestions(city.user("counsellor")).count() == 0


def test_screening_file_with_unknown_students_imports_nothing(city: City) -> None:
    a = city.students["a1"][0]
    outsider = city.students["b1"][0]
    with pytest.raises(ImportRejected) as exc:
        intake.import_screening(
            actor=city.user("counsellor"),
            upload=screening_file(
                [
                    [a.student_no, a.name, 80, "", ""],
                    ["NOPE123", "谁", 90, "", ""],
                    [outsider.student_no, outsider.name, 99, "", ""],
                    [a.student_no, a.name, "高", "", ""],
                ]
            ),
            filename="s.xlsx",
            name="x",
            threshold=Decimal(60),
        )
    rows = {e.row for e in exc.value.errors}
    assert rows == {3, 4, 5}
    assert not ScreeningResult.objects.exists()


@dataclass(frozen=True)
class Streak:
    student_id: int
    school_id: int
    days: int
    first_date: dt.date
    last_date: dt.date


def test_absence_streaks_become_suggestions_once(city: City) -> None:
    a, b, _ = city.students["a1"]
    today = timezone.localdate()
    streaks = [
        Streak(a.pk, city.school_a.pk, 3, today - dt.timedelta(days=4), today),
        Streak(b.pk, city.school_a.pk, 2, today - dt.timedelta(days=1), today),
    ]
    calls = []

    def provider(*, school_ids: object, min_days: int, until: dt.date) -> list[Streak]:
        calls.append(min_days)
        return [s for s in streaks if s.days >= min_days]

    assert intake.suggest_dropouts(provider=provider) == 1
    assert intake.suggest_dropouts(provider=provider) == 0
    assert calls == [3, 3]
    suggestion = DropoutSuggestion.objects.get()
    assert selectors.dropout_suggestions(city.user("class_teacher")).get() == suggestion
    case = intake.accept_dropout_suggestion(actor=city.user("counsellor"), suggestion=suggestion)
    assert case.kind == CaseKind.DROPOUT and case.source == "absence"
    with override_settings(DUDAO_DROPOUT_MIN_DAYS=2):
        assert intake.suggest_dropouts(provider=provider) == 1  # b, with the lower threshold; a has a case


def test_without_the_health_app_no_suggestions_are_made(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.apps import apps

    real = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: False if name == "dudao.health" else real(name))
    assert intake.absence_provider() is None
    assert intake.suggest_dropouts() == 0
    out = io.StringIO()
    call_command("suggest_dropouts", stdout=out)
    assert "dudao.health" in out.getvalue()


def test_home_visit_recorded_and_future_date_refused(city: City) -> None:
    teacher = city.user("class_teacher")
    a = city.students["a1"][0]
    with pytest.raises(DomainError) as exc:
        school.record_home_visit(
            actor=teacher, student=a, visited_on=timezone.localdate() + dt.timedelta(days=1), findings="x"
        )
    assert exc.value.code == "date_in_future"
    school.record_home_visit(
        actor=teacher, student=a, visited_on=None, planned_on=timezone.localdate() + dt.timedelta(days=3)
    )
    visit = school.record_home_visit(
        actor=teacher, student=a, visited_on=timezone.localdate(), findings="家庭和睦", mode="phone"
    )
    assert HomeVisit.objects.count() == 1 and visit.planned_on is not None
    with pytest.raises(Forbidden):
        school.record_home_visit(
            actor=teacher, student=city.students["a2"][0], visited_on=timezone.localdate(), findings="x"
        )
    rows = selectors.visit_coverage(city.school_a)
    row = next(r for r in rows if r["unit"] == city.class_a1.name)
    assert row["visited"] == 1 and row["students"] == 3
    district = selectors.visit_coverage(city.root)
    assert {r["unit"] for r in district} == {"甲区教育局", "乙区教育局"}


def test_unvisited_left_behind_children_come_first(city: City) -> None:
    s = student(city.class_a1, is_left_behind=True)
    teacher = city.user("class_teacher")
    names = [x.pk for x in selectors.visit_students(teacher, term_of(timezone.localdate()))]
    assert names[0] == s.pk


def test_staffing_flags_large_schools_without_full_time_counsellor(city: City) -> None:
    school.save_counsellor_profile(
        actor=city.user("principal"),
        user=city.user("counsellor"),
        school=city.school_a,
        employment="part",
        certificate="B",
    )
    with override_settings(DUDAO_CASE_FULLTIME_THRESHOLD=3):
        rows = selectors.staffing(city.district_a)
    row = next(r for r in rows if r.unit_name == city.school_a.name)
    assert row.part_time == 1 and row.full_time == 0 and row.large_without_full_time == [city.school_a.name]
    with pytest.raises(Forbidden):
        school.save_counsellor_profile(
            actor=city.user("counsellor"),
            user=city.user("counsellor"),
            school=city.school_a,
            employment="full",
            certificate="A",
        )
    assert CounsellorProfile.objects.count() == 1


def test_archive_and_purge_keep_counts_only(city: City, case: CaseFile) -> None:
    services.add_note(actor=city.user("counsellor"), case=case, text="秘密")
    case.refresh_from_db()
    services.close_case(actor=city.user("counsellor"), case=case, summary="好转", version=case.version)
    assert upkeep.archive_cases() == 0
    Student.objects.filter(pk=case.student_id).update(status="left")
    assert upkeep.archive_cases() == 1
    nothing = {"cases": 0, "notes": 0, "referrals": 0, "attachments": 0, "screening_results": 0}
    assert upkeep.purge_cases(years=5) == nothing
    later = timezone.now() + dt.timedelta(days=365 * 5 + 2)
    assert upkeep.purge_cases(years=5, now=later) == {**nothing, "cases": 1, "notes": 1}
    assert not CaseFile.objects.exists() and not CaseNote.objects.exists()
    event = AuditEvent.objects.filter(action="case_purge").latest("seq")
    assert event.changes["cases"] == 1 and "秘密" not in str(event.changes)


def test_purge_removes_attachments_their_files_and_the_screening_results(
    city: City, case: CaseFile, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core.files.storage import default_storage

    from dudao.cases.models import ScreeningBatch
    from dudao.core.models import StoredFile

    pdf = SimpleUploadedFile("proof.pdf", b"%PDF-1.4\n" + b"0" * 64, content_type="application/pdf")
    attachment = services.add_attachment(actor=city.user("counsellor"), case=case, upload=pdf, name="proof.pdf")
    blob = attachment.file.storage_name
    assert default_storage.exists(blob)
    batch = ScreeningBatch.objects.create(school=city.school_a, name="秋季筛查", threshold=Decimal(60))
    ScreeningResult.objects.create(
        batch=batch, student=case.student, score=Decimal(80), answers="第9题", status="accepted", case=case
    )
    other = ScreeningResult.objects.create(batch=batch, student=city.students["a1"][1], score=Decimal(10))
    case.refresh_from_db()
    services.close_case(actor=city.user("counsellor"), case=case, summary="好转", version=case.version)
    Student.objects.filter(pk=case.student_id).update(status="left")
    assert upkeep.archive_cases() == 1
    later = timezone.now() + dt.timedelta(days=365 * 5 + 2)
    with django_capture_on_commit_callbacks(execute=True):
        counts = upkeep.purge_cases(years=5, now=later)
    assert counts["cases"] == 1 and counts["attachments"] == 1 and counts["screening_results"] == 1
    assert not StoredFile.objects.filter(pk=attachment.file_id).exists()
    assert not default_storage.exists(blob)
    assert list(ScreeningResult.objects.values_list("pk", flat=True)) == [other.pk]
    event = AuditEvent.objects.filter(action="case_purge").latest("seq")
    assert event.changes["attachments"] == 1 and "proof" not in str(event.changes)


def test_commands_run(city: City, case: CaseFile) -> None:
    out = io.StringIO()
    call_command("purge_cases", stdout=out)
    assert "删除" in out.getvalue()
    out = io.StringIO()
    call_command("rotate_case_keys", stdout=out)
    assert "轮换完成" in out.getvalue()
    out = io.StringIO()
    call_command("suggest_dropouts", stdout=out)
    assert "条辍学风险提示" in out.getvalue()


def test_case_list_puts_crisis_first_then_the_most_serious(city: City) -> None:
    mild = open_psych(city, 0, level=RiskLevel.LEVEL3)
    serious = open_psych(city, 1, level=RiskLevel.LEVEL1)
    crisis = open_psych(city, 2, level=RiskLevel.CRISIS, guardian_contacted_at=now_minus(5))
    listed = list(selectors.case_list(city.user("counsellor"), selectors.CaseFilters()))
    assert listed == [crisis, serious, mild]

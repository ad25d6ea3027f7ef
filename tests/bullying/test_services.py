"""Intake, visibility, steps and deadlines, designations, audit and access events of bullying reports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from dudao.audit.models import AuditEvent
from dudao.bullying import selectors, services
from dudao.bullying.models import Report, Status, Step
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from tests.bullying.conftest import report_in, today, walk
from tests.factories import City

pytestmark = pytest.mark.django_db


def test_public_report_gets_a_deadline_and_its_text_is_encrypted(city, report):
    assert report.status == Status.REPORTED and report.channel == "guardian"
    assert report.due_on is not None and report.due_on > today()
    assert report.number.startswith(f"QL{today().year}-")
    with connection.cursor() as cursor:
        cursor.execute("SELECT description, reporter FROM bullying_report WHERE id = %s", [report.pk])
        description, reporter = cursor.fetchone()
    assert "绰号" not in description and "王女士" not in reporter
    assert Report.objects.get(pk=report.pk).description.startswith("课间多次")


def test_same_request_key_twice_keeps_one_report(city, report):
    again, created = services.submit_public(school=city.school_a, data=report_in(), request_key="k-1")
    assert not created and again.pk == report.pk and Report.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"occurred_on": dt.date.today() + dt.timedelta(days=3)}, "date_in_future"),
        ({"kind": "fight"}, "kind_invalid"),
        ({"description": "太短"}, "too_short"),
        ({"place": " "}, "required"),
        ({"reporter": ""}, "reporter_required"),
    ],
)
def test_bad_public_report_is_refused_and_nothing_saved(city, overrides, code):
    if "occurred_on" in overrides:
        overrides["occurred_on"] = today() + dt.timedelta(days=3)
    with pytest.raises(DomainError) as exc:
        services.submit_public(school=city.school_a, data=report_in(**overrides))
    assert exc.value.code == code and Report.objects.count() == 0


def test_only_the_principal_and_designated_people_see_reports(city, report, report_b, designated):
    assert list(selectors.reports_for(city.user("principal"))) == [report]
    assert list(selectors.reports_for(city.user("counsellor"))) == [report]
    for key in ("school_staff", "class_teacher", "doctor", "district_admin", "bureau_leader", "case_officer"):
        assert not selectors.reports_for(city.user(key)).exists(), key


def test_teacher_report_names_roster_students_and_teacher_then_sees_nothing(city):
    student = city.students["a1"][1]
    report, created = services.file_report(
        actor=city.user("class_teacher"),
        data=report_in(reporter=""),
        students=[services.StudentIn(role="victim", name=student.name)],
        request_key="t-1",
    )
    assert created and report.channel == "teacher" and "班主任" in report.reporter
    assert [i.student_id for i in report.involvements.all()] == [student.pk]
    assert not selectors.reports_for(city.user("class_teacher")).exists()


def test_student_outside_the_school_is_refused(city):
    other = city.students["b1"][0]
    with pytest.raises(DomainError) as exc:
        services.file_report(
            actor=city.user("class_teacher"),
            data=report_in(),
            students=[services.StudentIn(role="bully", student_id=other.pk)],
        )
    assert exc.value.code == "student_not_in_school" and Report.objects.count() == 0


def test_unknown_name_is_refused_with_its_name(city, report):
    with pytest.raises(DomainError) as exc:
        services.add_student(
            actor=city.user("principal"),
            report=report,
            student=services.StudentIn(role="bully", name="查无此人"),
            version=report.version,
        )
    assert "查无此人" in exc.value.message


def test_district_cannot_file_or_handle(city, report):
    with pytest.raises(Forbidden):
        services.file_report(actor=city.user("district_admin"), data=report_in())
    with pytest.raises(Forbidden):
        services.record_step(
            actor=city.user("district_admin"), report=report, kind="accept", text="受理记录", version=report.version
        )


def test_steps_in_order_to_closing_with_audit(city, report):
    closed = walk(city, report, "close")
    assert closed.status == Status.CLOSED and closed.due_on is None and closed.closed_at is not None
    assert closed.is_bullying is True and closed.severity == "general"
    kinds = list(Step.objects.filter(report=closed).values_list("kind", flat=True))
    assert kinds == ["accept", "investigate", "determine", "measures", "follow_up", "close"]
    actions = set(AuditEvent.objects.filter(object_type="bullying.report").values_list("action", flat=True))
    assert {"report", "step_accept", "step_determine", "step_close", "add_student"} <= actions
    # The trail holds no text: neither the description nor a step's record.
    for changes in AuditEvent.objects.filter(object_type="bullying.report").values_list("changes", flat=True):
        assert "绰号" not in str(changes) and "记录内容" not in str(changes)


def test_not_bullying_goes_from_determination_to_closing(city, report):
    determined = walk(city, report, "determine", bullying=False)
    assert determined.status == Status.FOLLOWED and determined.next_step == "close"


def test_step_out_of_order_is_refused(city, report):
    with pytest.raises(DomainError) as exc:
        services.record_step(
            actor=city.user("principal"), report=report, kind="investigate", text="调查记录", version=report.version
        )
    assert exc.value.code == "step_out_of_order" and exc.value.status == 409


def test_stale_version_is_refused_and_nothing_changes(city, report):
    services.record_step(actor=city.user("principal"), report=report, kind="accept", text="受理记录", version=1)
    with pytest.raises(StaleEditError):
        services.record_step(actor=city.user("principal"), report=report, kind="investigate", text="调查", version=1)
    assert Step.objects.filter(report=report).count() == 1


def test_determination_needs_a_verdict_and_severity(city, report):
    accepted = walk(city, report, "investigate")
    with pytest.raises(DomainError) as exc:
        services.record_step(
            actor=city.user("principal"),
            report=accepted,
            kind="determine",
            text="认定会议记录",
            version=accepted.version,
            is_bullying=True,
        )
    assert exc.value.code == "severity_required"


def test_measures_need_a_victim(city, report):
    determined = walk(city, report, "determine")
    with pytest.raises(DomainError) as exc:
        services.record_step(
            actor=city.user("principal"),
            report=determined,
            kind="measures",
            text="处置措施",
            version=determined.version,
        )
    assert exc.value.code == "victim_missing"


def test_overdue_is_computed_from_the_deadline(city, report):
    Report.objects.filter(pk=report.pk).update(due_on=today() - dt.timedelta(days=1))
    report.refresh_from_db()
    assert report.is_overdue
    rows = selectors.school_stats(city.district_a, report.term)
    assert [(r.school_name, r.reported, r.overdue) for r in rows] == [("甲区第五中学", 1, 1)]


def test_stats_count_per_school_without_names(city, report, report_b):
    walk(city, report, "close")
    rows = {r.school_name: r for r in selectors.school_stats(city.root, report.term)}
    assert rows["甲区第五中学"].closed == 1 and rows["甲区第五中学"].bullying == 1
    assert rows["乙区第一小学"].reported == 1 and rows["乙区第一小学"].closed == 0


def test_only_the_principal_designates_and_only_school_staff(city: City):
    with pytest.raises(Forbidden):
        services.designate(actor=city.user("counsellor"), school=city.school_a, user=city.user("school_staff"))
    with pytest.raises(DomainError) as exc:
        services.designate(actor=city.user("principal"), school=city.school_a, user=city.user("class_teacher"))
    assert exc.value.code == "user_not_eligible"
    row = services.designate(actor=city.user("principal"), school=city.school_a, user=city.user("school_staff"))
    again = services.designate(actor=city.user("principal"), school=city.school_a, user=city.user("school_staff"))
    assert again.pk == row.pk
    services.undesignate(actor=city.user("principal"), school=city.school_a, designation_id=row.pk)
    services.undesignate(actor=city.user("principal"), school=city.school_a, designation_id=row.pk)
    assert not selectors.reports_for(city.user("school_staff")).exists()


def test_reads_and_refusals_are_access_events(city, report):
    services.log_read(actor=city.user("principal"), report=report, via="page")
    services.log_denied(actor=city.user("district_admin"), report_id=report.pk, via="page")
    events = AuditEvent.objects.filter(kind="access", object_type="bullying.report")
    assert set(events.values_list("action", flat=True)) == {"bullying_page", "bullying_denied"}
    assert all(e.unit_path == city.school_a.path for e in events)

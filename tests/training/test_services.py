"""继续教育 services: events, QR sign-in (window, expiry, twice), attendance import, hours and rates."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.core.excel import ImportRejected
from dudao.training import excel, selectors, services
from dudao.training.models import Attendance, Enrolment, TrainingEvent
from tests.training.conftest import event_in, now, token_for

pytestmark = pytest.mark.django_db


def test_create_event_is_audited_and_idempotent(city, staff):
    principal = city.user("principal")
    first = services.create_event(actor=principal, organiser=city.school_a, data=event_in())
    again = services.create_event(actor=principal, organiser=city.school_a, data=event_in(starts_at=first.starts_at))
    assert again.pk == first.pk and TrainingEvent.objects.count() == 1
    assert first.year == timezone.localtime(first.starts_at).year
    assert AuditEvent.objects.filter(action="create_training").count() == 1


def test_hours_beyond_the_events_length_are_refused(city, staff):
    with pytest.raises(DomainError) as exc:
        services.create_event(actor=city.user("principal"), organiser=city.school_a, data=event_in(hours=Decimal("4")))
    assert exc.value.code == "hours_beyond_length" and "不能超过培训时长" in exc.value.message
    start = now()
    with pytest.raises(DomainError, match="结束时间应晚于开始时间"):
        services.create_event(
            actor=city.user("principal"), organiser=city.school_a, data=event_in(starts_at=start, ends_at=start)
        )
    for bad in ("0", "-1", "1.25", "abc"):
        with pytest.raises(DomainError):
            services.parse_hours(bad)
    assert not TrainingEvent.objects.exists()


@pytest.mark.parametrize("role", ["class_teacher", "doctor", "district_admin_b", "bureau_leader"])
def test_only_the_organisers_managers_create(city, staff, role):
    with pytest.raises(Forbidden):
        services.create_event(actor=city.user(role), organiser=city.school_a, data=event_in())


def test_edit_needs_the_current_version(city, event):
    principal = city.user("principal")
    updated = services.update_event(
        actor=principal, event=event, data=event_in(title="新标题", starts_at=event.starts_at), version=1
    )
    assert updated.version == 2 and updated.title == "新标题"
    with pytest.raises(StaleEditError):
        services.update_event(actor=principal, event=event, data=event_in(starts_at=event.starts_at), version=1)


def test_sign_in_credits_the_hours_once(city, event):
    teacher = city.user("class_teacher")
    attendance, created = services.sign_in(person=teacher, token=token_for(event))
    assert created and attendance.hours == Decimal("3") and attendance.method == "qr"
    again, created_again = services.sign_in(person=teacher, token=token_for(event))
    assert again.pk == attendance.pk and not created_again
    assert Attendance.objects.filter(event=event).count() == 1
    assert Enrolment.objects.filter(event=event, user=teacher).exists()
    assert AuditEvent.objects.filter(action="training_sign_in").count() == 1


def test_sign_in_outside_the_window_is_refused(city, staff):
    principal = city.user("principal")
    later = services.create_event(
        actor=principal,
        organiser=city.school_a,
        data=event_in(title="明天的培训", starts_at=now() + dt.timedelta(hours=2)),
    )
    with pytest.raises(DomainError) as exc:
        services.sign_in(person=city.user("class_teacher"), token=token_for(later))
    assert exc.value.code == "sign_in_not_open"
    soon = services.create_event(
        actor=principal,
        organiser=city.school_a,
        data=event_in(title="马上开始", starts_at=now() + dt.timedelta(minutes=20)),
    )
    assert services.sign_in(person=city.user("class_teacher"), token=token_for(soon))[1]  # 30-minute margin
    past = services.create_event(
        actor=principal,
        organiser=city.school_a,
        data=event_in(title="上午的培训", starts_at=now() - dt.timedelta(hours=4)),
    )
    with pytest.raises(DomainError) as exc:
        services.sign_in(person=city.user("class_teacher"), token=token_for(past))
    assert exc.value.code == "sign_in_closed"
    assert Attendance.objects.filter(event__in=[later, past]).count() == 0


def test_expired_forged_or_foreign_codes_are_refused(city, event, monkeypatch):
    teacher = city.user("class_teacher")
    with pytest.raises(DomainError, match="二维码无效"):
        services.sign_in(person=teacher, token=token_for(event) + "x")
    stale = token_for(event)
    monkeypatch.setattr(services, "qr_minutes", lambda: -1)
    with pytest.raises(DomainError, match="二维码已过期"):
        services.sign_in(person=teacher, token=stale)
    monkeypatch.undo()
    with pytest.raises(DomainError, match="不在本次培训的范围内"):
        services.sign_in(person=city.user("district_admin_b"), token=token_for(event))
    assert not Attendance.objects.exists()


def test_record_attendance_caps_the_hours(city, event):
    with pytest.raises(DomainError, match="不能超过本次培训的认定学时"):
        services.record_attendance(
            actor=city.user("principal"), event=event, person=city.user("doctor"), hours=Decimal("5")
        )
    a = services.record_attendance(
        actor=city.user("principal"), event=event, person=city.user("doctor"), hours=Decimal("1.5")
    )
    assert a.hours == Decimal("1.5") and a.method == "manual"
    with pytest.raises(Forbidden):
        services.record_attendance(actor=city.user("class_teacher"), event=event, person=city.user("doctor"))


def test_enrol_a_unit_and_only_class_teachers(city, event):
    principal = city.user("principal")
    assert services.enrol_unit(actor=principal, event=event, unit=city.school_a, class_teachers_only=True) == 1
    assert services.enrol_unit(actor=principal, event=event, unit=city.school_a) == 2
    assert services.enrol_unit(actor=principal, event=event, unit=city.school_a) == 0
    with pytest.raises(DomainError, match="不在主办单位"):
        services.enrol_unit(actor=principal, event=event, unit=city.school_b)


def workbook(rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(excel.TITLES)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("签到.xlsx", out.getvalue())


def test_import_is_all_or_nothing_with_row_and_column(city, event):
    principal = city.user("principal")
    teacher, doctor = city.user("class_teacher"), city.user("doctor")
    bad = workbook([[teacher.full_name, "", 2], [doctor.full_name, "", 9], ["查无此人", "", ""]])
    with pytest.raises(ImportRejected) as exc:
        excel.import_attendance(actor=principal, event=event, upload=bad, filename="签到.xlsx")
    cells = {(e.row, e.column) for e in exc.value.errors}
    assert cells == {(3, "C"), (4, "A")}
    assert "超过本次培训的认定学时" in str(exc.value.errors[0])
    assert not Attendance.objects.exists()
    services.sign_in(person=teacher, token=token_for(event))
    good = workbook([[teacher.full_name, "", 2], ["", doctor.username, ""]])
    added, kept = excel.import_attendance(actor=principal, event=event, upload=good, filename="签到.xlsx")
    assert (added, kept) == (1, 1)
    assert Attendance.objects.get(user=doctor).hours == Decimal("3")
    assert Attendance.objects.get(user=teacher).method == "qr"


def test_hours_gap_and_rates(city, event, staff):
    year = event.year
    teacher = city.user("class_teacher")
    services.sign_in(person=teacher, token=token_for(event))
    gap = selectors.as_hours(list(selectors.hours_gap(city.school_a, year)))
    by_person = {h.person.pk: h for h in gap}
    assert by_person[teacher.pk].year_hours == Decimal("3") and by_person[teacher.pk].gap == Decimal("69")
    assert gap[-1].person == teacher  # the shortest first
    assert len(gap) == 3
    rates = selectors.rates([city.school_a, city.district_a, city.school_b], year)
    school = rates[city.school_a.pk]
    assert (school.staff, school.met, school.class_teachers, school.class_trained, school.psych) == (3, 0, 1, 1, 1)
    assert rates[city.district_a.pk] == school and rates[city.school_b.pk].staff == 0
    big = services.create_event(
        actor=city.user("principal"),
        organiser=city.school_a,
        data=event_in(
            title="暑期全员培训",
            starts_at=event.starts_at - dt.timedelta(minutes=5),
            ends_at=event.starts_at + dt.timedelta(days=4),
            hours=Decimal("70"),
        ),
    )
    services.sign_in(person=teacher, token=token_for(big))
    assert selectors.rates([city.school_a], year)[city.school_a.pk].met == 1
    assert selectors.hours_of(teacher, year).met

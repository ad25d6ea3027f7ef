"""Follow-up (追因), clearance (复课), early returns, supplies and the absence-streak contract."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.health import selectors, services
from dudao.health.models import AbsenceRecord, Alert, AlertRule, Disease, FollowUpStatus
from dudao.health.services import AbsenceInput
from tests.health.conftest import check, fever

pytestmark = pytest.mark.django_db


def _absence(city, day=None, code="VARICELLA"):
    a = city.students["a1"][0].pk
    check(city, [AbsenceInput(student=a, reason="illness", symptoms=("rash",))], day=day)
    absence = AbsenceRecord.objects.get(student_id=a, date=day or timezone.localdate())
    return absence, Disease.objects.get(code=code)


def trace(city, absence, disease, onset=None, who="doctor"):
    return services.record_followup(
        actor=city.user(who),
        absence=absence,
        diagnosis=disease,
        guardian_contacted=True,
        clinic="市儿童医院",
        onset_date=onset,
        expected_return=None,
        note="",
        version=absence.version,
    )


def test_followup_records_diagnosis_and_leaves_the_queue(city) -> None:
    absence, varicella = _absence(city)
    assert list(selectors.followup_queue(city.user("doctor"))) == [absence]
    absence, alerts = trace(city, absence, varicella)
    assert absence.status == FollowUpStatus.TRACED and absence.disease_code == "VARICELLA"
    assert alerts == []
    assert list(selectors.followup_queue(city.user("doctor"))) == []
    assert list(selectors.awaiting_clearance(city.user("doctor"))) == [absence]


def test_notifiable_diagnosis_alerts_at_once(city) -> None:
    absence, measles = _absence(city, code="MEASLES")
    _, alerts = trace(city, absence, measles)
    assert [a.rule for a in alerts] == [AlertRule.NOTIFIABLE]


def test_class_teacher_may_not_trace(city) -> None:
    absence, varicella = _absence(city)
    with pytest.raises(Forbidden):
        trace(city, absence, varicella, who="class_teacher")


def test_stale_followup_is_refused(city) -> None:
    absence, varicella = _absence(city)
    trace(city, absence, varicella)
    with pytest.raises(StaleEditError):
        trace(city, absence, varicella)


def test_clearance_before_the_minimum_period_names_the_rule(city, today) -> None:
    absence, varicella = _absence(city, day=today - dt.timedelta(days=5))
    absence, _ = trace(city, absence, varicella, onset=today - dt.timedelta(days=6))
    with pytest.raises(DomainError) as exc:
        services.clear_return(
            actor=city.user("doctor"),
            absence=absence,
            return_date=today,
            symptoms_ended_on=None,
            certificate_no="市儿童医院 2026-118",
            version=absence.version,
        )
    assert exc.value.code == "clearance_too_early"
    assert "水痘" in exc.value.message and "14 天" in exc.value.message
    assert (today - dt.timedelta(days=6) + dt.timedelta(days=14)).isoformat() in exc.value.message


def test_clearance_on_the_earliest_day_admits_the_student(city, today) -> None:
    absence, varicella = _absence(city, day=today - dt.timedelta(days=7))
    onset = today - dt.timedelta(days=14)
    absence, _ = trace(city, absence, varicella, onset=onset)
    clearance = services.clear_return(
        actor=city.user("doctor"),
        absence=absence,
        return_date=today,
        symptoms_ended_on=None,
        certificate_no="证明 118",
        version=absence.version,
    )
    assert clearance.earliest_return == today
    absence.refresh_from_db()
    assert absence.status == FollowUpStatus.RETURNED
    assert list(selectors.awaiting_clearance(city.user("doctor"))) == []


def test_influenza_like_illness_needs_48_hours_without_symptoms(city, today) -> None:
    ili = Disease.objects.get(code="ILI")
    assert services.earliest_return(
        ili, today - dt.timedelta(days=3), today - dt.timedelta(days=1)
    ) == today + dt.timedelta(days=1)
    with pytest.raises(DomainError) as exc:
        services.earliest_return(ili, today, None)
    assert exc.value.code == "symptoms_end_required"


def test_clearance_without_diagnosis_is_refused(city) -> None:
    absence, _ = _absence(city)
    with pytest.raises(DomainError) as exc:
        services.clear_return(
            actor=city.user("doctor"),
            absence=absence,
            return_date=timezone.localdate(),
            symptoms_ended_on=None,
            certificate_no="x",
            version=None,
        )
    assert exc.value.code == "diagnosis_required"


def test_student_back_before_clearance_is_flagged_at_the_check(city, today) -> None:
    absence, varicella = _absence(city, day=today - dt.timedelta(days=1))
    trace(city, absence, varicella)
    result = check(city, [])
    assert result.check.early_returns == [absence.student_id]


def test_diagnosis_carries_over_to_the_next_days_absence(city, today) -> None:
    absence, varicella = _absence(city, day=today - dt.timedelta(days=1))
    trace(city, absence, varicella)
    check(city, [AbsenceInput(student=absence.student_id, reason="illness", symptoms=("rash",))])
    latest = AbsenceRecord.objects.get(student_id=absence.student_id, date=today)
    assert latest.diagnosis == varicella and latest.status == FollowUpStatus.TRACED
    assert list(selectors.followup_queue(city.user("doctor"))) == []


def test_supplies_days_left_from_the_last_14_days(city, today) -> None:
    doctor = city.user("doctor")
    for back in range(14, 0, -1):
        services.record_supply(
            actor=doctor,
            school=city.school_a,
            kind="mask",
            date=today - dt.timedelta(days=back),
            received=0,
            used=100,
            stock=5000,
        )
    services.record_supply(
        actor=doctor, school=city.school_a, kind="mask", date=today, received=0, used=100, stock=2000
    )
    status = selectors.supply_status(doctor)[city.school_a.pk][0]
    assert status.days_left == 20.0 and status.is_short
    services.record_supply(
        actor=doctor, school=city.school_a, kind="mask", date=today, received=2000, used=100, stock=4000
    )
    assert not selectors.supply_status(doctor)[city.school_a.pk][0].is_short


def test_supplies_bad_input(city, today) -> None:
    doctor = city.user("doctor")
    with pytest.raises(DomainError) as exc:
        services.record_supply(
            actor=doctor, school=city.school_a, kind="mask", date=today, received=-1, used=0, stock=1
        )
    assert exc.value.code == "supply_negative"
    with pytest.raises(DomainError) as exc:
        services.record_supply(
            actor=doctor,
            school=city.school_a,
            kind="mask",
            date=today + dt.timedelta(days=1),
            received=0,
            used=0,
            stock=1,
        )
    assert exc.value.code == "future_date"
    with pytest.raises(Forbidden):
        services.record_supply(
            actor=city.user("class_teacher"), school=city.school_a, kind="mask", date=today, received=0, used=0, stock=1
        )


def test_absence_streaks_end_at_the_latest_checked_day(city, today) -> None:
    a, b, c = (s.pk for s in city.students["a1"])
    other = lambda s: AbsenceInput(student=s, reason="other")  # noqa: E731
    # Five checked days with a gap (a weekend) between; a absent "other" on the last four, b on three then back.
    days = [today - dt.timedelta(days=d) for d in (6, 3, 2, 1)]
    check(city, [other(b)], day=today - dt.timedelta(days=7))
    check(city, [other(b)], day=days[0])
    check(city, [other(a), other(b)], day=days[1])
    check(city, [other(a), other(b)], day=days[2])
    check(city, [other(a), fever(c)], day=days[3])
    streaks = selectors.absence_streaks(school_ids=None, min_days=3, until=today)
    assert [(s.student_id, s.days, s.first_date, s.last_date) for s in streaks] == [(a, 3, days[1], days[3])]
    assert streaks[0].school_id == city.school_a.pk
    # Until the day before, b's streak of four was still running.
    earlier = selectors.absence_streaks(school_ids=[city.school_a.pk], min_days=3, until=days[2])
    assert {(s.student_id, s.days) for s in earlier} == {(b, 4)}
    assert selectors.absence_streaks(school_ids=[city.school_b.pk], min_days=1, until=today) == []


def test_alerts_from_followup_join_the_open_alert(city) -> None:
    a, b, c = (s.pk for s in city.students["a1"])
    check(city, [fever(a), fever(b), fever(c)])
    assert Alert.objects.filter(rule=AlertRule.CLASS_CLUSTER).count() == 1

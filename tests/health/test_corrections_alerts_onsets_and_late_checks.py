"""Corrections that would lose traced absences or alert evidence, closed alerts, fever clusters, non-finite
temperatures, onset and return dates, late checks: each test failed before its fix."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError
from dudao.health import rules, services
from dudao.health.home import health_home
from dudao.health.models import AbsenceRecord, Alert, AlertRule, AlertStatus, DailyCheck, Disease, Syndrome
from dudao.health.services import AbsenceInput
from dudao.orgs.scoping import acting_assignment
from tests.health.conftest import check, fever, more_students

pytestmark = pytest.mark.django_db


def _trace(city, absence, disease, onset=None):
    return services.record_followup(
        actor=city.user("doctor"),
        absence=absence,
        diagnosis=disease,
        guardian_contacted=True,
        clinic="市儿童医院",
        onset_date=onset,
        expected_return=None,
        note="",
        version=absence.version,
    )


def _rash(student: int) -> AbsenceInput:
    return AbsenceInput(student=student, reason="illness", symptoms=("rash",))


# ----- 1. a correction may not delete the doctor's traced absence ---------------------------------------------


def test_correction_removing_a_traced_absence_is_refused_and_changes_nothing(city) -> None:
    a, b, _ = (s.pk for s in city.students["a1"])
    first = check(city, [_rash(a)])
    absence = AbsenceRecord.objects.get(student_id=a)
    _trace(city, absence, Disease.objects.get(code="VARICELLA"))
    with pytest.raises(DomainError) as exc:
        check(city, [fever(b)])
    assert exc.value.status == 409 and exc.value.code == "absence_traced"
    assert city.students["a1"][0].name in exc.value.message and "请联系校医" in exc.value.message
    assert list(AbsenceRecord.objects.values_list("student_id", flat=True)) == [a]
    assert DailyCheck.objects.get(pk=first.check.pk).version == first.check.version
    assert not AuditEvent.objects.filter(action="health_check_correct").exists()


def test_correction_removing_alert_evidence_is_refused(city) -> None:
    students = [s.pk for s in city.students["a1"]]
    result = check(city, [fever(s) for s in students])
    assert [a.rule for a in result.alerts] == [AlertRule.CLASS_CLUSTER]
    with pytest.raises(DomainError) as exc:
        check(city, [fever(s) for s in students[:2]])
    assert exc.value.code == "absence_traced"
    assert exc.value.status == 409
    assert AbsenceRecord.objects.count() == 3 and result.alerts[0].cases.count() == 3


# ----- 2. a correction keeps the diagnosis-derived fields of untouched rows -----------------------------------


def test_correction_keeps_the_disease_code_of_a_diagnosed_absence(city) -> None:
    a, b, _ = (s.pk for s in city.students["a1"])
    check(city, [_rash(a)])
    absence, _ = _trace(city, AbsenceRecord.objects.get(student_id=a), Disease.objects.get(code="VARICELLA"))
    assert absence.disease_code == "VARICELLA"
    check(city, [_rash(a), fever(b)])
    absence.refresh_from_db()
    assert absence.disease_code == "VARICELLA" and absence.diagnosis.code == "VARICELLA"
    assert absence.version == 2  # not rewritten by the correction (1 + the follow-up)


# ----- 3. a closed alert is not raised again by the scan ------------------------------------------------------


def test_closed_alert_is_not_raised_again_but_new_cases_raise_a_new_one(city, today) -> None:
    doctor = city.user("doctor")
    students = [s.pk for s in city.students["a1"]]
    alert = check(city, [fever(s) for s in students]).alerts[0]
    alert = services.acknowledge_alert(actor=doctor, alert=alert, version=alert.version)
    services.close_alert(actor=doctor, alert=alert, summary="已隔离观察，无续发", version=alert.version)
    assert services.scan_day(day=today)["new_alerts"] == 0
    assert Alert.objects.filter(rule=AlertRule.CLASS_CLUSTER).count() == 1
    extra = more_students(city, 1)
    result = check(city, [fever(s) for s in [*students, *extra]], session="noon")
    assert [a.rule for a in result.alerts] == [AlertRule.CLASS_CLUSTER]
    assert services.scan_day(day=today)["new_alerts"] == 0
    assert Alert.objects.filter(rule=AlertRule.CLASS_CLUSTER).exclude(status=AlertStatus.CLOSED).count() == 1


# ----- 4. fever is a group of its own ------------------------------------------------------------------------


def test_three_feverish_students_with_different_symptoms_alert(city) -> None:
    a, b, c = (s.pk for s in city.students["a1"])
    result = check(
        city,
        [
            AbsenceInput(student=a, reason="illness", symptoms=("fever", "diarrhoea"), temperature=38.2),
            AbsenceInput(student=b, reason="illness", symptoms=("rash",), temperature=37.6),
            AbsenceInput(student=c, reason="unwell", symptoms=("other",), temperature=37.3),
        ],
    )
    assert [(x.rule, x.syndrome) for x in result.alerts] == [(AlertRule.CLASS_CLUSTER, Syndrome.FEVER)]
    assert result.alerts[0].cases.count() == 3


def test_fever_group_in_rules() -> None:
    assert rules.groups_of(["diarrhoea"], 37.3) == {"gastro", "fever"}
    assert rules.groups_of(["cough"], 37.2) == {"respiratory"}
    assert rules.groups_of(["other"], None) == frozenset()


# ----- 5. no 500 on non-finite temperatures or naive report times ---------------------------------------------


@pytest.mark.parametrize("temp", [float("inf"), float("-inf"), 1e308, float("nan")])
def test_non_finite_temperature_is_refused(city, temp) -> None:
    a = city.students["a1"][0].pk
    with pytest.raises(DomainError) as exc:
        check(city, [fever(a, temp)])
    assert exc.value.code == "temperature_out_of_range" and "34–43" in exc.value.message
    assert not DailyCheck.objects.exists()


def _post(client, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("raw", ['"Infinity"', "1e308", "Infinity"])
def test_api_non_finite_temperature_is_a_400(city, client, raw) -> None:
    client.force_login(city.user("class_teacher"))
    student = city.students["a1"][0].pk
    text = (
        f'{{"class_id": {city.class_a1.pk}, "date": "{timezone.localdate().isoformat()}", "session": "morning", '
        f'"absences": [{{"student": {student}, "reason": "illness", "symptoms": ["fever"], "temperature": {raw}}}]}}'
    )
    response = client.post("/api/v1/health/checks", text, content_type="application/json")
    assert 400 <= response.status_code < 500, response.content
    assert not DailyCheck.objects.exists()


def test_api_report_with_a_naive_time_is_shanghai_time(city, client) -> None:
    a = city.students["a1"][0].pk
    alert = check(city, [AbsenceInput(student=a, reason="illness", symptoms=("rash",), suspected="MEASLES")]).alerts[0]
    client.force_login(city.user("doctor"))
    local = timezone.localtime().replace(microsecond=0, tzinfo=None)
    response = _post(
        client,
        f"/api/v1/health/alerts/{alert.pk}/report",
        {"reference": "疾控 2026-77", "reported_at": local.isoformat(), "version": alert.version},
    )
    assert response.status_code == 200, response.content
    alert.refresh_from_db()
    assert timezone.localtime(alert.reported_at).replace(tzinfo=None) == local


# ----- 6. home figures over every unresolved alert -----------------------------------------------------------


def test_home_counts_escalated_alerts_beyond_the_five_newest(city) -> None:
    students = [s.pk for s in city.students["a1"]]
    oldest = check(city, [AbsenceInput(student=students[0], reason="illness", symptoms=("rash",), suspected="MEASLES")])
    soon = timezone.now() + dt.timedelta(minutes=30)
    Alert.objects.filter(pk=oldest.alerts[0].pk).update(
        escalated_at=timezone.now(), created_at=timezone.now() - dt.timedelta(hours=3), report_due_at=soon
    )
    for n, pupil in enumerate(more_students(city, 5), start=1):
        measles = AbsenceInput(student=pupil, reason="illness", symptoms=("rash",), suspected="MEASLES")
        check(city, [measles], day=timezone.localdate() - dt.timedelta(days=n))
    assert Alert.objects.count() >= 6
    doctor = city.user("doctor")
    items = [i for i in health_home(doctor, acting_assignment(doctor)) if i.title == "未结的疫情预警"]
    assert items and items[0].count == Alert.objects.count()
    assert "1 条超 2 小时未确认" in items[0].hint and "分" in items[0].hint


# ----- 7. clearance periods cannot be bypassed ---------------------------------------------------------------


def test_onset_must_lie_within_30_days_before_the_absence(city, today) -> None:
    a = city.students["a1"][0].pk
    check(city, [_rash(a)])
    absence = AbsenceRecord.objects.get(student_id=a)
    varicella = Disease.objects.get(code="VARICELLA")
    for onset, code in (
        (today - dt.timedelta(days=31), "onset_out_of_range"),
        (today + dt.timedelta(days=1), "onset_in_future"),
    ):
        with pytest.raises(DomainError) as exc:
            _trace(city, absence, varicella, onset=onset)
        assert exc.value.code == code
    absence, _ = _trace(city, absence, varicella, onset=today - dt.timedelta(days=30))
    assert absence.onset_date == today - dt.timedelta(days=30)


def test_return_before_the_absence_and_symptoms_before_onset_are_refused(city, today) -> None:
    a = city.students["a1"][0].pk
    check(city, [_rash(a)], day=today - dt.timedelta(days=2))
    absence = AbsenceRecord.objects.get(student_id=a)
    absence, _ = _trace(city, absence, Disease.objects.get(code="ILI"), onset=today - dt.timedelta(days=4))

    def clear(return_date: dt.date, ended: dt.date | None) -> Any:
        return services.clear_return(
            actor=city.user("doctor"),
            absence=absence,
            return_date=return_date,
            symptoms_ended_on=ended,
            certificate_no="证明 1",
            version=absence.version,
        )

    with pytest.raises(DomainError) as exc:
        clear(today - dt.timedelta(days=3), today - dt.timedelta(days=4))
    assert exc.value.code == "return_before_absence"
    with pytest.raises(DomainError) as exc:
        clear(today, today - dt.timedelta(days=10))
    assert exc.value.code == "symptoms_end_before_onset"


def test_episode_propagation_is_audited(city, today) -> None:
    a = city.students["a1"][0].pk
    check(city, [_rash(a)], day=today - dt.timedelta(days=1))
    check(city, [_rash(a)])
    earlier = AbsenceRecord.objects.get(student_id=a, date=today - dt.timedelta(days=1))
    latest = AbsenceRecord.objects.get(student_id=a, date=today)
    _trace(city, latest, Disease.objects.get(code="VARICELLA"), onset=today - dt.timedelta(days=1))
    earlier.refresh_from_db()
    assert earlier.disease_code == "VARICELLA"
    event = AuditEvent.objects.get(action="health_followup")
    assert event.changes["episode_absences"] == [None, [earlier.pk]]


# ----- 8. a suspected notifiable case back before clearance is flagged ---------------------------------------


def test_suspected_notifiable_case_back_before_clearance_is_flagged(city, today) -> None:
    a, b, _ = (s.pk for s in city.students["a1"])
    measles = AbsenceInput(student=a, reason="illness", symptoms=("rash",), suspected="MEASLES")
    check(city, [measles], day=today - dt.timedelta(days=1))
    result = check(city, [fever(b)])
    assert result.check.early_returns == [a]
    # Nothing carries over from a mere suspicion: the next absence is still to be traced.
    absent = check(city, [measles], klass=city.class_a1, session="noon")
    row = AbsenceRecord.objects.get(check_record=absent.check)
    assert row.diagnosis is None and row.status == "pending"


# ----- 11. late flags per session, none at weekends ----------------------------------------------------------


def _last(weekday: int) -> dt.date:
    day = timezone.localdate() - dt.timedelta(days=1)
    while day.weekday() != weekday:
        day -= dt.timedelta(days=1)
    return day


def test_unchecked_class_is_late_on_a_past_school_day_but_not_at_the_weekend(city) -> None:
    from dudao.health import selectors

    doctor = city.user("doctor")
    rows = selectors.class_statuses(doctor, _last(2))
    assert rows and all(r.is_late for r in rows)
    assert not any(r.is_late for r in selectors.class_statuses(doctor, _last(5)))


def test_noon_and_evening_checks_have_their_own_deadlines(settings) -> None:
    from dudao.health import selectors

    settings.HEALTH_CHECK_DEADLINE = "09:00"
    settings.HEALTH_NOON_DEADLINE = "14:30"
    at = timezone.make_aware(dt.datetime(2026, 11, 25, 10, 0))
    assert selectors.deadline_passed(at) and not selectors.deadline_passed(at, session="noon")
    assert selectors.deadline_passed(at.replace(hour=14, minute=30), session="noon")
    assert selectors.session_deadline("evening") == (20, 0)

"""Early-warning rules 1-4, the alert workflow, escalation and the scheduled scan."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.health import rules, services
from dudao.health.models import Alert, AlertRule, AlertStatus, DailyCheck
from dudao.health.services import AbsenceInput
from tests.health.conftest import check, fever, more_students

pytestmark = pytest.mark.django_db


def test_two_feverish_students_do_not_alert_but_the_third_does(city) -> None:
    a, b, c = (s.pk for s in city.students["a1"])
    first = check(city, [fever(a), fever(b)])
    assert first.alerts == []
    third = check(city, [fever(a), fever(b), fever(c)], session="noon")
    rules_fired = {alert.rule for alert in third.alerts}
    assert rules_fired == {AlertRule.CLASS_CLUSTER}
    alert = third.alerts[0]
    assert alert.klass_id == city.class_a1.pk
    assert alert.evidence["day"] == 3
    assert set(alert.cases.values_list("student_id", flat=True)) == {a, b, c}
    assert alert.report_due_at - alert.created_at == dt.timedelta(hours=24)


def test_dissimilar_symptoms_are_no_cluster(city) -> None:
    a, b, c = (s.pk for s in city.students["a1"])
    result = check(
        city,
        [
            # Truly dissimilar and none of them feverish (fever is a cluster group of its own).
            AbsenceInput(student=a, reason="illness", symptoms=("cough",), temperature=36.8),
            AbsenceInput(student=b, reason="illness", symptoms=("diarrhoea",)),
            AbsenceInput(student=c, reason="illness", symptoms=("rash",), temperature=37.2),
        ],
    )
    assert result.alerts == []


def test_five_over_three_days_alert(city, today) -> None:
    extra = more_students(city, 2)
    a, b, c = (s.pk for s in city.students["a1"])
    check(city, [fever(a), fever(b)], day=today - dt.timedelta(days=2))
    check(city, [fever(c)], day=today - dt.timedelta(days=1))
    result = check(city, [fever(extra[0]), fever(extra[1])])
    assert [alert.rule for alert in result.alerts] == [AlertRule.CLASS_CLUSTER]
    assert result.alerts[0].evidence["three_days"] == 5


def test_a_growing_cluster_updates_its_open_alert(city) -> None:
    extra = more_students(city, 1)
    students = [s.pk for s in city.students["a1"]]
    check(city, [fever(s) for s in students])
    result = check(city, [fever(s) for s in [*students, *extra]], session="noon")
    assert result.alerts == []
    alert = Alert.objects.get(rule=AlertRule.CLASS_CLUSTER)
    assert alert.evidence["day"] == 4
    assert alert.cases.count() == 7


def test_suspected_notifiable_disease_alerts_at_once_with_two_hour_deadline(city) -> None:
    a = city.students["a1"][0].pk
    result = check(
        city,
        [AbsenceInput(student=a, reason="illness", symptoms=("rash", "fever"), temperature=38.2, suspected="MEASLES")],
    )
    assert [alert.rule for alert in result.alerts] == [AlertRule.NOTIFIABLE]
    alert = result.alerts[0]
    assert alert.is_immediate
    assert alert.report_due_at - alert.created_at == dt.timedelta(hours=2)
    assert AuditEvent.objects.filter(action="health_alert", object_id=str(alert.pk)).exists()


def test_disease_threshold_per_school_over_classes(city, today) -> None:
    a1 = [s.pk for s in city.students["a1"]]
    a2 = [s.pk for s in city.students["a2"]]
    rash = ("rash", "fever")
    check(
        city,
        [AbsenceInput(student=a1[0], reason="illness", symptoms=rash, suspected="VARICELLA")],
        day=today - dt.timedelta(days=6),
    )
    check(
        city,
        [AbsenceInput(student=s, reason="illness", symptoms=rash, suspected="VARICELLA") for s in a2],
        who="doctor",
        klass=city.class_a2,
        day=today - dt.timedelta(days=3),
    )
    check(
        city,
        [AbsenceInput(student=a1[1], reason="illness", symptoms=rash, suspected="VARICELLA")],
        day=today - dt.timedelta(days=1),
    )
    assert not Alert.objects.filter(rule=AlertRule.DISEASE_CLUSTER).exists()
    result = check(city, [AbsenceInput(student=a1[2], reason="illness", symptoms=rash, suspected="VARICELLA")])
    fired = [a for a in result.alerts if a.rule == AlertRule.DISEASE_CLUSTER]
    assert len(fired) == 1
    assert fired[0].klass_id is None and fired[0].school_id == city.school_a.pk
    assert fired[0].evidence["cases"] == 5


def test_cases_outside_the_window_do_not_count(city, today) -> None:
    a1 = [s.pk for s in city.students["a1"]]
    a2 = [s.pk for s in city.students["a2"]]
    rash = ("rash",)
    check(
        city,
        [AbsenceInput(student=s, reason="illness", symptoms=rash, suspected="VARICELLA") for s in a2],
        who="doctor",
        klass=city.class_a2,
        day=today - dt.timedelta(days=7),
    )
    result = check(city, [AbsenceInput(student=s, reason="illness", symptoms=rash, suspected="VARICELLA") for s in a1])
    assert not [a for a in result.alerts if a.rule == AlertRule.DISEASE_CLUSTER]


def test_influenza_like_cases_count_toward_the_ili_threshold(city, today) -> None:
    pupils = more_students(city, 10, city.class_a2)
    check(city, [fever(s) for s in pupils[:5]], who="doctor", klass=city.class_a2, day=today - dt.timedelta(days=3))
    result = check(city, [fever(s) for s in pupils[5:]], who="doctor", klass=city.class_a2)
    assert {a.rule for a in result.alerts} == {AlertRule.DISEASE_CLUSTER}  # the class cluster was raised 3 days ago
    ili = next(a for a in result.alerts if a.rule == AlertRule.DISEASE_CLUSTER)
    assert ili.disease is not None and ili.disease.code == "ILI"


def test_low_fever_with_cough_is_not_influenza_like() -> None:
    assert not rules.is_influenza_like(["cough"], 37.9)
    assert rules.is_influenza_like(["sore_throat"], 38.0)
    assert not rules.is_influenza_like(["fever"], 39.0)


def _open_alert(city):
    a = city.students["a1"][0].pk
    return check(city, [AbsenceInput(student=a, reason="illness", symptoms=("rash",), suspected="MEASLES")]).alerts[0]


def test_alert_is_worked_to_an_end(city) -> None:
    alert = _open_alert(city)
    doctor = city.user("doctor")
    alert = services.acknowledge_alert(actor=doctor, alert=alert, version=alert.version)
    assert alert.status == AlertStatus.ACKNOWLEDGED
    alert = services.report_alert(
        actor=doctor, alert=alert, reported_at=None, reference="区疾控 王医生", version=alert.version
    )
    assert alert.status == AlertStatus.REPORTED and not alert.is_reported_late
    today = timezone.localdate()
    services.add_measure(
        actor=doctor,
        alert=alert,
        kind="suspension",
        starts_on=today,
        ends_on=today + dt.timedelta(days=7),
        note="七年级（1）班停课",
        version=alert.version,
    )
    alert.refresh_from_db()
    alert = services.close_alert(
        actor=city.user("principal"), alert=alert, summary="隔离观察期满，无续发病例", version=alert.version
    )
    assert alert.status == AlertStatus.CLOSED
    actions = set(
        AuditEvent.objects.filter(object_id=str(alert.pk), object_type="health.alert").values_list("action", flat=True)
    )
    assert actions >= {
        "health_alert",
        "health_alert_ack",
        "health_alert_report",
        "health_alert_measure",
        "health_alert_close",
    }


def test_stale_alert_version_is_refused(city) -> None:
    alert = _open_alert(city)
    with pytest.raises(StaleEditError):
        services.acknowledge_alert(actor=city.user("doctor"), alert=alert, version=alert.version + 1)


def test_suspension_needs_dates_and_close_needs_acknowledgement(city) -> None:
    alert = _open_alert(city)
    doctor = city.user("doctor")
    with pytest.raises(DomainError) as exc:
        services.add_measure(
            actor=doctor,
            alert=alert,
            kind="suspension",
            starts_on=timezone.localdate(),
            ends_on=None,
            note="",
            version=None,
        )
    assert exc.value.code == "suspension_dates"
    with pytest.raises(DomainError) as exc:
        services.close_alert(actor=doctor, alert=alert, summary="已处置完毕了", version=None)
    assert exc.value.code == "not_acknowledged"


@pytest.mark.parametrize("who", ["class_teacher", "district_admin", "bureau_staff"])
def test_only_doctor_principal_and_health_officer_work_alerts(city, who) -> None:
    alert = _open_alert(city)
    with pytest.raises(Forbidden):
        services.acknowledge_alert(actor=city.user(who), alert=alert, version=None)


def test_health_officer_of_the_district_may_acknowledge(city) -> None:
    alert = _open_alert(city)
    assert (
        services.acknowledge_alert(actor=city.user("health_officer"), alert=alert, version=None).status
        == "acknowledged"
    )


def test_unacknowledged_alerts_escalate_after_two_hours_once(city) -> None:
    alert = _open_alert(city)
    assert services.escalate_alerts(now=alert.created_at + dt.timedelta(minutes=119)) == 0
    assert services.escalate_alerts(now=alert.created_at + dt.timedelta(hours=2)) == 1
    assert services.escalate_alerts(now=alert.created_at + dt.timedelta(hours=3)) == 0
    alert.refresh_from_db()
    assert alert.escalated_at is not None


def test_acknowledged_alerts_do_not_escalate(city) -> None:
    alert = _open_alert(city)
    services.acknowledge_alert(actor=city.user("doctor"), alert=alert, version=None)
    assert services.escalate_alerts(now=alert.created_at + dt.timedelta(hours=5)) == 0


def _series(rates: list[tuple[int, int]], day: dt.date) -> dict[dt.date, rules.DayRate]:
    return {
        day - dt.timedelta(days=len(rates) - 1 - i): rules.DayRate(
            day - dt.timedelta(days=len(rates) - 1 - i), ill, roster
        )
        for i, (ill, roster) in enumerate(rates)
    }


def test_ears_c2_signals_a_rise_no_fixed_threshold_catches() -> None:
    day = dt.date(2026, 11, 20)
    flat = [(4, 1000), (6, 1000), (5, 1000), (5, 1000), (4, 1000), (6, 1000), (5, 1000)] * 4
    series = _series([*flat, (5, 1000), (5, 1000), (14, 1000)], day)
    stat = rules.ears_c2(series, day)
    assert stat is not None and stat["c2"] >= 3
    assert rules.statistical_signals({7: series}, day)[0].school_id == 7
    calm = _series([*flat, (5, 1000), (5, 1000), (7, 1000)], day)
    assert rules.statistical_signals({7: calm}, day) == []


def test_ears_c2_needs_a_baseline_and_three_cases() -> None:
    day = dt.date(2026, 11, 20)
    assert rules.ears_c2(_series([(0, 100), (0, 100), (9, 100)], day), day) is None
    assert rules.ears_c2(_series([(0, 100)] * 20 + [(2, 100)], day), day) is None


def test_scheduled_scan_raises_statistical_alert_once(city, today) -> None:
    from dudao.core.bulk import insert_rows

    rows = []
    for back in range(3, 25):
        day = today - dt.timedelta(days=back)
        rows.append(
            (city.class_a2.pk, city.school_a.pk, day, "morning", 1000, 5 + back % 2, 0, 0, "[]", timezone.now(), 1)
        )
    insert_rows(
        DailyCheck,
        [
            "klass",
            "school",
            "date",
            "session",
            "roster_size",
            "illness_count",
            "other_count",
            "unwell_count",
            "early_returns",
            "submitted_at",
            "version",
        ],
        rows,
    )
    pupils = more_students(city, 15, city.class_a1)
    check(city, [AbsenceInput(student=p, reason="illness", symptoms=("other",)) for p in pupils])
    DailyCheck.objects.filter(klass=city.class_a1, date=today).update(roster_size=1000)
    first = services.scan_day(day=today)
    assert first["new_alerts"] == 1
    alert = Alert.objects.get(rule=AlertRule.STATISTICAL)
    assert alert.evidence["method"] == "EARS C2"
    assert services.scan_day(day=today)["new_alerts"] == 0


def test_management_commands_run_the_jobs(city) -> None:
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    alert = _open_alert(city)
    Alert.objects.filter(pk=alert.pk).update(created_at=timezone.now() - dt.timedelta(hours=3))
    out = io.StringIO()
    call_command("health_escalate", stdout=out)
    assert "escalated 1" in out.getvalue()
    out = io.StringIO()
    call_command("health_scan", "--date", timezone.localdate().isoformat(), stdout=out)
    assert "new alerts 0" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("health_scan", "--date", "yesterday")

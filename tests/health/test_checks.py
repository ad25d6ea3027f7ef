"""Class checks: full attendance, absences, idempotency, corrections, bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden
from dudao.health.models import AbsenceRecord, CheckKey, DailyCheck
from dudao.health.services import AbsenceInput
from tests.health.conftest import check, fever

pytestmark = pytest.mark.django_db


def ids(city, key="a1"):
    return [s.pk for s in city.students[key]]


def test_full_attendance_is_one_check_without_absences(city) -> None:
    result = check(city, [])
    assert result.created
    assert result.check.roster_size == 3
    assert result.check.illness_count == 0
    assert result.check.present == 3
    # A first check is a new record carrying its author and time; only corrections write audit events.
    assert result.check.submitted_by == city.user("class_teacher") and result.check.submitted_at is not None
    assert not AuditEvent.objects.filter(action__startswith="health_check").exists()


def test_absences_are_counted_and_derived(city) -> None:
    a, b, c = ids(city)
    result = check(
        city,
        [
            fever(a),
            AbsenceInput(student=b, reason="other"),
            AbsenceInput(student=c, reason="unwell", symptoms=("vomiting",)),
        ],
    )
    chk = result.check
    assert (chk.illness_count, chk.other_count, chk.unwell_count) == (1, 1, 1)
    assert chk.present == 1
    rows = {r.student_id: r for r in AbsenceRecord.objects.filter(check_record=chk)}
    assert rows[a].syndrome == "respiratory" and rows[a].disease_code == "ILI"
    assert rows[b].syndrome == "" and rows[b].disease_code == ""
    assert rows[c].syndrome == "gastro"


def test_same_submission_twice_changes_nothing(city) -> None:
    a = ids(city)[0]
    first = check(city, [fever(a)])
    again = check(city, [fever(a)])
    assert not again.created and not again.changed
    assert again.check.pk == first.check.pk
    assert DailyCheck.objects.count() == 1
    assert AbsenceRecord.objects.count() == 1
    assert not AuditEvent.objects.filter(action__startswith="health_check").exists()


def test_idempotency_key_returns_the_same_check_even_with_other_content(city) -> None:
    a, b, _ = ids(city)
    first = check(city, [fever(a)], key="k-1")
    replay = check(city, [fever(b)], key="k-1")
    assert replay.check.pk == first.check.pk
    assert not replay.changed
    assert list(AbsenceRecord.objects.values_list("student_id", flat=True)) == [a]
    assert CheckKey.objects.filter(key="k-1").count() == 1


def test_correction_the_same_day_is_audited_with_before_and_after(city) -> None:
    a, b, _ = ids(city)
    first = check(city, [fever(a)])
    corrected = check(city, [fever(b, 39.0)])
    assert corrected.changed and not corrected.created
    assert corrected.check.pk == first.check.pk
    assert corrected.check.version == 2
    assert list(AbsenceRecord.objects.values_list("student_id", flat=True)) == [b]
    event = AuditEvent.objects.get(action="health_check_correct")
    assert event.changes["absences"][0][0][0] == a
    assert event.changes["absences"][1][0][0] == b


def test_correction_of_an_earlier_day_is_refused(city, today) -> None:
    a, b, _ = ids(city)
    check(city, [fever(a)], day=today - dt.timedelta(days=1))
    with pytest.raises(DomainError) as exc:
        check(city, [fever(b)], day=today - dt.timedelta(days=1))
    assert exc.value.code == "correction_closed"


@pytest.mark.parametrize(
    ("absence", "code"),
    [
        (lambda city: AbsenceInput(student=city.students["a2"][0].pk, reason="illness"), "student_not_in_class"),
        (lambda city: fever(city.students["a1"][0].pk, 33.9), "temperature_out_of_range"),
        (lambda city: fever(city.students["a1"][0].pk, 43.1), "temperature_out_of_range"),
        (lambda city: fever(city.students["a1"][0].pk, float("nan")), "temperature_out_of_range"),
        (lambda city: AbsenceInput(student=city.students["a1"][0].pk, reason="sick"), "reason_invalid"),
        (
            lambda city: AbsenceInput(student=city.students["a1"][0].pk, reason="illness", symptoms=("x",)),
            "symptom_invalid",
        ),
        (lambda city: fever(city.students["a1"][0].pk, suspected="NOPE"), "disease_invalid"),
    ],
)
def test_bad_absences_are_refused_and_change_nothing(city, absence, code) -> None:
    with pytest.raises(DomainError) as exc:
        check(city, [absence(city)])
    assert exc.value.code == code
    assert DailyCheck.objects.count() == 0


def test_temperature_bounds_are_inclusive(city) -> None:
    a, b, _ = ids(city)
    result = check(city, [fever(a, 34.0), fever(b, 43.0)])
    assert result.check.illness_count == 2


def test_same_student_twice_is_refused(city) -> None:
    a = ids(city)[0]
    with pytest.raises(DomainError) as exc:
        check(city, [fever(a), fever(a)])
    assert exc.value.code == "student_duplicate"


def test_future_date_is_refused(city, today) -> None:
    with pytest.raises(DomainError) as exc:
        check(city, [], day=today + dt.timedelta(days=1))
    assert exc.value.code == "future_date"


def test_closed_class_is_refused(city) -> None:
    city.class_a1.is_closed = True
    city.class_a1.save()
    with pytest.raises(DomainError) as exc:
        check(city, [], who="doctor")
    assert exc.value.code == "class_closed"


def test_teacher_of_another_class_is_forbidden(city) -> None:
    with pytest.raises(Forbidden):
        check(city, [], klass=city.class_a2)


def test_doctor_may_check_any_class_of_the_school(city) -> None:
    assert check(city, [], klass=city.class_a2, who="doctor").created
    with pytest.raises(Forbidden):
        check(city, [], klass=city.class_b1, who="doctor")


def test_sessions_are_separate_checks(city) -> None:
    check(city, [])
    check(city, [], session="noon")
    assert DailyCheck.objects.count() == 2

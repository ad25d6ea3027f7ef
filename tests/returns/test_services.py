from __future__ import annotations

import datetime as dt

import pytest

from dudao.audit.models import AuditEvent
from dudao.calendars import selectors as calendar
from dudao.calendars.models import CalendarEntry, EntryKind, SchoolYear
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.returns import selectors, services
from dudao.returns.models import AnsweredBy, ScreeningAnswer, ScreeningRound, SuspensionStatus
from tests.factories import City
from tests.returns.conftest import AREAS, days, next_weekday, second_opening, today

pytestmark = pytest.mark.django_db

TRAVEL = services.AnswerIn(travel_area="北京市朝阳区", left_area_on=None)


def test_round_takes_the_calendars_next_opening_day(school_round: ScreeningRound) -> None:
    assert school_round.return_on == second_opening()
    assert school_round.area_list == ["北京市朝阳区", "广州市白云区"]


def test_round_without_an_opening_day_asks_for_a_date(city: City) -> None:
    with pytest.raises(DomainError) as err:
        services.open_round(actor=city.user("principal"), unit=city.school_a, data=services.RoundIn(name="筛查"))
    assert err.value.code == "no_opening_day"


def test_round_opened_twice_is_one_round(city: City, year: SchoolYear, school_round: ScreeningRound) -> None:
    again = services.open_round(
        actor=city.user("principal"), unit=city.school_a, data=services.RoundIn(name="寒假返校筛查", risk_areas=AREAS)
    )
    assert again.pk == school_round.pk


@pytest.mark.parametrize("key", ["class_teacher", "counsellor", "bureau_leader", "district_admin_b"])
def test_round_refused_for_others(city: City, year: SchoolYear, key: str) -> None:
    with pytest.raises(Forbidden):
        services.open_round(actor=city.user(key), unit=city.school_a, data=services.RoundIn(name="筛查"))


def test_district_round_covers_its_schools(city: City, year: SchoolYear) -> None:
    row = services.open_round(
        actor=city.user("district_admin"), unit=city.district_a, data=services.RoundIn(name="全区返校筛查")
    )
    student = city.students["a2_1"][0]
    answer = services.answer_for_student(
        actor=city.user("principal"), round=row, student=city.students["a1"][0], data=services.AnswerIn(), version=None
    )
    assert answer.school == city.school_a
    with pytest.raises(Forbidden):  # 实验小学 is not the principal's school
        services.answer_for_student(
            actor=city.user("principal"), round=row, student=student, data=services.AnswerIn(), version=None
        )


def test_symptoms_hold_back_without_a_date(city: City, school_round: ScreeningRound) -> None:
    answer = services.answer_by_link(
        round=school_round, student=city.students["a1"][0], data=services.AnswerIn(symptoms=["fever", "cough"])
    )
    assert answer.is_held and answer.expected_return is None
    assert answer.hold_reasons == "有症状：发热、咳嗽"
    assert answer.answered_by == AnsweredBy.PARENT


def test_recent_travel_holds_back_until_hold_days_after_leaving(city: City, school_round: ScreeningRound) -> None:
    left = today() - dt.timedelta(days=1)
    # Left yesterday, back 7 days later: before the opening (40 days ahead) → not held.
    answer = services.answer_by_link(
        round=school_round,
        student=city.students["a1"][0],
        data=services.AnswerIn(travel_area="北京市朝阳区", left_area_on=left),
    )
    assert not answer.is_held


def test_travel_close_to_the_opening_holds_back(city: City, year: SchoolYear) -> None:
    row = services.open_round(
        actor=city.user("principal"),
        unit=city.school_a,
        data=services.RoundIn(name="周一返校", return_on=days(3), risk_areas=AREAS, hold_days=7),
    )
    answer = services.answer_by_link(
        round=row,
        student=city.students["a1"][0],
        data=services.AnswerIn(
            travel_area="广州市白云区", left_area_on=today(), close_contact=True, contact_on=days(-1)
        ),
    )
    assert answer.is_held
    assert answer.expected_return == days(7)
    assert "广州市白云区" in answer.hold_reasons and "密切接触" in answer.hold_reasons


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (services.AnswerIn(travel_area="上海市"), "area_not_listed"),
        (TRAVEL, "left_on_required"),
        (services.AnswerIn(travel_area="北京市朝阳区", left_area_on=days(1)), "left_on_future"),
        (services.AnswerIn(close_contact=True), "contact_on_required"),
        (services.AnswerIn(symptoms=["headache"]), "symptom_invalid"),
    ],
)
def test_bad_answers_change_nothing(
    city: City, school_round: ScreeningRound, data: services.AnswerIn, code: str
) -> None:
    with pytest.raises(DomainError) as err:
        services.answer_by_link(round=school_round, student=city.students["a1"][0], data=data)
    assert err.value.code == code
    assert not ScreeningAnswer.objects.exists()


def test_link_used_twice_updates_the_answer(city: City, school_round: ScreeningRound) -> None:
    student = city.students["a1"][0]
    first = services.answer_by_link(round=school_round, student=student, data=services.AnswerIn(symptoms=["fever"]))
    second = services.answer_by_link(round=school_round, student=student, data=services.AnswerIn())
    assert first.pk == second.pk
    assert ScreeningAnswer.objects.filter(round=school_round).count() == 1
    second.refresh_from_db()
    assert not second.is_held and second.version == 2


def test_teacher_edit_of_a_stale_answer_is_refused(city: City, school_round: ScreeningRound) -> None:
    student = city.students["a1"][0]
    teacher = city.user("class_teacher")
    services.answer_for_student(
        actor=teacher, round=school_round, student=student, data=services.AnswerIn(), version=None
    )
    services.answer_by_link(round=school_round, student=student, data=services.AnswerIn(symptoms=["rash"]))
    with pytest.raises(StaleEditError):
        services.answer_for_student(
            actor=teacher, round=school_round, student=student, data=services.AnswerIn(), version=1
        )


def test_class_teacher_answers_only_for_own_class(city: City, school_round: ScreeningRound) -> None:
    with pytest.raises(Forbidden):
        services.answer_for_student(
            actor=city.user("class_teacher"),
            round=school_round,
            student=city.students["a2"][0],
            data=services.AnswerIn(),
            version=None,
        )


def test_free_questions_are_kept(city: City, school_round: ScreeningRound) -> None:
    answer = services.answer_by_link(
        round=school_round,
        student=city.students["a1"][0],
        data=services.AnswerIn(extra={"寒假期间是否离开本市": "去过杭州", "别的": "x"}),
    )
    assert answer.extra == {"寒假期间是否离开本市": "去过杭州"}


def test_staff_answer_for_themselves(city: City, school_round: ScreeningRound) -> None:
    doctor = city.user("doctor")
    first = services.answer_for_self(
        actor=doctor, round=school_round, data=services.AnswerIn(symptoms=["cough"]), version=None
    )
    again = services.answer_for_self(actor=doctor, round=school_round, data=services.AnswerIn(), version=None)
    assert first.pk == again.pk and first.staff == doctor and first.student is None
    with pytest.raises(DomainError):  # 乙区's admin is not inside 五中's round
        services.answer_for_self(
            actor=city.user("district_admin_b"), round=school_round, data=services.AnswerIn(), version=None
        )


def test_closed_round_takes_no_answers(city: City, school_round: ScreeningRound) -> None:
    services.close_round(actor=city.user("principal"), round=school_round, version=school_round.version)
    with pytest.raises(DomainError) as err:
        services.answer_by_link(round=school_round, student=city.students["a1"][0], data=services.AnswerIn())
    assert err.value.code == "round_closed"


def test_counts_per_class(city: City, school_round: ScreeningRound) -> None:
    a1 = city.students["a1"]
    services.answer_by_link(round=school_round, student=a1[0], data=services.AnswerIn(symptoms=["fever"]))
    services.answer_by_link(round=school_round, student=a1[1], data=services.AnswerIn())
    services.answer_for_self(actor=city.user("doctor"), round=school_round, data=services.AnswerIn(), version=None)
    total, rows = selectors.round_counts(school_round, city.school_a)
    by_class = {r.unit.pk: r.counts for r in rows}
    assert (total.enrolled, total.answered, total.held, total.pending) == (5, 2, 1, 3)
    assert (by_class[city.class_a1.pk].answered, by_class[city.class_a1.pk].pending) == (2, 1)
    assert by_class[city.class_a2.pk].pending == 2
    assert total.staff_answered == 1 and total.staff >= 1


def test_clearance_follows_the_rules(city: City, year: SchoolYear) -> None:
    row = services.open_round(
        actor=city.user("principal"),
        unit=city.school_a,
        data=services.RoundIn(name="返校", return_on=days(2), risk_areas=AREAS, hold_days=7),
    )
    answer = services.answer_by_link(
        round=row,
        student=city.students["a1"][0],
        data=services.AnswerIn(travel_area="北京市朝阳区", left_area_on=today()),
    )
    doctor = city.user("doctor")
    with pytest.raises(DomainError) as err:
        services.clear_return(actor=doctor, answer=answer, cleared_on=days(3), certificate_no="社区证明", version=None)
    assert err.value.code == "clearance_too_early"
    with pytest.raises(DomainError) as err:
        services.clear_return(actor=doctor, answer=answer, cleared_on=days(7), certificate_no=" ", version=None)
    assert err.value.code == "required"
    with pytest.raises(Forbidden):
        services.clear_return(
            actor=city.user("class_teacher"), answer=answer, cleared_on=days(7), certificate_no="x", version=None
        )
    cleared = services.clear_return(
        actor=doctor, answer=answer, cleared_on=days(7), certificate_no="社区证明", version=None
    )
    assert cleared.cleared_on == days(7)
    with pytest.raises(DomainError) as err:
        services.answer_by_link(round=row, student=city.students["a1"][0], data=services.AnswerIn())
    assert err.value.code == "already_cleared"
    assert selectors.held_waiting(doctor) == 0


# ----- suspensions ------------------------------------------------------------------------------


def test_suspension_paints_the_calendar_and_the_checks_skip_it(city: City, year: SchoolYear) -> None:
    start = next_weekday(3)
    row = services.suspend(
        actor=city.user("principal"),
        unit=city.class_a1,
        data=services.SuspensionIn(start, start + dt.timedelta(days=2), reason="水痘聚集", reference="疫情处置措施"),
    )
    assert not calendar.is_school_day(city.class_a1, start)
    assert calendar.is_school_day(city.class_a2, start)
    assert CalendarEntry.objects.get(pk=row.calendar_entry_id or 0).kind == EntryKind.SUSPENSION


def test_suspension_across_terms_is_refused(city: City, year: SchoolYear) -> None:
    with pytest.raises(DomainError) as err:
        services.suspend(
            actor=city.user("principal"),
            unit=city.grade_a,
            data=services.SuspensionIn(days(15), days(45), reason="流感"),
        )
    assert err.value.code == "suspension_crosses_terms"
    assert "跨越了学期" in err.value.message


def test_suspension_posted_twice_is_one(city: City, year: SchoolYear) -> None:
    data = services.SuspensionIn(next_weekday(3), next_weekday(3), reason="流感")
    first = services.suspend(actor=city.user("principal"), unit=city.class_a1, data=data)
    again = services.suspend(actor=city.user("principal"), unit=city.class_a1, data=data)
    assert first.pk == again.pk
    assert CalendarEntry.objects.filter(kind=EntryKind.SUSPENSION).count() == 1


def test_suspension_refused_for_teacher_and_other_district(city: City, year: SchoolYear) -> None:
    data = services.SuspensionIn(next_weekday(3), next_weekday(3), reason="流感")
    for key in ("class_teacher", "district_admin_b", "doctor"):
        with pytest.raises(Forbidden):
            services.suspend(actor=city.user(key), unit=city.class_a1, data=data)


def test_bad_online_link_is_refused(city: City, year: SchoolYear) -> None:
    with pytest.raises(DomainError) as err:
        services.suspend(
            actor=city.user("principal"),
            unit=city.class_a1,
            data=services.SuspensionIn(next_weekday(3), next_weekday(3), reason="流感", online_link="javascript:x"),
        )
    assert err.value.code == "link_invalid"


def test_lifting_early_removes_the_remaining_days(city: City, year: SchoolYear) -> None:
    start = next_weekday(3)
    end = start + dt.timedelta(days=6)
    row = services.suspend(
        actor=city.user("principal"), unit=city.class_a1, data=services.SuspensionIn(start, end, reason="诺如病毒")
    )
    back = start + dt.timedelta(days=2)
    lifted = services.lift(actor=city.user("principal"), suspension=row, return_on=back, version=row.version)
    assert lifted.status == SuspensionStatus.LIFTED
    entry = CalendarEntry.objects.get(pk=lifted.calendar_entry_id or 0)
    assert (entry.starts_on, entry.ends_on) == (start, back - dt.timedelta(days=1))
    assert CalendarEntry.objects.filter(kind=EntryKind.SUSPENSION).count() == 1
    assert not calendar.is_school_day(city.class_a1, start)
    assert calendar.is_school_day(city.class_a1, end) == (end.weekday() < 5)
    again = services.lift(actor=city.user("principal"), suspension=lifted, return_on=back, version=None)
    assert again.pk == lifted.pk
    assert AuditEvent.objects.filter(action="lift_suspension").count() == 1


def test_lifting_before_the_start_removes_every_day(city: City, year: SchoolYear) -> None:
    start = next_weekday(5)
    row = services.suspend(
        actor=city.user("principal"), unit=city.class_a1, data=services.SuspensionIn(start, start, reason="流感")
    )
    lifted = services.lift(actor=city.user("principal"), suspension=row, return_on=start, version=None)
    assert lifted.calendar_entry_id is None
    assert not CalendarEntry.objects.filter(kind=EntryKind.SUSPENSION).exists()


def test_lifting_after_the_end_is_refused(city: City, year: SchoolYear) -> None:
    start = next_weekday(3)
    row = services.suspend(
        actor=city.user("principal"), unit=city.class_a1, data=services.SuspensionIn(start, start, reason="流感")
    )
    with pytest.raises(DomainError) as err:
        services.lift(
            actor=city.user("principal"), suspension=row, return_on=start + dt.timedelta(days=3), version=None
        )
    assert err.value.code == "return_after_end"


# ----- arrival times ------------------------------------------------------------------------------


def test_arrival_slot_set_twice_is_replaced(city: City, year: SchoolYear) -> None:
    data = services.ArrivalIn(city.grade_a, second_opening(), dt.time(7, 30), dt.time(7, 50), gate="东门")
    first = services.set_arrival(actor=city.user("principal"), school=city.school_a, data=data)
    later = services.ArrivalIn(city.grade_a, second_opening(), dt.time(7, 40), dt.time(8, 0), gate="东门")
    second = services.set_arrival(actor=city.user("principal"), school=city.school_a, data=later)
    assert first.pk == second.pk
    assert [s.arrives_from for s in selectors.arrival_plan(city.school_a, second_opening())] == [dt.time(7, 40)]


def test_arrival_slot_rules(city: City, year: SchoolYear) -> None:
    with pytest.raises(DomainError) as err:
        services.set_arrival(
            actor=city.user("principal"),
            school=city.school_a,
            data=services.ArrivalIn(city.grade_a, second_opening(), dt.time(8, 0), dt.time(7, 50)),
        )
    assert err.value.code == "times_inverted"
    with pytest.raises(DomainError) as err:
        services.set_arrival(
            actor=city.user("principal"),
            school=city.school_a,
            data=services.ArrivalIn(city.class_a1, second_opening(), dt.time(7, 0), dt.time(7, 50)),
        )
    assert err.value.code == "grade_invalid"
    with pytest.raises(Forbidden):
        services.set_arrival(
            actor=city.user("class_teacher"),
            school=city.school_a,
            data=services.ArrivalIn(city.grade_a, second_opening(), dt.time(7, 0), dt.time(7, 50)),
        )

"""Duty services: rosters and their bad input, sign-in, duty log, missed sign-ins, plans, drills, 迎检响应, leave."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.duty import selectors, services
from dudao.duty.models import (
    DutyShift,
    DutySignIn,
    LeaveStatus,
    LogKind,
    LogOutcome,
    PlanType,
    ResponseTask,
    RosterStatus,
    ShiftRole,
)
from dudao.orgs.roles import Role
from tests.duty.conftest import add, at, inspection_plan, person_at

pytestmark = pytest.mark.django_db


def test_shift_ending_before_it_starts_is_refused(city, roster, today):
    with pytest.raises(DomainError) as err:
        services.add_shift(
            actor=city.user("principal"),
            roster=roster,
            person=city.user("doctor"),
            role=ShiftRole.STAFF,
            starts_at=at(today, 20),
            ends_at=at(today, 8),
        )
    assert err.value.code == "shift_ends_before_start"
    assert not DutyShift.objects.exists()


def test_one_person_cannot_be_in_two_places_at_once(city, roster, today):
    other = services.create_roster(
        actor=city.user("district_admin"),
        unit=city.district_a,
        title="区局值班表",
        starts_on=today,
        ends_on=today + dt.timedelta(days=3),
    )
    add(city, roster, city.user("doctor"), at(today, 8))
    person = city.user("doctor")
    with pytest.raises(DomainError) as err:
        services.add_shift(
            actor=city.user("district_admin"),
            roster=other,
            person=person,
            role=ShiftRole.STAFF,
            starts_at=at(today, 19),
            ends_at=at(today, 23),
        )
    assert err.value.code == "shift_overlaps"
    assert "同一时间不能两处值班" in err.value.message
    # Back-to-back is fine.
    add(city, roster, person, at(today, 20))
    assert DutyShift.objects.filter(person=person).count() == 2


def test_shift_outside_the_roster_dates_or_unit_is_refused(city, roster, today):
    with pytest.raises(DomainError) as err:
        add(city, roster, city.user("doctor"), at(today + dt.timedelta(days=30), 8))
    assert err.value.code == "shift_outside_roster"
    with pytest.raises(DomainError) as err:
        add(city, roster, person_at(city.school_b), at(today, 8))
    assert err.value.code == "person_outside_unit"


def test_planning_another_units_roster_is_forbidden(city, roster, today):
    with pytest.raises(Forbidden):
        services.add_shift(
            actor=city.user("district_admin_b"),
            roster=roster,
            person=city.user("doctor"),
            role=ShiftRole.STAFF,
            starts_at=at(today, 8),
            ends_at=at(today, 9),
        )
    with pytest.raises(Forbidden):
        services.create_roster(
            actor=city.user("class_teacher"), unit=city.school_a, title="x", starts_on=today, ends_on=today
        )


def test_stale_roster_version_is_refused(city, roster, today):
    add(city, roster, city.user("doctor"), at(today, 8))
    with pytest.raises(StaleEditError):
        services.publish_roster(actor=city.user("principal"), roster=roster, version=1)
    roster.refresh_from_db()
    assert roster.status == RosterStatus.DRAFT


def test_publishing_an_empty_roster_is_refused_and_publishing_twice_changes_nothing(city, roster, today):
    with pytest.raises(DomainError) as err:
        services.publish_roster(actor=city.user("principal"), roster=roster, version=None)
    assert err.value.code == "roster_empty"
    add(city, roster, city.user("doctor"), at(today, 8))
    first = services.publish_roster(actor=city.user("principal"), roster=roster, version=None)
    again = services.publish_roster(actor=city.user("principal"), roster=first, version=first.version)
    assert again.version == first.version and again.status == RosterStatus.PUBLISHED


def test_roster_flags_days_without_a_leader(city, roster, today):
    add(city, roster, city.user("principal"), at(today, 8), hours=24, role=ShiftRole.LEADER)
    add(city, roster, city.user("doctor"), at(today, 8), hours=24)
    shifts = list(roster.shifts.all())
    flags = selectors.roster_flags(roster, shifts)
    assert today not in flags.days_without_leader
    assert today + dt.timedelta(days=1) in flags.days_without_leader  # a 24 h shift covers its start day only
    assert today - dt.timedelta(days=1) in flags.days_without_leader
    assert len(flags.days_without_leader) == 8 - 1  # eight roster days, one led
    assert flags.overlaps == []


def test_only_the_shifts_own_person_signs_in(city, live_shift):
    with pytest.raises(Forbidden):
        services.sign_in(actor=city.user("principal"), shift=live_shift, user_agent="x", ip="10.0.0.1")
    assert not DutySignIn.objects.exists()
    signin = services.sign_in(actor=city.user("doctor"), shift=live_shift, user_agent="Mobile Safari", ip="10.0.0.2")
    assert signin.person == city.user("doctor") and signin.user_agent == "Mobile Safari" and signin.ip == "10.0.0.2"
    assert not signin.is_late
    again = services.sign_in(actor=city.user("doctor"), shift=live_shift, user_agent="other", ip="10.0.0.3")
    assert again.pk == signin.pk and DutySignIn.objects.count() == 1
    assert AuditEvent.objects.filter(action="sign_in").count() == 1


def test_sign_in_needs_a_published_roster_and_the_shift_window(city, roster, today):
    now = timezone.now()
    shift = add(city, roster, city.user("doctor"), now - dt.timedelta(hours=1))
    with pytest.raises(DomainError) as err:
        services.sign_in(actor=city.user("doctor"), shift=shift)
    assert err.value.code == "roster_not_published"
    later = add(city, roster, city.user("counsellor"), now + dt.timedelta(hours=5))
    services.publish_roster(actor=city.user("principal"), roster=roster, version=None)
    with pytest.raises(DomainError) as err:
        services.sign_in(actor=city.user("counsellor"), shift=later)
    assert err.value.code == "signin_too_early"
    with pytest.raises(DomainError) as err:
        services.sign_in(actor=city.user("doctor"), shift=shift, now=now + dt.timedelta(hours=12))
    assert err.value.code == "signin_after_shift"
    late = services.sign_in(actor=city.user("doctor"), shift=shift, now=now)
    assert late.is_late


def test_duty_log_entries_by_the_person_and_escalation_needs_a_recipient(city, live_shift):
    entry = services.add_log_entry(
        actor=city.user("doctor"),
        shift=live_shift,
        kind=LogKind.CALL,
        text="家长来电询问开学时间",
        outcome=LogOutcome.HANDLED,
    )
    assert entry.author == city.user("doctor")
    with pytest.raises(DomainError) as err:
        services.add_log_entry(
            actor=city.user("doctor"),
            shift=live_shift,
            kind=LogKind.EVENT,
            text="围墙倒塌",
            outcome=LogOutcome.ESCALATED,
        )
    assert err.value.code == "required" and "上报对象" in err.value.message
    services.add_log_entry(
        actor=city.user("doctor"),
        shift=live_shift,
        kind=LogKind.EVENT,
        text="围墙倒塌",
        outcome=LogOutcome.ESCALATED,
        escalated_to="区教育局安全股",
    )
    with pytest.raises(Forbidden):
        services.add_log_entry(
            actor=city.user("counsellor"), shift=live_shift, kind=LogKind.CALL, text="x", outcome=LogOutcome.HANDLED
        )
    assert live_shift.log_entries.count() == 2


def test_missed_signins_are_flagged_once_and_seen_by_the_head_and_district(city, roster, settings):
    now = timezone.now()
    settings.DUDAO_DUTY_SIGNIN_DEADLINE = timezone.localtime(now - dt.timedelta(minutes=5)).strftime("%H:%M")
    shift = add(city, roster, city.user("doctor"), now - dt.timedelta(hours=2))
    signed = add(city, roster, city.user("counsellor"), now - dt.timedelta(hours=2))
    services.publish_roster(actor=city.user("principal"), roster=roster, version=None)
    services.sign_in(actor=city.user("counsellor"), shift=signed)
    assert list(selectors.missed_for(city.user("principal"))) == [shift]
    assert list(selectors.missed_for(city.user("district_admin"))) == [shift]
    assert list(selectors.missed_for(city.user("district_admin_b"))) == []
    assert services.flag_missed_signins() == 1
    assert services.flag_missed_signins() == 0
    shift.refresh_from_db()
    assert shift.missed_flagged_at is not None
    assert AuditEvent.objects.filter(action="missed_sign_in").count() == 1


def test_who_is_on_duty_now_in_few_queries(city, live_shift, django_assert_max_num_queries):
    services.sign_in(actor=city.user("doctor"), shift=live_shift)
    with django_assert_max_num_queries(4):
        rows = selectors.on_duty_now(city.user("bureau_staff"))
        by_unit = {r.unit.pk: r for r in rows}
        assert [s.person.display_name for s in by_unit[city.school_a.pk].staff] == [city.user("doctor").display_name]
        assert by_unit[city.school_a.pk].staff[0].signin_record is not None
        assert by_unit[city.school_a.pk].has_no_leader
        assert by_unit[city.school_b.pk].is_uncovered
    assert {r.unit.pk for r in selectors.on_duty_now(city.user("district_admin_b"))} == {
        city.district_b.pk,
        city.school_b.pk,
    }


def test_draft_rosters_are_not_on_the_now_page(city, roster):
    add(city, roster, city.user("doctor"), timezone.now() - dt.timedelta(hours=1))
    rows = {r.unit.pk: r for r in selectors.on_duty_now(city.user("principal"))}
    assert rows[city.school_a.pk].is_uncovered


# ----- plans and drills ---------------------------------------------------------------------------


def test_plan_needs_steps_with_roles_and_is_one_per_unit_and_type(city):
    with pytest.raises(DomainError) as err:
        services.save_plan(
            actor=city.user("principal"),
            unit=city.school_a,
            plan_type=PlanType.FIRE,
            title="消防预案",
            summary="",
            steps=[],
        )
    assert err.value.code == "plan_steps_required"
    with pytest.raises(DomainError) as err:
        services.save_plan(
            actor=city.user("principal"),
            unit=city.school_a,
            plan_type=PlanType.FIRE,
            title="消防预案",
            summary="",
            steps=[services.StepIn("疏散", "nobody")],
        )
    assert err.value.code == "step_role_invalid"
    plan = inspection_plan(city)
    again = services.save_plan(
        actor=city.user("principal"),
        unit=city.school_a,
        plan_type=PlanType.INSPECTION,
        title="迎检预案（修订）",
        summary="",
        steps=[services.StepIn("环境整治", Role.SCHOOL_STAFF)],
        version=plan.version,
    )
    assert again.pk == plan.pk and again.steps.count() == 1 and again.version == 2
    with pytest.raises(StaleEditError):
        services.save_plan(
            actor=city.user("principal"),
            unit=city.school_a,
            plan_type=PlanType.INSPECTION,
            title="x",
            summary="",
            steps=[services.StepIn("a", Role.PRINCIPAL)],
            version=1,
        )


def jpeg() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (10, 120, 30)).save(out, format="JPEG")
    out.seek(0)
    return out


def test_drill_with_photo_and_coverage_per_unit_and_type(city, today):
    plan = inspection_plan(city)
    drill = services.record_drill(
        actor=city.user("school_staff"),
        plan=plan,
        held_on=today,
        participants=120,
        duration_minutes=45,
        evaluation="疏散有序",
        photos=[(jpeg(), "drill.jpg")],
    )
    assert drill.photos.count() == 1
    with pytest.raises(DomainError) as err:
        services.record_drill(
            actor=city.user("school_staff"),
            plan=plan,
            held_on=today,
            participants=10,
            duration_minutes=20,
            evaluation="",
            photos=[(io.BytesIO(b"MZ not a picture"), "x.jpg")],
        )
    assert err.value.code == "upload_type_refused"
    with pytest.raises(DomainError) as err:
        services.record_drill(
            actor=city.user("school_staff"),
            plan=plan,
            held_on=today + dt.timedelta(days=1),
            participants=1,
            duration_minutes=20,
            evaluation="",
        )
    assert err.value.code == "drill_in_future"
    rows = {r.unit.pk: r for r in selectors.drill_coverage(city.user("district_admin"), term=selectors.term_of(today))}
    assert rows[city.school_a.pk].counts == {PlanType.INSPECTION: 1}
    assert "消防" in rows[city.school_a.pk].missing
    assert rows[city.school_a2.pk].counts == {}
    assert city.school_b.pk not in rows


def test_terms_split_at_the_configured_month_days():
    assert selectors.term_of(dt.date(2026, 11, 29)) == (dt.date(2026, 9, 1), dt.date(2027, 1, 31))
    assert selectors.term_of(dt.date(2026, 7, 15)) == (dt.date(2026, 2, 1), dt.date(2026, 8, 31))


# ----- 迎检响应 -----------------------------------------------------------------------------------------


def test_inspection_response_turns_each_schools_plan_into_a_checklist(city, today):
    inspection_plan(city)  # school_a's own plan
    district_plan = services.save_plan(
        actor=city.user("district_admin"),
        unit=city.district_a,
        plan_type=PlanType.INSPECTION,
        title="区迎检预案",
        summary="",
        steps=[services.StepIn("自查自纠", Role.PRINCIPAL)],
    )
    response = services.trigger_inspection(
        actor=city.user("bureau_staff"),
        title="省文明校园测评",
        expected_on=today + dt.timedelta(days=3),
        districts=[city.district_a.pk],
        schools=[city.school_b.pk],
    )
    targets = {t.school_id: t for t in response.schools.all()}
    assert set(targets) == {city.school_a.pk, city.school_a2.pk, city.school_b.pk}
    tasks_a = list(ResponseTask.objects.filter(target=targets[city.school_a.pk]))
    assert [t.title for t in tasks_a] == ["校园环境整治", "档案资料整理", "学生健康台账", "心理辅导室开放"]
    assert {t.title: t.assignee for t in tasks_a}["学生健康台账"] == city.user("doctor")
    assert targets[city.school_a2.pk].plan == district_plan  # falls back to the district's plan
    assert targets[city.school_b.pk].plan is None and not targets[city.school_b.pk].tasks.exists()
    # The district sees progress per school; the other district sees only its school.
    rows = {t.school_id: t for t in selectors.response_targets_for(city.user("district_admin"))}
    # total and done are annotations the selector's return type does not declare.
    assert set(rows) == {city.school_a.pk, city.school_a2.pk} and rows[city.school_a.pk].total == 4  # type: ignore[attr-defined]
    doctor_task = next(t for t in tasks_a if t.responsible_role == Role.DOCTOR)
    with pytest.raises(Forbidden):
        services.complete_task(actor=city.user("counsellor"), task=doctor_task)
    services.complete_task(actor=city.user("doctor"), task=doctor_task, note="台账已更新")
    services.complete_task(actor=city.user("doctor"), task=doctor_task)  # twice: no change
    rows = {t.school_id: t for t in selectors.response_targets_for(city.user("district_admin"))}
    assert rows[city.school_a.pk].done == 1  # type: ignore[attr-defined]


def test_only_the_bureau_triggers_and_only_inside_its_scope(city, today):
    with pytest.raises(Forbidden):
        services.trigger_inspection(
            actor=city.user("district_admin"), title="x", expected_on=today, schools=[city.school_a.pk]
        )
    with pytest.raises(DomainError) as err:
        services.trigger_inspection(actor=city.user("bureau_staff"), title="x", expected_on=today)
    assert err.value.code == "schools_required"
    with pytest.raises(DomainError) as err:
        services.trigger_inspection(
            actor=city.user("bureau_staff"), title="x", expected_on=today, schools=[city.class_a1.pk]
        )
    assert err.value.code == "school_out_of_scope"


# ----- leave -----------------------------------------------------------------------------------------------


def campaign(city, today):
    return services.set_campaign(
        actor=city.user("bureau_staff"), title="创文迎检管控期", starts_on=today, ends_on=today + dt.timedelta(days=20)
    )


def test_leave_overlapping_an_own_shift_warns_and_the_leader_decides(city, roster, today):
    add(city, roster, city.user("principal"), at(today + dt.timedelta(days=2), 8), role=ShiftRole.LEADER)
    request = services.file_leave(
        actor=city.user("principal"),
        campaign=campaign(city, today),
        starts_on=today + dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=3),
        destination="南昌",
        reason="参加培训",
        deputy=city.user("school_staff"),
    )
    assert request.overlapping_shifts == 1 and request.status == LeaveStatus.PENDING
    with pytest.raises(Forbidden):
        services.decide_leave(actor=city.user("district_admin"), request=request, approve=True)
    with pytest.raises(DomainError) as err:
        services.decide_leave(actor=city.user("bureau_leader"), request=request, approve=False, note="")
    assert err.value.code == "required" and "审批意见" in err.value.message
    approved = services.decide_leave(actor=city.user("bureau_leader"), request=request, approve=True, version=1)
    assert approved.status == LeaveStatus.APPROVED
    with pytest.raises(DomainError) as err:
        services.decide_leave(actor=city.user("bureau_leader"), request=approved, approve=False, note="再议")
    assert err.value.code == "illegal_transition"


def test_leave_bad_input(city, today):
    c = campaign(city, today)
    base = dict(actor=city.user("principal"), campaign=c, destination="上海", reason="探亲")
    with pytest.raises(DomainError) as err:
        services.file_leave(
            **base, starts_on=today + dt.timedelta(days=3), ends_on=today, deputy=city.user("school_staff")
        )
    assert err.value.code == "leave_dates_reversed"
    with pytest.raises(DomainError) as err:
        services.file_leave(**base, starts_on=today, ends_on=today, deputy=city.user("principal"))
    assert err.value.code == "deputy_is_self"
    with pytest.raises(DomainError) as err:
        services.file_leave(**base, starts_on=today, ends_on=today, deputy=city.user("district_admin_b"))
    assert err.value.code == "deputy_outside_unit"
    with pytest.raises(DomainError) as err:
        services.file_leave(
            **base,
            starts_on=today + dt.timedelta(days=40),
            ends_on=today + dt.timedelta(days=41),
            deputy=city.user("school_staff"),
        )
    assert err.value.code == "leave_outside_campaign"
    services.file_leave(**base, starts_on=today, ends_on=today + dt.timedelta(days=1), deputy=city.user("school_staff"))
    with pytest.raises(DomainError) as err:
        services.file_leave(
            **base,
            starts_on=today + dt.timedelta(days=1),
            ends_on=today + dt.timedelta(days=2),
            deputy=city.user("school_staff"),
        )
    assert err.value.code == "leave_duplicate"
    with pytest.raises(Forbidden):
        services.file_leave(
            **{**base, "actor": city.user("class_teacher")},
            starts_on=today,
            ends_on=today,
            deputy=city.user("school_staff"),
        )


def test_the_now_page_shows_who_is_away_and_who_deputises(city, today):
    request = services.file_leave(
        actor=city.user("principal"),
        campaign=campaign(city, today),
        starts_on=today,
        ends_on=today + dt.timedelta(days=1),
        destination="北京",
        reason="开会",
        deputy=city.user("school_staff"),
    )
    services.decide_leave(actor=city.user("bureau_leader"), request=request, approve=True)
    rows = {r.unit.pk: r for r in selectors.on_duty_now(city.user("district_admin"))}
    assert [(a.applicant, a.deputy) for a in rows[city.school_a.pk].away] == [
        (city.user("principal"), city.user("school_staff"))
    ]


def test_a_class_teacher_sees_and_ticks_the_own_schools_class_teacher_task(city, today):
    services.save_plan(
        actor=city.user("principal"),
        unit=city.school_a,
        plan_type=PlanType.INSPECTION,
        title="迎检预案",
        summary="",
        steps=[services.StepIn("班级文化布置", Role.CLASS_TEACHER), services.StepIn("档案整理", Role.SCHOOL_STAFF)],
    )
    response = services.trigger_inspection(
        actor=city.user("bureau_staff"), title="测评", expected_on=today, schools=[city.school_a.pk, city.school_b.pk]
    )
    teacher = city.user("class_teacher")
    assert [t.school_id for t in selectors.response_targets_for(teacher)] == [city.school_a.pk]
    assert list(selectors.responses_for(teacher)) == [response]
    tasks = {t.responsible_role: t for t in ResponseTask.objects.filter(target__response=response)}
    services.complete_task(actor=teacher, task=tasks[Role.CLASS_TEACHER])
    with pytest.raises(Forbidden):
        services.complete_task(actor=teacher, task=tasks[Role.SCHOOL_STAFF])


def test_a_class_teacher_reads_the_own_schools_published_roster_only(city, roster, today):
    add(city, roster, city.user("doctor"), at(today, 8))
    teacher = city.user("class_teacher")
    assert list(selectors.rosters_for(teacher)) == []  # a draft
    services.publish_roster(actor=city.user("principal"), roster=roster, version=None)
    assert list(selectors.rosters_for(teacher)) == [roster]
    other = services.create_roster(
        actor=city.user("district_admin_b"), unit=city.school_b, title="x", starts_on=today, ends_on=today
    )
    add_b = services.add_shift(
        actor=city.user("district_admin_b"),
        roster=other,
        person=person_at(city.school_b),
        role=ShiftRole.LEADER,
        starts_at=at(today, 8),
        ends_at=at(today, 9),
    )
    assert add_b.pk
    services.publish_roster(actor=city.user("district_admin_b"), roster=other, version=None)
    assert list(selectors.rosters_for(teacher)) == [roster]
    assert list(selectors.rosters_for(city.user("sysadmin"))) == []


def test_the_sign_in_check_runs_as_a_command_and_as_the_huey_task(city, roster, settings):
    from io import StringIO

    from django.core.management import call_command

    from dudao.duty.tasks import check_signins

    now = timezone.now()
    settings.DUDAO_DUTY_SIGNIN_DEADLINE = timezone.localtime(now - dt.timedelta(minutes=1)).strftime("%H:%M")
    add(city, roster, city.user("doctor"), now - dt.timedelta(hours=3))
    add(city, roster, city.user("counsellor"), now - dt.timedelta(hours=3))
    services.publish_roster(actor=city.user("principal"), roster=roster, version=None)
    out = StringIO()
    call_command("duty_check_signins", stdout=out)
    assert "新发现未签到班次 2 个" in out.getvalue()
    assert check_signins.call_local() == 0


def test_a_school_does_not_read_the_districts_or_the_citys_roster(city, roster, today):
    add(city, roster, city.user("doctor"), at(today, 8))
    services.publish_roster(actor=city.user("principal"), roster=roster, version=None)
    higher = services.create_roster(
        actor=city.user("district_admin"), unit=city.district_a, title="区局值班表", starts_on=today, ends_on=today
    )
    services.add_shift(
        actor=city.user("district_admin"),
        roster=higher,
        person=person_at(city.district_a),
        role=ShiftRole.LEADER,
        starts_at=at(today, 8),
        ends_at=at(today, 9),
    )
    services.publish_roster(actor=city.user("district_admin"), roster=higher, version=None)
    assert list(selectors.rosters_for(city.user("principal"))) == [roster]
    assert list(selectors.rosters_for(city.user("class_teacher"))) == [roster]
    assert set(selectors.rosters_for(city.user("district_admin"))) == {roster, higher}


def test_the_district_watches_a_schools_checklist_but_cannot_tick_it(city, today):
    inspection_plan(city)
    response = services.trigger_inspection(
        actor=city.user("bureau_staff"), title="测评", expected_on=today, schools=[city.school_a.pk]
    )
    task = ResponseTask.objects.filter(target__response=response).first()
    assert task is not None
    for outsider in ("district_admin", "bureau_staff"):
        with pytest.raises(Forbidden):
            services.complete_task(actor=city.user(outsider), task=task)
    services.complete_task(actor=city.user("school_staff"), task=task)
    task.refresh_from_db()
    assert task.done_at is not None


def test_a_started_shift_of_a_published_roster_cannot_be_removed(city, live_shift):
    with pytest.raises(DomainError) as err:
        services.remove_shift(actor=city.user("principal"), shift=live_shift)
    assert err.value.code == "shift_started"
    assert DutyShift.objects.filter(pk=live_shift.pk).exists()


def test_a_time_without_a_zone_is_read_as_beijing_time(city, roster, today):
    naive = dt.datetime.combine(today, dt.time(8))
    shift = services.add_shift(
        actor=city.user("principal"),
        roster=roster,
        person=city.user("doctor"),
        role=ShiftRole.STAFF,
        starts_at=naive,
        ends_at=at(today, 20),
    )
    assert shift.starts_at == at(today, 8)


def test_saving_a_plan_someone_just_created_without_its_version_is_stale(city):
    inspection_plan(city)
    with pytest.raises(DomainError) as err:
        services.save_plan(
            actor=city.user("principal"),
            unit=city.school_a,
            plan_type=PlanType.INSPECTION,
            title="另一份",
            summary="",
            steps=[services.StepIn("接待", Role.PRINCIPAL)],
        )
    assert err.value.code == "stale"
    assert err.value.status == 409


def test_the_applicant_withdraws_a_pending_request_and_files_again(city, client, today):
    c = campaign(city, today)
    base = dict(
        actor=city.user("principal"), campaign=c, destination="上海", reason="探亲", deputy=city.user("school_staff")
    )
    first = services.file_leave(**base, starts_on=today, ends_on=today + dt.timedelta(days=1))
    with pytest.raises(Forbidden):
        services.withdraw_leave(actor=city.user("bureau_leader"), request=first)
    client.force_login(city.user("principal"))
    assert client.post(f"/leave/{first.pk}/withdraw/", {"version": first.version}).status_code == 302
    first.refresh_from_db()
    assert first.status == LeaveStatus.WITHDRAWN
    assert AuditEvent.objects.filter(action="withdraw_leave", object_id=str(first.pk)).exists()
    again = services.file_leave(**base, starts_on=today, ends_on=today + dt.timedelta(days=2))
    assert again.status == LeaveStatus.PENDING
    with pytest.raises(DomainError) as err:
        services.withdraw_leave(actor=city.user("principal"), request=first)
    assert err.value.code == "illegal_transition"

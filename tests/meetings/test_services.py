"""Services: task forces, meetings, decisions (tasks and directive drafts), progress, the 督办 review."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.audit.models import AuditEvent
from dudao.campaigns.models import Campaign
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.directives import services as directive_services
from dudao.directives.models import Directive, DirectiveStatus
from dudao.meetings import selectors, services
from dudao.meetings.models import Attendance, Decision, DecisionKind, Meeting, MemberDuty, ProgressNote, TaskForce
from dudao.meetings.selectors import State
from dudao.orgs.models import OrgUnit
from tests.factories import City
from tests.meetings.conftest import at, convene, decide

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# ---- task forces ----


def test_task_force_has_one_lead_and_members_from_units_below(city, task_force):
    members = list(task_force.members.values_list("person__username", "duty"))
    assert members[0] == ("bureau.leader", MemberDuty.LEAD)
    assert ("district.admin", MemberDuty.MEMBER) in members
    assert task_force.unit == city.root
    assert events("create_task_force") == 1


@pytest.mark.parametrize(
    ("duties", "code"),
    [
        ([MemberDuty.MEMBER, MemberDuty.MEMBER], "lead_required"),
        ([MemberDuty.LEAD, MemberDuty.LEAD], "lead_required"),
        (["boss", MemberDuty.LEAD], "duty_invalid"),
    ],
)
def test_task_force_needs_exactly_one_lead(city, duties, code):
    people = [city.user("bureau_leader"), city.user("district_admin")]
    with pytest.raises(DomainError) as refused:
        services.create_task_force(
            actor=city.user("bureau_staff"),
            name="专班",
            members=[services.MemberIn(p, d) for p, d in zip(people, duties, strict=True)],
        )
    assert refused.value.code == code
    assert not TaskForce.objects.exists()


def test_district_cannot_put_another_districts_head_on_its_task_force(city):
    with pytest.raises(DomainError) as refused:
        services.create_task_force(
            actor=city.user("district_admin"),
            name="甲区专班",
            members=[
                services.MemberIn(city.user("district_admin"), MemberDuty.LEAD),
                services.MemberIn(city.user("district_admin_b"), MemberDuty.MEMBER),
            ],
        )
    assert refused.value.code == "member_out_of_scope" and "不是本单位及下属单位" in refused.value.message
    assert not TaskForce.objects.exists()


def test_same_person_twice_is_refused(city):
    with pytest.raises(DomainError, match="重复"):
        services.create_task_force(
            actor=city.user("bureau_staff"),
            name="专班",
            members=[
                services.MemberIn(city.user("bureau_leader"), MemberDuty.LEAD),
                services.MemberIn(city.user("bureau_leader"), MemberDuty.MEMBER),
            ],
        )


def test_principal_cannot_set_up_a_task_force(city):
    with pytest.raises(Forbidden):
        services.create_task_force(
            actor=city.user("principal"),
            name="专班",
            members=[services.MemberIn(city.user("principal"), MemberDuty.LEAD)],
        )


def test_task_force_sent_twice_with_one_form_key_is_made_once(city):
    def send() -> TaskForce:
        return services.create_task_force(
            actor=city.user("bureau_staff"),
            name="专班",
            members=[services.MemberIn(city.user("bureau_leader"), MemberDuty.LEAD)],
            submit_key="k1",
        )

    assert send().pk == send().pk
    assert TaskForce.objects.count() == 1 and events("create_task_force") == 1


def test_update_task_force_replaces_members_and_refuses_a_stale_version(city, task_force):
    updated = services.update_task_force(
        actor=city.user("bureau_staff"),
        task_force=task_force,
        name="创城迎检工作专班",
        campaign=None,
        duties="",
        members=[services.MemberIn(city.user("bureau_staff"), MemberDuty.LEAD)],
        version=task_force.version,
    )
    assert updated.name == "创城迎检工作专班" and updated.members.count() == 1
    with pytest.raises(StaleEditError):
        services.update_task_force(
            actor=city.user("bureau_staff"),
            task_force=task_force,
            name="又改名",
            campaign=None,
            duties="",
            members=[services.MemberIn(city.user("bureau_staff"), MemberDuty.LEAD)],
            version=task_force.version,
        )
    assert TaskForce.objects.get().name == "创城迎检工作专班"


def test_dissolved_task_force_takes_no_new_meeting(city, task_force, today):
    services.dissolve_task_force(actor=city.user("bureau_staff"), task_force=task_force, version=task_force.version)
    task_force.refresh_from_db()
    with pytest.raises(DomainError, match="已撤销"):
        convene(city, task_force, today)


# ---- meetings ----


def test_meeting_of_a_task_force_lists_its_members_as_attendees(city, meeting, task_force):
    people = set(meeting.attendees.values_list("person__username", flat=True))
    assert people == {"bureau.leader", "bureau.staff", "district.admin", "district.admin.b"}
    assert meeting.unit == city.root and meeting.task_force == task_force
    assert events("create_meeting") == 1


def test_meeting_sent_twice_with_one_form_key_is_made_once(city, task_force, today):
    first = convene(city, task_force, today, submit_key="abc")
    second = convene(city, task_force, today, submit_key="abc")
    assert first.pk == second.pk and Meeting.objects.count() == 1


def test_chair_from_outside_the_unit_is_refused(city, today):
    with pytest.raises(DomainError) as refused:
        services.create_meeting(
            actor=city.user("district_admin"),
            title="甲区调度会",
            starts_at=at(today),
            chair=city.user("district_admin_b"),
        )
    assert refused.value.code == "chair_out_of_scope"
    assert not Meeting.objects.exists()


def test_meeting_of_another_units_task_force_is_refused(city, task_force, today):
    with pytest.raises(DomainError) as refused:
        services.create_meeting(
            actor=city.user("district_admin"),
            title="甲区调度会",
            starts_at=at(today),
            chair=city.user("district_admin"),
            task_force=task_force,
        )
    assert refused.value.code == "task_force_out_of_scope"


def test_meeting_years_away_is_refused(city, today):
    with pytest.raises(DomainError, match="前后一年"):
        services.create_meeting(
            actor=city.user("bureau_staff"),
            title="调度会",
            starts_at=at(today.replace(year=today.year + 3)),
            chair=city.user("bureau_leader"),
        )


def test_attendance_and_minutes_are_saved_with_versions(city, meeting):
    row = meeting.attendees.get(person=city.user("district_admin_b"))
    services.record_attendance(
        actor=city.user("bureau_staff"),
        meeting=meeting,
        marks={row.pk: (Attendance.LEAVE, "外出培训")},
        version=meeting.version,
    )
    row.refresh_from_db()
    assert (row.attendance, row.note) == (Attendance.LEAVE, "外出培训")
    with pytest.raises(StaleEditError):
        services.save_minutes(actor=city.user("bureau_staff"), meeting=meeting, minutes="纪要", version=meeting.version)
    fresh = Meeting.objects.get()
    staff = city.user("bureau_staff")
    services.save_minutes(actor=staff, meeting=fresh, minutes="会议听取了各区汇报", version=fresh.version)
    assert Meeting.objects.get().minutes == "会议听取了各区汇报"
    assert events("save_minutes") == 1 and events("record_attendance") == 1


def test_bad_attendance_value_changes_nothing(city, meeting):
    row = meeting.attendees.first()
    assert row is not None
    with pytest.raises(DomainError, match="出席、请假或缺席"):
        services.record_attendance(
            actor=city.user("bureau_staff"), meeting=meeting, marks={row.pk: ("late", "")}, version=None
        )
    row.refresh_from_db()
    assert row.attendance == Attendance.PRESENT


def test_add_attendees_skips_people_already_listed(city, meeting):
    added = services.add_attendees(
        actor=city.user("bureau_staff"), meeting=meeting, people=[city.user("district_admin"), city.user("principal")]
    )
    assert added == 1 and meeting.attendees.count() == 5


def test_district_cannot_edit_the_citys_meeting(city, meeting):
    with pytest.raises(Forbidden):
        services.save_minutes(actor=city.user("district_admin"), meeting=meeting, minutes="x", version=None)


# ---- decisions ----


def test_decision_is_numbered_and_audited(city, meeting, today):
    first = decide(city, meeting, today)
    second = decide(city, meeting, today + DAY, unit=city.school_b)
    assert (first.position, second.position) == (1, 2)
    assert events("add_decision") == 2


def test_decision_with_a_past_deadline_is_refused_and_nothing_is_saved(city, meeting, today):
    with pytest.raises(DomainError) as refused:
        decide(city, meeting, today - DAY)
    assert refused.value.code == "deadline_in_past"
    assert f"完成时限（{today - DAY:%Y-%m-%d}）已经过去" in refused.value.message
    assert not Decision.objects.exists() and events("add_decision") == 0


def test_owner_person_must_belong_to_the_owner_unit(city, meeting, today):
    with pytest.raises(DomainError) as refused:
        decide(city, meeting, today, unit=city.district_b, owner_person=city.user("district_admin"))
    assert refused.value.code == "owner_person_outside_unit"
    assert "不属于责任单位“乙区教育局”" in refused.value.message
    assert not Decision.objects.exists()


def test_owner_unit_outside_the_organiser_is_refused(city, today):
    meeting = services.create_meeting(
        actor=city.user("district_admin"), title="甲区调度会", starts_at=at(today), chair=city.user("district_admin")
    )
    with pytest.raises(DomainError) as refused:
        services.add_decision(
            actor=city.user("district_admin"), meeting=meeting, text="整改", owner_unit=city.school_b, deadline=today
        )
    assert refused.value.code == "owner_unit_out_of_scope"


def test_class_cannot_own_a_decision(city, meeting, today):
    with pytest.raises(DomainError, match="不能是年级或班级"):
        decide(city, meeting, today, unit=city.class_a1)


def test_decision_sent_twice_is_added_once(city, meeting, today):
    first = decide(city, meeting, today, submit_key="same")
    second = decide(city, meeting, today, submit_key="same")
    assert first.pk == second.pk and Decision.objects.count() == 1


def test_directive_decision_creates_a_draft_for_the_owner_unit(city, meeting, today):
    decision = decide(city, meeting, today + 3 * DAY, kind=DecisionKind.DIRECTIVE, text="报送示范校名单\n各区推荐两所")
    directive = Directive.objects.get()
    assert decision.directive == directive
    assert directive.status == DirectiveStatus.DRAFT and directive.title == "报送示范校名单"
    assert list(directive.targets.values_list("unit", flat=True)) == [city.district_a.pk]
    assert timezone.localtime(directive.deadline).date() == today + 3 * DAY
    assert "议定事项第 1 项" in directive.body
    assert selectors.decision_state(decision) == State.PENDING
    directive_services.issue_directive(actor=city.user("bureau_staff"), directive=directive)
    decision.refresh_from_db()
    assert selectors.decision_state(decision) == State.DONE_ON_TIME


def test_a_withdrawn_directive_opens_its_decision_again(city, meeting, today):
    decision = decide(city, meeting, today + 3 * DAY, kind=DecisionKind.DIRECTIVE, text="报送示范校名单")
    directive = Directive.objects.get()
    directive_services.issue_directive(actor=city.user("bureau_staff"), directive=directive)
    decision.refresh_from_db()
    assert selectors.decision_state(decision) == State.DONE_ON_TIME
    directive_services.withdraw_directive(actor=city.user("bureau_staff"), directive=directive, reason="内容有误")
    decision.refresh_from_db()
    assert selectors.decision_state(decision) == State.PENDING
    assert Decision.objects.filter(selectors.open_q(), pk=decision.pk).exists()


def test_directive_decision_for_an_office_is_refused_and_leaves_no_draft(city, meeting, today):
    with pytest.raises(DomainError) as refused:
        decide(city, meeting, today, unit=city.office, kind=DecisionKind.DIRECTIVE)
    assert refused.value.code == "owner_not_below"
    assert not Directive.objects.exists() and not Decision.objects.exists()


def test_inspector_cannot_add_decisions(city, meeting, today):
    with pytest.raises(Forbidden):
        services.add_decision(
            actor=city.user("inspector"), meeting=meeting, text="x", owner_unit=city.district_a, deadline=today
        )


# ---- progress ----


def test_owner_unit_reports_progress_and_marks_done(city, decision, today):
    admin = city.user("district_admin")
    services.report_progress(actor=admin, decision=decision, text="已完成 12 所学校周边整治")
    note = services.report_progress(
        actor=admin, decision=decision, text="全部完成", mark_done=True, version=decision.version
    )
    decision.refresh_from_db()
    assert note.marks_done and decision.done_on == today and decision.done_by == admin
    assert selectors.decision_state(decision) == State.DONE_ON_TIME
    assert events("complete_decision") == 1 and events("report_progress") == 1


def test_other_district_cannot_report_on_the_decision(city, decision):
    with pytest.raises(Forbidden):
        services.report_progress(actor=city.user("district_admin_b"), decision=decision, text="x", mark_done=True)
    assert not ProgressNote.objects.exists()


def test_marking_done_twice_is_refused_but_a_resent_form_is_harmless(city, decision):
    admin = city.user("district_admin")
    first = services.report_progress(actor=admin, decision=decision, text="完成", mark_done=True, submit_key="f1")
    again = services.report_progress(actor=admin, decision=decision, text="完成", mark_done=True, submit_key="f1")
    assert first.pk == again.pk and ProgressNote.objects.count() == 1
    with pytest.raises(DomainError) as refused:
        services.report_progress(actor=admin, decision=decision, text="完成", mark_done=True)
    assert refused.value.status == 409 and "已于" in refused.value.message


@pytest.mark.parametrize(("offset", "code"), [(1, "done_in_future"), (-2, "done_before_meeting")])
def test_done_date_in_the_future_or_before_the_meeting_is_refused(city, decision, today, offset, code):
    with pytest.raises(DomainError) as refused:
        services.report_progress(
            actor=city.user("district_admin"),
            decision=decision,
            text="完成",
            mark_done=True,
            done_on=today + offset * DAY,
        )
    assert refused.value.code == code
    decision.refresh_from_db()
    assert decision.done_on is None and not ProgressNote.objects.exists()


def test_empty_progress_is_refused(city, decision):
    with pytest.raises(DomainError, match="请填写进展情况"):
        services.report_progress(actor=city.user("district_admin"), decision=decision, text="  ")


def test_organiser_sends_a_done_task_back(city, decision):
    services.report_progress(actor=city.user("district_admin"), decision=decision, text="完成", mark_done=True)
    decision.refresh_from_db()
    with pytest.raises(Forbidden):
        services.reopen_decision(actor=city.user("district_admin"), decision=decision, reason="x", version=None)
    services.reopen_decision(
        actor=city.user("bureau_staff"), decision=decision, reason="照片显示仍有占道经营", version=decision.version
    )
    decision.refresh_from_db()
    assert decision.done_on is None
    assert decision.notes.last().text == "退回：照片显示仍有占道经营"


def test_update_decision_refuses_moving_the_deadline_into_the_past(city, decision, today):
    with pytest.raises(DomainError) as refused:
        services.update_decision(
            actor=city.user("bureau_staff"),
            decision=decision,
            text=decision.text,
            owner_unit=city.district_a,
            owner_person=None,
            deadline=today - DAY,
            version=decision.version,
        )
    assert refused.value.code == "deadline_in_past"
    decision.refresh_from_db()
    assert decision.deadline == today + 7 * DAY


# ---- states and the review ----


def _decision(meeting: Meeting, deadline: dt.date, done_on: dt.date | None, position: int, city: City) -> Decision:
    return Decision.objects.create(
        meeting=meeting,
        position=position,
        text=f"事项{position}",
        owner_unit=city.district_a,
        deadline=deadline,
        done_on=done_on,
        created_by=city.user("bureau_staff"),
    )


def test_states_done_on_time_done_late_pending_overdue(city, meeting, today):
    on_time = _decision(meeting, today - 3 * DAY, today - 4 * DAY, 1, city)
    late = _decision(meeting, today - 3 * DAY, today - DAY, 2, city)
    pending = _decision(meeting, today + DAY, None, 3, city)
    overdue = _decision(meeting, today - DAY, None, 4, city)
    assert [selectors.decision_state(d, today) for d in (on_time, late, pending, overdue)] == [
        State.DONE_ON_TIME,
        State.DONE_LATE,
        State.PENDING,
        State.OVERDUE,
    ]
    # As of an earlier day the late one was still open and overdue.
    assert selectors.decision_state(late, today - 2 * DAY) == State.OVERDUE
    for state, expected in [
        ("done_on_time", {on_time.pk}),
        ("done_late", {late.pk}),
        ("pending", {pending.pk}),
        ("overdue", {overdue.pk}),
        ("open", {pending.pk, overdue.pk}),
    ]:
        found = set(selectors.ledger(city.user("bureau_staff"), state=state).values_list("pk", flat=True))
        assert found == expected, state


def test_next_meeting_opens_with_the_previous_meetings_decisions(city, task_force, today):
    first = convene(city, task_force, today - 14 * DAY, title="第一次调度会")
    old_open = _decision(first, today - 10 * DAY, None, 1, city)
    _decision(first, today - 10 * DAY, today - 11 * DAY, 2, city)
    last_week = convene(city, task_force, today - 7 * DAY, title="第二次调度会")
    done = _decision(last_week, today - 2 * DAY, today - 3 * DAY, 1, city)
    open_one = _decision(last_week, today + 2 * DAY, None, 2, city)
    upcoming = convene(city, task_force, today + DAY, title="第三次调度会")
    other_series = convene(city, None, today - 3 * DAY, title="另一个会")
    _decision(other_series, today, None, 1, city)

    review = selectors.review(upcoming, today)
    assert review.previous == last_week and review.on == today
    assert [(r.decision, r.state) for r in review.rows] == [(done, State.DONE_ON_TIME), (open_one, State.PENDING)]
    assert [r.decision for r in review.carried] == [old_open]
    # The second meeting, held a week ago, looked at the first as of its own day.
    earlier = selectors.review(last_week, today)
    assert earlier.previous == first and earlier.on == today - 7 * DAY
    assert selectors.review(first, today).previous is None


def test_scope_of_meetings_and_decisions(city, meeting, decision, today):
    district_meeting = services.create_meeting(
        actor=city.user("district_admin_b"),
        title="乙区调度会",
        starts_at=at(today),
        chair=city.user("district_admin_b"),
    )
    seen_by_a = set(Meeting.objects.for_user(city.user("district_admin")).values_list("pk", flat=True))
    assert seen_by_a == {meeting.pk}
    assert set(Meeting.objects.for_user(city.user("bureau_leader")).values_list("pk", flat=True)) == {
        meeting.pk,
        district_meeting.pk,
    }
    assert not Meeting.objects.for_user(city.user("principal")).exists()
    assert not Meeting.objects.for_user(city.user("sysadmin")).exists()
    assert list(Decision.objects.for_user(city.user("district_admin"), "task")) == [decision]
    assert not Decision.objects.for_user(city.user("district_admin_b"), "task").exists()


def test_home_items_for_owner_and_organiser(city, meeting, today):
    from dudao.core.home import collect

    late = _decision(meeting, today - DAY, None, 1, city)
    _decision(meeting, today + DAY, None, 2, city)
    admin = city.user("district_admin")
    items = {i.title: i for i in collect(admin, admin.assignments.first())}
    mine = items["调度会交办事项待落实"]
    assert mine.count == 2 and mine.level == "danger" and "1 项已逾期" in mine.hint
    staff = city.user("bureau_staff")
    items = {i.title: i for i in collect(staff, staff.assignments.first())}
    assert items["本单位调度会议定事项逾期未落实"].count == 1
    late.done_on = today
    late.save()
    items = {i.title: i for i in collect(staff, staff.assignments.first())}
    assert "本单位调度会议定事项逾期未落实" not in items


# ---- campaigns ----


def _campaign(city: City, today: dt.date, name: str = "创建全国文明城市迎检", unit: OrgUnit | None = None) -> Campaign:
    return Campaign.objects.create(
        unit=unit or city.root,
        name=name,
        start=today - 30 * DAY,
        end=today + 30 * DAY,
        created_by=city.user("bureau_staff"),
    )


def test_meeting_of_a_task_force_takes_its_campaign_and_a_different_one_is_refused(city, today):
    campaign = _campaign(city, today)
    other = _campaign(city, today, name="秋季开学")
    task_force = services.create_task_force(
        actor=city.user("bureau_staff"),
        name="创城专班",
        campaign=campaign,
        members=[services.MemberIn(city.user("bureau_leader"), MemberDuty.LEAD)],
    )
    assert convene(city, task_force, today).campaign == campaign
    with pytest.raises(DomainError) as refused:
        convene(city, task_force, today, campaign=other)
    assert refused.value.code == "campaign_mismatch"


def test_campaign_meetings_without_a_task_force_form_their_own_series(city, today):
    campaign = _campaign(city, today)
    first = convene(city, None, today - 7 * DAY, campaign=campaign)
    convene(city, None, today - 3 * DAY)  # the unit's own series, not the campaign's
    second = convene(city, None, today, campaign=campaign)
    assert selectors.previous_meeting(second) == first


def test_a_district_cannot_attach_a_campaign_it_cannot_see(city, today):
    campaign = _campaign(city, today, unit=city.district_b)
    with pytest.raises(DomainError) as refused:
        services.create_task_force(
            actor=city.user("district_admin"),
            name="甲区专班",
            campaign=campaign,
            members=[services.MemberIn(city.user("district_admin"), MemberDuty.LEAD)],
        )
    assert refused.value.code == "campaign_out_of_scope"

"""Directive, submission and approval rules, called through the services as the views do."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.directives import selectors, services
from dudao.directives.models import DirectiveTarget, Submission, SubmissionStatus, SubmissionValue
from tests.directives.conftest import GOOD_VALUES, city_directive, in_days
from tests.factories import City

pytestmark = pytest.mark.django_db


def submission_of(directive, unit) -> Submission:
    return Submission.objects.get(directive=directive, unit=unit)


def test_issuing_creates_one_pending_submission_per_target_school(city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    units = set(Submission.objects.filter(directive=directive).values_list("unit_id", flat=True))
    assert units == {city.school_a.pk, city.school_a2.pk, city.school_b.pk}
    assert set(Submission.objects.filter(directive=directive).values_list("status", flat=True)) == {"pending"}


def test_school_type_targets_only_primary_schools(city: City, form_version) -> None:
    directive = city_directive(city, form_version, targets={"mode": "school_type", "school_types": ["primary"]})
    assert set(directive.targets.values_list("unit_id", flat=True)) == {city.school_a2.pk, city.school_b.pk}


def test_hand_picked_target_outside_scope_is_refused(city: City, form_version) -> None:
    with pytest.raises(DomainError) as exc:
        services.create_directive(
            actor=city.user("district_admin"),
            title="x",
            deadline=in_days(3),
            targets={"mode": "list", "units": [city.school_b.pk]},
        )
    assert exc.value.code == "target_out_of_scope"


def test_saved_group_targets_its_members(city: City) -> None:
    group = services.save_group(actor=city.user("bureau_staff"), name="两所小学", units=[city.school_a2, city.school_b])
    directive = services.create_directive(
        actor=city.user("bureau_staff"), title="x", deadline=in_days(3), targets={"mode": "group", "group": group.pk}
    )
    assert set(directive.targets.values_list("unit_id", flat=True)) == {city.school_a2.pk, city.school_b.pk}


def test_principal_cannot_issue_a_directive(city: City) -> None:
    with pytest.raises(Forbidden):
        services.create_directive(
            actor=city.user("principal"), title="x", deadline=in_days(3), targets={"mode": "kind", "kind": "grade"}
        )


def test_submit_with_rule_violation_names_both_fields_in_chinese(city: City, form_version) -> None:
    sub = submission_of(city_directive(city, form_version), city.school_a)
    with pytest.raises(DomainError) as exc:
        services.submit(actor=city.user("principal"), submission=sub, values={**GOOD_VALUES, "psych_full": 90})
    assert exc.value.code == "values_invalid"
    assert "“专职心理教师数”不能大于“教职工数”" in exc.value.message


def test_submit_out_of_range_names_the_field(city: City, form_version) -> None:
    sub = submission_of(city_directive(city, form_version), city.school_a)
    with pytest.raises(DomainError) as exc:
        services.submit(actor=city.user("principal"), submission=sub, values={**GOOD_VALUES, "psych_part": -1})
    assert exc.value.code == "values_invalid"
    assert "“兼职心理教师数”不能小于 0人" in exc.value.message


def test_submit_without_required_field_is_refused(city: City, form_version) -> None:
    sub = submission_of(city_directive(city, form_version), city.school_a)
    with pytest.raises(DomainError) as exc:
        services.submit(actor=city.user("principal"), submission=sub, values={"psych_full": 1})
    assert exc.value.code == "values_invalid"
    assert "请填写“教职工数”" in exc.value.message


def test_table_with_ten_thousand_rows_is_refused_with_the_bound(city: City, form_version) -> None:
    sub = submission_of(city_directive(city, form_version), city.school_a)
    rows = [{"school": f"学校{i}"} for i in range(10_000)]
    with pytest.raises(DomainError) as exc:
        services.save_draft(actor=city.user("principal"), submission=sub, values={"sites": rows}, version=sub.version)
    assert exc.value.code == "table_too_many_rows"
    assert "最多填 50 行" in exc.value.message and "10,000" in exc.value.message


def test_draft_keeps_invalid_input_and_stale_version_is_refused(city: City, form_version) -> None:
    sub = submission_of(city_directive(city, form_version), city.school_a)
    saved = services.save_draft(actor=city.user("principal"), submission=sub, values={"staff": "八十"}, version=1)
    assert saved.values["staff"] == "八十" and saved.status == SubmissionStatus.DRAFT
    with pytest.raises(StaleEditError):
        services.save_draft(actor=city.user("school_staff"), submission=sub, values={"staff": 3}, version=1)


def test_submit_stores_numbers_with_totals_and_table_sums(city: City, form_version) -> None:
    sub = submission_of(city_directive(city, form_version), city.school_a)
    services.submit(actor=city.user("principal"), submission=sub, values=GOOD_VALUES)
    numbers = dict(SubmissionValue.objects.filter(submission=sub).values_list("field_key", "number"))
    assert numbers["psych_total"] == 3 and numbers["sites.pupils"] == 900 and numbers["sites.rows"] == 1


def test_late_submission_is_marked_late(city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    directive.periods.update(deadline=in_days(-1))
    sub = submission_of(directive, city.school_a)
    assert services.submit(actor=city.user("principal"), submission=sub, values=GOOD_VALUES).is_late


def test_late_submission_is_refused_when_the_directive_says_so(city: City, form_version) -> None:
    directive = city_directive(city, form_version, allow_late=False)
    directive.periods.update(deadline=in_days(-1))
    with pytest.raises(DomainError) as exc:
        services.submit(
            actor=city.user("principal"), submission=submission_of(directive, city.school_a), values=GOOD_VALUES
        )
    assert exc.value.code == "deadline_passed"


def test_withdraw_is_allowed_until_first_approval(city: City, form_version) -> None:
    directive = city_directive(city, form_version, approval_kinds=["district"])
    sub = services.submit(
        actor=city.user("principal"), submission=submission_of(directive, city.school_a), values=GOOD_VALUES
    )
    assert services.withdraw(actor=city.user("principal"), submission=sub).status == SubmissionStatus.DRAFT
    sub = services.submit(actor=city.user("principal"), submission=sub)
    services.approve(actor=city.user("district_admin"), submission=sub)
    with pytest.raises(DomainError) as exc:
        services.withdraw(actor=city.user("principal"), submission=sub)
    assert exc.value.code == "withdraw_after_approval"


def test_approval_goes_school_then_district_then_city(city: City, form_version) -> None:
    directive = city_directive(city, form_version, approval_kinds=["school", "district"])
    sub = services.submit(
        actor=city.user("principal"), submission=submission_of(directive, city.school_a), values=GOOD_VALUES
    )
    assert [u.pk for u in services.approval_chain(sub)] == [city.school_a.pk, city.district_a.pk, city.root.pk]
    with pytest.raises(Forbidden):
        services.approve(actor=city.user("district_admin"), submission=sub)
    services.approve(actor=city.user("principal"), submission=sub)
    services.approve(actor=city.user("district_admin"), submission=sub)
    sub = services.approve(actor=city.user("bureau_staff"), submission=sub)
    assert sub.status == SubmissionStatus.APPROVED and sub.approvals.count() == 3


def test_approval_locks_the_data(city: City, form_version) -> None:
    directive = city_directive(city, form_version, approval_kinds=["district"])
    sub = services.submit(
        actor=city.user("principal"), submission=submission_of(directive, city.school_a), values=GOOD_VALUES
    )
    services.approve(actor=city.user("district_admin"), submission=sub)
    with pytest.raises(DomainError) as exc:
        services.save_draft(actor=city.user("principal"), submission=sub, values=GOOD_VALUES, version=None)
    assert exc.value.code == "submission_locked"


def test_higher_level_returns_with_comment_and_unit_can_resubmit(city: City, form_version) -> None:
    directive = city_directive(city, form_version, approval_kinds=["district"])
    sub = services.submit(
        actor=city.user("principal"), submission=submission_of(directive, city.school_a), values=GOOD_VALUES
    )
    services.approve(actor=city.user("district_admin"), submission=sub)
    with pytest.raises(DomainError) as exc:
        services.return_submission(actor=city.user("bureau_staff"), submission=sub, comment="")
    assert exc.value.code == "comment_required"
    sub = services.return_submission(actor=city.user("bureau_staff"), submission=sub, comment="专职教师数有误")
    assert sub.status == SubmissionStatus.RETURNED and sub.approved_levels == 0 and not sub.approvals.exists()
    assert sub.events.filter(action="return", comment="专职教师数有误").exists()
    assert services.submit(actor=city.user("principal"), submission=sub).status == SubmissionStatus.SUBMITTED


def test_lower_level_cannot_return_after_higher_level_approved(city: City, form_version) -> None:
    directive = city_directive(city, form_version, approval_kinds=["school", "district"])
    sub = services.submit(
        actor=city.user("principal"), submission=submission_of(directive, city.school_a), values=GOOD_VALUES
    )
    services.approve(actor=city.user("principal"), submission=sub)
    services.approve(actor=city.user("district_admin"), submission=sub)
    with pytest.raises(DomainError) as exc:
        services.return_submission(actor=city.user("principal"), submission=sub, comment="想改")
    assert exc.value.code == "approved_above"


def test_approving_data_one_cannot_see_is_refused(city: City, form_version) -> None:
    directive = city_directive(city, form_version, approval_kinds=["district"])
    sub = services.submit(
        actor=city.user("principal"), submission=submission_of(directive, city.school_a), values=GOOD_VALUES
    )
    with pytest.raises(Forbidden):
        services.approve(actor=city.user("district_admin_b"), submission=sub)


def test_cascade_with_later_deadline_is_refused(city: City, form_version) -> None:
    parent = city_directive(city, form_version, targets={"mode": "kind", "kind": "district"})
    with pytest.raises(DomainError) as exc:
        services.cascade_directive(actor=city.user("district_admin"), parent=parent, deadline=in_days(11))
    assert exc.value.code == "cascade_deadline_later"


def test_cascade_by_a_unit_that_is_not_a_target_is_refused(city: City, form_version) -> None:
    parent = city_directive(city, form_version)  # targets schools only
    with pytest.raises(DomainError) as exc:
        services.cascade_directive(actor=city.user("district_admin"), parent=parent, deadline=in_days(5))
    assert exc.value.code == "not_a_target"


def cascaded(city: City, form_version):
    parent = city_directive(
        city, form_version, targets={"mode": "kind", "kind": "district"}, approval_kinds=["district"]
    )
    child = services.cascade_directive(actor=city.user("district_admin"), parent=parent, deadline=in_days(5))
    return parent, child


def test_cascade_sends_to_the_districts_schools_and_acknowledges_the_parent(city: City, form_version) -> None:
    parent, child = cascaded(city, form_version)
    assert set(child.targets.values_list("unit_id", flat=True)) == {city.school_a.pk, city.school_a2.pk}
    assert child.form_version_id == parent.form_version_id
    assert DirectiveTarget.objects.get(directive=parent, unit=city.district_a).acknowledged_at is not None


def test_district_report_is_the_sum_of_its_schools(city: City, form_version) -> None:
    parent, child = cascaded(city, form_version)
    services.submit(actor=city.user("principal"), submission=submission_of(child, city.school_a), values=GOOD_VALUES)
    district = submission_of(parent, city.district_a)
    district = services.submit(actor=city.user("district_admin"), submission=district, values={"note": "区汇总"})
    assert district.values["staff"] == 80 and district.values["psych_full"] == 2
    assert district.values["note"] == "区汇总" and len(district.values["sites"]) == 1


def test_district_cannot_approve_before_all_schools_approved(city: City, form_version) -> None:
    parent, child = cascaded(city, form_version)
    for school in (city.school_a, city.school_a2):
        services.submit(
            actor=city.user("principal" if school == city.school_a else "district_admin"),
            submission=submission_of(child, school),
            values=GOOD_VALUES,
        )
    district = services.submit(actor=city.user("district_admin"), submission=submission_of(parent, city.district_a))
    services.approve(actor=city.user("district_admin"), submission=submission_of(child, city.school_a))
    with pytest.raises(DomainError) as exc:
        services.approve(actor=city.user("district_admin"), submission=district)
    assert exc.value.code == "children_not_approved" and "甲区实验小学" in exc.value.message
    services.approve(actor=city.user("district_admin"), submission=submission_of(child, city.school_a2))
    services.approve(actor=city.user("district_admin"), submission=district)
    assert services.approve(actor=city.user("bureau_staff"), submission=district).status == SubmissionStatus.APPROVED


def test_school_report_cannot_be_returned_once_district_aggregate_is_approved(city: City, form_version) -> None:
    parent, child = cascaded(city, form_version)
    for school in (city.school_a, city.school_a2):
        sub = services.submit(
            actor=city.user("district_admin"), submission=submission_of(child, school), values=GOOD_VALUES
        )
        services.approve(actor=city.user("district_admin"), submission=sub)
    district = services.submit(actor=city.user("district_admin"), submission=submission_of(parent, city.district_a))
    services.approve(actor=city.user("district_admin"), submission=district)
    with pytest.raises(DomainError) as exc:
        services.return_submission(
            actor=city.user("district_admin"), submission=submission_of(child, city.school_a), comment="x"
        )
    assert exc.value.code == "aggregate_locked"


def test_completeness_counts_on_time_late_missing_approved_and_acknowledged(city: City, form_version) -> None:
    directive = city_directive(city, form_version, approval_kinds=[])
    services.acknowledge(actor=city.user("principal"), target=directive.targets.get(unit=city.school_a))
    sub = services.submit(
        actor=city.user("principal"), submission=submission_of(directive, city.school_a), values=GOOD_VALUES
    )
    services.approve(actor=city.user("bureau_staff"), submission=sub)
    directive.periods.update(deadline=in_days(-1))
    services.submit(
        actor=city.user("district_admin_b"), submission=submission_of(directive, city.school_b), values=GOOD_VALUES
    )
    total, rows = selectors.completeness(directive.periods.get())
    assert total.as_dict() == {
        "expected": 3,
        "acknowledged": 2,
        "submitted": 2,
        "on_time": 1,
        "late": 1,
        "missing": 1,
        "approved": 1,
    }
    by_district = {row.unit.pk: row.counts for row in rows}
    assert by_district[city.district_a.pk].missing == 1 and by_district[city.district_b.pk].late == 1


def test_closed_unit_that_never_reported_is_not_expected(city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    city.school_a2.is_closed, city.school_a2.closed_at = True, timezone.now()
    city.school_a2.save()
    assert selectors.completeness(directive.periods.get())[0].expected == 2


def test_sums_up_the_tree_per_district(city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    services.submit(
        actor=city.user("principal"), submission=submission_of(directive, city.school_a), values=GOOD_VALUES
    )
    services.submit(
        actor=city.user("district_admin"),
        submission=submission_of(directive, city.school_a2),
        values={**GOOD_VALUES, "staff": 20},
    )
    totals, by_child = selectors.sums_by_child(directive.periods.get(), city.root)
    assert totals["staff"] == 100 and by_child[city.district_a.path]["staff"] == 100
    assert city.district_b.path not in by_child


def test_one_click_reminder_reaches_only_missing_units(city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    services.submit(
        actor=city.user("principal"), submission=submission_of(directive, city.school_a), values=GOOD_VALUES
    )
    assert services.remind_missing(actor=city.user("bureau_staff"), period=directive.periods.get()) == 2
    assert AuditEvent.objects.filter(action="remind").exists()


def test_scheduled_reminders_are_sent_once_per_day(city: City, form_version) -> None:
    city_directive(city, form_version, deadline=in_days(1))
    first = services.send_scheduled_reminders()
    assert first == 3
    assert services.send_scheduled_reminders() == 0


def test_weekly_directive_opens_a_period_per_week(city: City, form_version) -> None:
    import datetime as dt

    directive = city_directive(
        city,
        form_version,
        recurrence="weekly",
        deadline=in_days(-15),
        repeat_until=timezone.localdate() + dt.timedelta(days=30),
    )
    # Deadlines 15 and 8 and 1 days ago and in 6 days (that period started today); the next starts next week.
    assert directive.periods.count() == 4
    assert Submission.objects.filter(directive=directive).count() == 12


def test_every_state_change_leaves_an_audit_event(city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    sub = submission_of(directive, city.school_a)
    services.save_draft(actor=city.user("principal"), submission=sub, values={"staff": 1}, version=None)
    services.submit(actor=city.user("principal"), submission=sub, values=GOOD_VALUES)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"create", "issue", "save", "submit"} <= actions


def test_repeating_directive_ending_before_its_first_deadline_is_refused(city: City, form_version) -> None:
    with pytest.raises(DomainError) as exc:
        city_directive(city, form_version, recurrence="weekly", repeat_until=timezone.localdate())
    assert exc.value.code == "repeat_until_too_early"


def test_reports_for_other_levels_do_not_crowd_out_my_approvals(city: City, form_version) -> None:
    city_only = city_directive(city, form_version, title="市局直审", deadline=in_days(2))
    for unit in (city.school_a, city.school_a2):
        services.submit(
            actor=city.user("district_admin"), submission=submission_of(city_only, unit), values=GOOD_VALUES
        )
    district_level = city_directive(city, form_version, title="区县审核", approval_kinds=["district"])
    mine = services.submit(
        actor=city.user("principal"), submission=submission_of(district_level, city.school_a), values=GOOD_VALUES
    )
    assert [s.pk for s in selectors.awaiting_my_approval(city.user("district_admin"), limit=1)] == [mine.pk]


def test_second_approver_of_the_same_level_loses_the_race_with_409(city: City, form_version) -> None:
    directive = city_directive(city, form_version, approval_kinds=["school", "district"])
    stale = services.submit(
        actor=city.user("principal"), submission=submission_of(directive, city.school_a), values=GOOD_VALUES
    )
    services.approve(actor=city.user("principal"), submission=stale)
    with pytest.raises(DomainError) as exc:
        services.approve(actor=city.user("principal"), submission=stale)
    assert exc.value.code == "already_approved" and exc.value.status == 409
    assert submission_of(directive, city.school_a).approvals.count() == 1

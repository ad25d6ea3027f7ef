"""Inspection rounds: planning, 回头看 prefill and recheck, teams, 暗访 visibility and publishing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden
from dudao.inspections import selectors, services
from dudao.inspections.models import Answer, Finding, Inspection, InspectionKind, InspectionStatus, Result, Target
from dudao.rectification import selectors as ledger
from dudao.rectification.models import ItemStatus, RectificationItem, StepKind
from tests.factories import City, UserFactory, assign
from tests.inspections.factories import (
    build_framework,
    indicator,
    picture,
    plan_round,
    submit_checklist,
    submitted_round,
    target_of,
)

pytestmark = pytest.mark.django_db


# --- planning ------------------------------------------------------------------------------------


def test_inspector_plans_round_with_targets_and_audit(city: City) -> None:
    inspection = plan_round(city, assessment_on=timezone.localdate() + dt.timedelta(days=30))
    assert inspection.status == InspectionStatus.PLANNED
    assert set(inspection.targets.values_list("school", flat=True)) == {city.school_a.pk, city.school_a2.pk}
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    assert (event.action, event.object_id) == ("create", str(inspection.pk))
    assert event.changes["after"]["schools"] == 2


def test_district_admin_cannot_plan_round_with_schools_of_other_district(city: City) -> None:
    with pytest.raises(DomainError) as exc:
        plan_round(city, actor=city.user("district_admin"), unit=city.district_a, schools=[city.school_b])
    assert exc.value.code == "school_outside"
    assert not Target.objects.exists()


def test_plan_refuses_units_that_are_not_schools(city: City) -> None:
    with pytest.raises(DomainError) as exc:
        plan_round(city, schools=[city.district_a])
    assert exc.value.code == "school_outside"


def test_district_admin_cannot_plan_round_for_the_city(city: City) -> None:
    with pytest.raises(Forbidden):
        plan_round(city, actor=city.user("district_admin"), unit=city.root)


def test_principal_cannot_plan_rounds(city: City) -> None:
    with pytest.raises(Forbidden):
        plan_round(city, actor=city.user("principal"), unit=city.school_a, schools=[city.school_a])


def test_revisit_without_previous_round_refused(city: City) -> None:
    with pytest.raises(DomainError) as exc:
        plan_round(city, kind=InspectionKind.REVISIT)
    assert exc.value.code == "previous_required"


def test_end_before_start_refused(city: City) -> None:
    today = timezone.localdate()
    with pytest.raises(DomainError) as exc:
        plan_round(city, starts_on=today, ends_on=today - dt.timedelta(days=1))
    assert exc.value.code == "invalid_dates"


def test_round_needs_at_least_one_school(city: City) -> None:
    with pytest.raises(DomainError) as exc:
        plan_round(city, schools=[])
    assert exc.value.code == "schools_required"


def test_same_school_twice_makes_one_target(city: City) -> None:
    inspection = plan_round(city, schools=[city.school_a, city.school_a])
    assert inspection.targets.count() == 1


# --- 回头看 ---------------------------------------------------------------------------------------


def first_round(city: City) -> tuple[Inspection, list[Finding]]:
    """A finished field round: 五中 failed 1.1 and 1.2 (two open items), 实验小学 passed all."""
    inspection = plan_round(city)
    submit_checklist(city, target_of(inspection, city.school_a), fail=("1.1", "1.2"))
    submit_checklist(city, target_of(inspection, city.school_a2), fail=())
    inspection.refresh_from_db()
    return inspection, list(Finding.objects.filter(inspection=inspection).order_by("indicator__code"))


def test_revisit_takes_schools_with_open_findings_and_previous_version(city: City) -> None:
    previous, _ = first_round(city)
    build_framework(city, name="别的体系")
    revisit = plan_round(city, kind=InspectionKind.REVISIT, previous=previous, schools=())
    assert list(revisit.targets.values_list("school", flat=True)) == [city.school_a.pk]
    assert revisit.framework_version_id == previous.framework_version_id


def test_revisit_prefills_previous_open_findings_as_failed(city: City) -> None:
    previous, findings = first_round(city)
    revisit = plan_round(city, kind=InspectionKind.REVISIT, previous=previous, schools=())
    answers = Answer.objects.filter(target__inspection=revisit)
    assert {(a.previous_finding_id, a.indicator_id, a.result) for a in answers} == {
        (f.pk, f.indicator_id, Result.FAIL) for f in findings
    }


def test_revisit_does_not_prefill_closed_findings(city: City) -> None:
    previous, findings = first_round(city)
    RectificationItem.objects.filter(finding=findings[0]).update(status=ItemStatus.CLOSED)
    revisit = plan_round(city, kind=InspectionKind.REVISIT, previous=previous, schools=())
    assert set(Answer.objects.filter(target__inspection=revisit).values_list("previous_finding", flat=True)) == {
        findings[1].pk
    }


def test_revisit_still_failing_escalates_existing_item_without_duplicate_finding(city: City) -> None:
    previous, findings = first_round(city)
    revisit = plan_round(city, kind=InspectionKind.REVISIT, previous=previous, schools=())
    target = target_of(revisit, city.school_a)
    # 1.1 still broken (kept as prefilled), everything else passes.
    inspector = city.user("inspector")
    for item in services.checklist(target)[0]:
        if item.code != "1.1":
            services.save_answer(actor=inspector, target=target, indicator_id=item.pk, result=Result.PASS)
    services.add_photo(
        actor=inspector, target=target, indicator_id=indicator(revisit, "1.1").pk, upload=_photo(), name="仍破损.jpg"
    )
    created = services.submit_target(actor=inspector, target=target)
    assert created == []
    assert not Finding.objects.filter(inspection=revisit).exists()
    old_item = RectificationItem.objects.get(finding=findings[0])
    assert old_item.steps.filter(kind=StepKind.ESCALATED).count() == 1


def test_revisit_fixed_finding_adds_a_step_to_its_item(city: City) -> None:
    previous, findings = first_round(city)
    revisit = plan_round(city, kind=InspectionKind.REVISIT, previous=previous, schools=())
    target = target_of(revisit, city.school_a)
    submit_checklist(city, target, fail=())
    fixed = RectificationItem.objects.get(finding=findings[0])
    assert fixed.steps.filter(kind=StepKind.PROGRESS, text__contains="已整改").count() == 1
    assert not fixed.steps.filter(kind=StepKind.ESCALATED).exists()


def test_revisit_untouched_prefilled_deduct_indicator_still_counts_as_failed(city: City) -> None:
    """The prefilled 'not yet fixed' answer must score as failed for every scoring method."""
    previous, findings = first_round(city)
    revisit = plan_round(city, kind=InspectionKind.REVISIT, previous=previous, schools=())
    target = target_of(revisit, city.school_a)
    inspector = city.user("inspector")
    for item in services.checklist(target)[0]:
        if item.code not in ("1.1", "1.2"):
            services.save_answer(actor=inspector, target=target, indicator_id=item.pk, result=Result.PASS)
    services.save_answer(actor=inspector, target=target, indicator_id=indicator(revisit, "1.1").pk, result=Result.PASS)
    services.submit_target(actor=inspector, target=target)
    deduct_item = RectificationItem.objects.get(finding=findings[1])
    assert deduct_item.steps.filter(kind=StepKind.ESCALATED).count() == 1


# --- teams ---------------------------------------------------------------------------------------


def test_create_team_assigns_its_schools_and_is_audited(city: City) -> None:
    inspection = plan_round(city)
    target = target_of(inspection, city.school_a)
    team = services.create_team(
        actor=city.user("inspector"),
        inspection=inspection,
        name="第一组",
        members=[city.user("inspector")],
        targets=[target],
    )
    target.refresh_from_db()
    assert target.team == team and team.leader == city.user("inspector")
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None and event.action == "team_create"


def test_split_keeps_each_district_with_one_team(city: City) -> None:
    inspection = plan_round(city, schools=[city.school_a, city.school_a2, city.school_b])
    inspector = city.user("inspector")
    one = services.create_team(actor=inspector, inspection=inspection, name="一组", members=[inspector], targets=[])
    two = services.create_team(actor=inspector, inspection=inspection, name="二组", members=[inspector], targets=[])
    assert services.split_among_teams(actor=inspector, inspection=inspection) == 3
    teams = dict(inspection.targets.values_list("school", "team"))
    assert teams[city.school_a.pk] == teams[city.school_a2.pk]
    assert {teams[city.school_a.pk], teams[city.school_b.pk]} == {one.pk, two.pk}


def test_split_without_teams_refused(city: City) -> None:
    inspection = plan_round(city)
    with pytest.raises(DomainError) as exc:
        services.split_among_teams(actor=city.user("inspector"), inspection=inspection)
    assert exc.value.code == "teams_required"


# --- 暗访 ------------------------------------------------------------------------------------------


def unannounced(city: City):
    return submitted_round(city, kind=InspectionKind.UNANNOUNCED, fail=("1.1",))


def test_unannounced_round_hidden_from_school_until_published(city: City) -> None:
    inspection = unannounced(city)
    principal = city.user("principal")
    assert not selectors.rounds_for(principal).filter(pk=inspection.pk).exists()
    assert not selectors.targets_for(principal).filter(inspection=inspection).exists()
    assert not selectors.findings_for(principal).filter(inspection=inspection).exists()


def test_unannounced_round_visible_to_organiser_and_district(city: City) -> None:
    inspection = unannounced(city)
    assert selectors.findings_for(city.user("inspector")).filter(inspection=inspection).exists()
    assert selectors.rounds_for(city.user("bureau_staff")).filter(pk=inspection.pk).exists()


def test_unannounced_round_makes_no_ledger_items_before_publishing(city: City) -> None:
    inspection = unannounced(city)
    assert Finding.objects.filter(inspection=inspection).count() == 2
    assert not RectificationItem.objects.filter(inspection=inspection).exists()
    assert not ledger.items_for(city.user("principal")).exists()


def test_publish_releases_findings_to_ledger_and_schools(city: City) -> None:
    inspection = unannounced(city)
    services.publish_results(actor=city.user("inspector"), inspection=inspection, version=inspection.version)
    principal = city.user("principal")
    assert RectificationItem.objects.filter(inspection=inspection).count() == 2
    assert ledger.items_for(principal).filter(inspection=inspection).count() == 1
    assert selectors.rounds_for(principal).filter(pk=inspection.pk).exists()
    assert selectors.findings_for(principal).filter(inspection=inspection).count() == 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None and event.action == "publish"
    assert event.changes["status"] == [InspectionStatus.FINISHED, InspectionStatus.PUBLISHED]


def test_publish_late_still_gives_school_time_to_fix(city: City) -> None:
    """Findings that waited for publication get their days to fix from the day they reach the school."""
    inspection = unannounced(city)
    long_ago = timezone.localdate() - dt.timedelta(days=30)
    Finding.objects.filter(inspection=inspection).update(due_limit=long_ago + dt.timedelta(days=7))
    services.publish_results(actor=city.user("inspector"), inspection=inspection, version=inspection.version)
    today = timezone.localdate()
    for item in RectificationItem.objects.filter(inspection=inspection):
        assert item.due_date > today
        assert item.due_limit >= item.due_date


def test_publish_twice_refused(city: City) -> None:
    inspection = unannounced(city)
    inspector = city.user("inspector")
    services.publish_results(actor=inspector, inspection=inspection)
    with pytest.raises(DomainError) as exc:
        services.publish_results(actor=inspector, inspection=inspection)
    assert (exc.value.code, exc.value.status) == ("already_published", 409)


def test_publish_with_pending_checklists_refused(city: City) -> None:
    inspection = plan_round(city, kind=InspectionKind.UNANNOUNCED)
    with pytest.raises(DomainError) as exc:
        services.publish_results(actor=city.user("inspector"), inspection=inspection)
    assert exc.value.code == "targets_pending"


def test_publish_with_stale_version_refused(city: City) -> None:
    inspection = unannounced(city)
    with pytest.raises(DomainError) as exc:
        services.publish_results(actor=city.user("inspector"), inspection=inspection, version=inspection.version - 1)
    assert (exc.value.code, exc.value.status) == ("stale_version", 409)
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.FINISHED


def test_district_inspector_outside_round_unit_cannot_publish(city: City) -> None:
    inspection = unannounced(city)
    district_inspector = UserFactory.create(unit=city.district_a)
    assign(district_inspector, "inspector", city.district_a)
    with pytest.raises(Forbidden):
        services.publish_results(actor=district_inspector, inspection=inspection)


def _photo() -> io.BytesIO:
    return io.BytesIO(picture(3))


def test_revisit_recheck_is_audited_on_the_item(city: City) -> None:
    previous, findings = first_round(city)
    revisit = plan_round(city, kind=InspectionKind.REVISIT, previous=previous, schools=())
    submit_checklist(city, target_of(revisit, city.school_a), fail=())
    item = RectificationItem.objects.get(finding=findings[0])
    event = AuditEvent.objects.filter(object_type="rectification.rectificationitem", object_id=str(item.pk)).get(
        action="recheck"
    )
    assert event.changes["after"]["fixed"] is True
    assert event.changes["after"]["inspection"] == revisit.pk


def test_extra_finding_in_unannounced_round_waits_for_publication(city: City) -> None:
    inspection = unannounced(city)
    target = target_of(inspection, city.school_a)
    finding = services.add_finding(actor=city.user("inspector"), target=target, category="周边", description="占道经营")
    assert not RectificationItem.objects.filter(finding=finding).exists()
    services.publish_results(actor=city.user("inspector"), inspection=inspection)
    assert RectificationItem.objects.filter(finding=finding).exists()


def test_school_cannot_fill_unannounced_round(city: City) -> None:
    inspection = plan_round(city, kind=InspectionKind.UNANNOUNCED)
    target = target_of(inspection, city.school_a)
    with pytest.raises(Forbidden):
        services.save_answer(
            actor=city.user("principal"), target=target, indicator_id=indicator(target, "1.1").pk, result=Result.PASS
        )

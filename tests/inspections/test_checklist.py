"""Filling and submitting a school's checklist: answers, who may fill, photos, extra findings, submission."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden
from dudao.inspections import selectors, services
from dudao.inspections.frameworks import IndicatorInput, current_version
from dudao.inspections.models import (
    Answer,
    AnswerPhoto,
    Finding,
    InspectionKind,
    InspectionStatus,
    Result,
    Severity,
    Target,
    TargetStatus,
)
from dudao.orgs.scoping import can
from dudao.rectification.models import RectificationItem, StepKind
from tests.factories import City, UserFactory, assign
from tests.inspections.factories import (
    answer_checklist,
    build_framework,
    indicator,
    indicator_code,
    picture,
    plan_round,
    submit_checklist,
    target_of,
)

pytestmark = pytest.mark.django_db


def school_a_target(city: City, **round_args) -> Target:
    return target_of(plan_round(city, **round_args), city.school_a)


def save(city: City, target: Target, code: str, result: str = Result.PASS, actor=None, **kwargs) -> Answer:
    return services.save_answer(
        actor=actor or city.user("inspector"),
        target=target,
        indicator_id=indicator(target, code).pk,
        result=result,
        **kwargs,
    )


# --- answers -------------------------------------------------------------------------------------


def test_save_answer_stores_it_and_marks_checklist_in_progress(city: City) -> None:
    target = school_a_target(city)
    save(city, target, "1.2", Result.FAIL, occurrences=3, note=" 北门 ")
    answer = Answer.objects.get(target=target)
    assert (answer.result, answer.occurrences, answer.note) == (Result.FAIL, 3, "北门")
    target.refresh_from_db()
    assert target.status == TargetStatus.IN_PROGRESS


def test_saving_again_overwrites_the_same_answer(city: City) -> None:
    target = school_a_target(city)
    save(city, target, "2.1", Result.FAIL, value="2")
    save(city, target, "2.1", Result.PASS, value="4.5")
    answer = Answer.objects.get(target=target)
    assert (answer.result, answer.value) == (Result.PASS, Decimal("4.5"))


def test_answer_to_indicator_of_other_version_refused(city: City) -> None:
    framework = build_framework(city)
    target = school_a_target(city, framework=framework)
    # Editing the used framework makes version 2; its indicators are not in this round.
    services_indicator = indicator(framework, "1.1")
    from dudao.inspections.frameworks import save_indicator

    save_indicator(
        actor=city.user("bureau_staff"),
        framework=framework,
        data=IndicatorInput(section="校园环境", code="1.1", text="新措辞"),
        indicator=services_indicator,
    )
    newer = indicator(current_version(framework), "1.1")
    with pytest.raises(DomainError) as exc:
        services.save_answer(actor=city.user("inspector"), target=target, indicator_id=newer.pk, result=Result.PASS)
    assert exc.value.code == "indicator_not_in_framework"
    assert not Answer.objects.exists()


def test_answer_to_unknown_indicator_refused(city: City) -> None:
    target = school_a_target(city)
    with pytest.raises(DomainError) as exc:
        services.save_answer(actor=city.user("inspector"), target=target, indicator_id=999_999, result=Result.PASS)
    assert exc.value.code == "indicator_not_in_framework"


def test_invalid_result_refused(city: City) -> None:
    target = school_a_target(city)
    with pytest.raises(DomainError) as exc:
        save(city, target, "1.1", "maybe")
    assert exc.value.code == "invalid_result"


@pytest.mark.parametrize("occurrences", ["abc", -1, 1000, "2.5"])
def test_bad_occurrences_refused(city: City, occurrences) -> None:
    target = school_a_target(city)
    with pytest.raises(DomainError) as exc:
        save(city, target, "1.2", Result.FAIL, occurrences=occurrences)
    assert exc.value.code == "invalid_occurrences"
    assert not Answer.objects.exists()


@pytest.mark.parametrize("value", ["abc", "-1", "5.5", "NaN", "Infinity"])
def test_bad_scale_value_refused(city: City, value) -> None:
    target = school_a_target(city)
    with pytest.raises(DomainError) as exc:
        save(city, target, "2.1", Result.FAIL, value=value)
    assert exc.value.code == "invalid_value"
    assert not Answer.objects.exists()


# --- who may fill --------------------------------------------------------------------------------


def test_principal_fills_own_self_inspection(city: City) -> None:
    target = school_a_target(city, kind=InspectionKind.SELF, actor=city.user("district_admin"), unit=city.district_a)
    save(city, target, "1.2", Result.FAIL, actor=city.user("principal"), occurrences=2, note="东侧围墙破损")
    answer = Answer.objects.get(target=target)
    assert (answer.indicator.code, answer.result, answer.occurrences, answer.note) == ("1.2", "fail", 2, "东侧围墙破损")
    assert answer.updated_by == city.user("principal")


def test_principal_cannot_fill_field_round(city: City) -> None:
    target = school_a_target(city)
    with pytest.raises(Forbidden):
        save(city, target, "1.1", actor=city.user("principal"))


def test_principal_cannot_fill_other_schools_self_inspection(city: City) -> None:
    inspection = plan_round(city, kind=InspectionKind.SELF)
    with pytest.raises(Forbidden):
        save(city, target_of(inspection, city.school_a2), "1.1", actor=city.user("principal"))


def test_inspector_cannot_fill_self_inspection(city: City) -> None:
    target = school_a_target(city, kind=InspectionKind.SELF)
    with pytest.raises(Forbidden):
        save(city, target, "1.1")


def test_class_teacher_cannot_fill_any_checklist(city: City) -> None:
    target = school_a_target(city, kind=InspectionKind.SELF)
    with pytest.raises(Forbidden):
        save(city, target, "1.1", actor=city.user("class_teacher"))


def team_target(city: City) -> tuple[Target, User, User]:
    """五中 assigned to a team of one district inspector; another district inspector outside the team."""
    target = school_a_target(city)
    member, outsider = UserFactory.create(unit=city.district_a), UserFactory.create(unit=city.district_a)
    assign(member, "inspector", city.district_a)
    assign(outsider, "inspector", city.district_a)
    services.create_team(
        actor=city.user("inspector"), inspection=target.inspection, name="一组", members=[member], targets=[target]
    )
    target.refresh_from_db()
    return target, member, outsider


def test_team_member_fills_team_school(city: City) -> None:
    target, member, _ = team_target(city)
    save(city, target, "1.1", actor=member)
    assert Answer.objects.filter(target=target, updated_by=member).exists()


def test_inspector_outside_team_cannot_fill_team_school(city: City) -> None:
    target, _, outsider = team_target(city)
    with pytest.raises(Forbidden):
        save(city, target, "1.1", actor=outsider)


def test_organiser_may_fill_team_school(city: City) -> None:
    target, _, _ = team_target(city)
    save(city, target, "1.1", actor=city.user("inspector"))
    assert Answer.objects.filter(target=target).exists()


def test_any_inspector_in_scope_fills_school_without_team(city: City) -> None:
    target = school_a_target(city)
    district_inspector = UserFactory.create(unit=city.district_a)
    assign(district_inspector, "inspector", city.district_a)
    save(city, target, "1.1", actor=district_inspector)
    assert Answer.objects.filter(target=target).exists()


# --- queries per answer --------------------------------------------------------------------------


def phone_target(city: City, user) -> Target:
    """The target as the phone view loads it (scoped selector), with the user's roles already loaded."""
    target = school_a_target(city)
    assert can(user, "inspection.fill")
    return selectors.targets_for(user, "fill").get(pk=target.pk)


def test_first_answer_save_takes_at_most_three_queries(city: City, django_assert_max_num_queries) -> None:
    inspector = city.user("inspector")
    target = phone_target(city, inspector)
    indicator_id = _id(target, "1.1")
    with django_assert_max_num_queries(3):
        services.save_answer(actor=inspector, target=target, indicator_id=indicator_id, result=Result.PASS)


def test_later_answer_saves_take_at_most_three_queries(city: City, django_assert_max_num_queries) -> None:
    inspector = city.user("inspector")
    target = phone_target(city, inspector)
    ids = [_id(target, code) for code in ("1.1", "1.2", "2.1")]
    services.save_answer(actor=inspector, target=target, indicator_id=ids[0], result=Result.PASS)
    for indicator_id in ids:
        with django_assert_max_num_queries(3):
            services.save_answer(actor=inspector, target=target, indicator_id=indicator_id, result=Result.FAIL)


def test_organiser_saving_for_a_team_school_takes_at_most_three_queries(
    city: City, django_assert_max_num_queries
) -> None:
    target, _, _ = team_target(city)
    inspector = city.user("inspector")
    target = phone_target_for(target, inspector)
    first, second = _id(target, "1.1"), _id(target, "1.2")
    with django_assert_max_num_queries(3):
        services.save_answer(actor=inspector, target=target, indicator_id=first, result=Result.PASS)
    with django_assert_max_num_queries(3):
        services.save_answer(actor=inspector, target=target, indicator_id=second, result=Result.PASS)


def phone_target_for(target: Target, user) -> Target:
    assert can(user, "inspection.fill")
    return selectors.targets_for(user, "fill").get(pk=target.pk)


def _id(target: Target, code: str) -> int:
    return indicator(target, code).pk


# --- photos and extra findings -------------------------------------------------------------------


def test_add_photo_keeps_location_and_is_audited(city: City) -> None:
    target = school_a_target(city)
    photo = services.add_photo(
        actor=city.user("inspector"),
        target=target,
        indicator_id=_id(target, "1.1"),
        upload=io.BytesIO(picture(1)),
        name="破损.jpg",
        latitude=28.68,
        longitude=999,
    )
    assert (photo.latitude, photo.longitude) == (28.68, None)
    assert photo.file.phash
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None and event.action == "photo_add"


def test_photo_that_is_not_an_image_refused(city: City) -> None:
    target = school_a_target(city)
    with pytest.raises(DomainError) as exc:
        services.add_photo(
            actor=city.user("inspector"), target=target, indicator_id=None, upload=io.BytesIO(b"%PDF-1.4"), name="a.pdf"
        )
    assert exc.value.code == "upload_type_refused"
    assert not AnswerPhoto.objects.exists()


def test_photo_for_indicator_not_in_framework_refused(city: City) -> None:
    target = school_a_target(city)
    with pytest.raises(DomainError) as exc:
        services.add_photo(
            actor=city.user("inspector"), target=target, indicator_id=999_999, upload=io.BytesIO(picture(1))
        )
    assert exc.value.code == "indicator_not_in_framework"


def test_extra_finding_before_submit_waits_for_submission(city: City) -> None:
    target = school_a_target(city)
    finding = services.add_finding(
        actor=city.user("inspector"), target=target, category="周边环境", description="校门口占道经营"
    )
    assert not RectificationItem.objects.filter(finding=finding).exists()
    created = submit_checklist(city, target, fail=())
    assert created == [finding]
    assert RectificationItem.objects.filter(finding=finding).exists()


def test_extra_finding_after_submit_goes_to_ledger_at_once(city: City) -> None:
    target = school_a_target(city)
    submit_checklist(city, target, fail=())
    target.refresh_from_db()
    finding = services.add_finding(
        actor=city.user("inspector"),
        target=target,
        category="周边环境",
        description="围墙破损",
        severity=Severity.SERIOUS,
    )
    item = RectificationItem.objects.get(finding=finding)
    assert item.due_limit == timezone.localdate() + dt.timedelta(days=7)
    assert AuditEvent.objects.filter(action="finding_create", object_id=str(finding.pk)).exists()


def test_extra_finding_needs_description(city: City) -> None:
    target = school_a_target(city)
    with pytest.raises(DomainError) as exc:
        services.add_finding(actor=city.user("inspector"), target=target, category="", description="  ")
    assert exc.value.code == "description_required"


# --- checklist content ---------------------------------------------------------------------------


def test_indicator_school_types_filter_the_checklist(city: City) -> None:
    inspection = plan_round(city)
    complete = [i.code for i in services.checklist(target_of(inspection, city.school_a))[0]]
    primary = [i.code for i in services.checklist(target_of(inspection, city.school_a2))[0]]
    assert complete == ["1.1", "1.2", "2.1"]
    assert primary == ["1.1", "1.2", "2.1", "2.2"]


# --- submit --------------------------------------------------------------------------------------


def test_submit_lists_missing_answers(city: City) -> None:
    target = school_a_target(city)
    save(city, target, "1.1")
    with pytest.raises(DomainError) as exc:
        services.submit_target(actor=city.user("inspector"), target=target)
    assert exc.value.code == "answers_missing"
    assert "1.2" in exc.value.message and "2.1" in exc.value.message and "1.1" not in exc.value.message
    target.refresh_from_db()
    assert target.status == TargetStatus.IN_PROGRESS


def test_submit_refuses_failed_evidence_indicator_without_photo(city: City) -> None:
    target = school_a_target(city)
    answer_checklist(target, actor=city.user("inspector"), fail=("1.1",), photos=False)
    with pytest.raises(DomainError) as exc:
        services.submit_target(actor=city.user("inspector"), target=target)
    assert exc.value.code == "evidence_required"
    assert not Finding.objects.exists()


def test_submit_creates_one_finding_per_failed_indicator_with_its_photos(city: City) -> None:
    target = school_a_target(city)
    findings = submit_checklist(city, target, fail=("1.1", "1.2"))
    by_code = {indicator_code(f): f for f in findings}
    assert set(by_code) == {"1.1", "1.2"}
    assert by_code["1.1"].photos.count() == 1
    assert by_code["1.1"].category == "校园环境"
    assert by_code["1.1"].description.startswith("校园设施完好，无破损")
    assert by_code["1.2"].photos.count() == 0


def test_submit_scores_the_checklist(city: City) -> None:
    target = school_a_target(city)
    # 1.1 failed (0/1 ×1), 1.2 two occurrences (6/10 ×2), 2.1 N/A.
    submit_checklist(city, target, fail=("1.1", "1.2"), not_applicable=("2.1",), occurrences=2)
    target.refresh_from_db()
    assert (target.score, target.max_score) == (Decimal(12), Decimal(21))
    assert target.status == TargetStatus.SUBMITTED


def test_submit_creates_items_due_by_severity_within_limits(city: City) -> None:
    target = school_a_target(city)
    findings = submit_checklist(city, target, fail=("1.1", "2.1"))
    today = timezone.localdate()
    items = {indicator_code(i.finding): i for i in RectificationItem.objects.filter(finding__in=findings)}
    general, serious = items["1.1"], items["2.1"]
    assert (general.due_date, general.due_limit) == (today + dt.timedelta(days=7), today + dt.timedelta(days=14))
    assert (serious.due_date, serious.due_limit) == (today + dt.timedelta(days=3), today + dt.timedelta(days=7))
    assert all(i.due_date <= i.due_limit for i in items.values())
    assert general.steps.filter(kind=StepKind.CREATED).count() == 1


def test_submit_keeps_due_dates_before_assessment_day(city: City) -> None:
    assessment = timezone.localdate() + dt.timedelta(days=5)
    target = school_a_target(city, assessment_on=assessment)
    findings = submit_checklist(city, target, fail=("1.1",))
    item = RectificationItem.objects.get(finding=findings[0])
    assert item.due_date == item.due_limit == assessment - dt.timedelta(days=1)
    assert findings[0].due_limit < assessment


def test_submit_is_audited_with_every_answer(city: City) -> None:
    target = school_a_target(city)
    submit_checklist(city, target, fail=("1.1",))
    event = AuditEvent.objects.filter(action="submit", object_id=str(target.pk)).get()
    assert set(event.changes["after"]["answers"]) == {"1.1", "1.2", "2.1"}
    assert event.changes["after"]["findings"] == 1


def test_double_submit_refused_with_conflict(city: City) -> None:
    target = school_a_target(city)
    submit_checklist(city, target, fail=("1.1",))
    with pytest.raises(DomainError) as exc:
        services.submit_target(actor=city.user("inspector"), target=target)
    assert (exc.value.code, exc.value.status) == ("already_submitted", 409)
    assert Finding.objects.count() == 1


def test_answer_after_submit_refused(city: City) -> None:
    target = school_a_target(city)
    submit_checklist(city, target, fail=())
    target.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        save(city, target, "1.1", Result.FAIL)
    assert (exc.value.code, exc.value.status) == ("already_submitted", 409)


def test_submit_with_stale_version_refused(city: City) -> None:
    target = school_a_target(city)
    answer_checklist(target, actor=city.user("inspector"))
    with pytest.raises(DomainError) as exc:
        services.submit_target(actor=city.user("inspector"), target=target, version=target.version + 1)
    assert exc.value.code == "stale_version"


def test_last_submission_finishes_the_round(city: City) -> None:
    inspection = plan_round(city)
    submit_checklist(city, target_of(inspection, city.school_a), fail=())
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.IN_PROGRESS
    submit_checklist(city, target_of(inspection, city.school_a2), fail=())
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.FINISHED


def test_inspector_outside_team_cannot_submit_team_school(city: City) -> None:
    target, member, outsider = team_target(city)
    answer_checklist(target, actor=member)
    with pytest.raises(Forbidden):
        services.submit_target(actor=outsider, target=target)
    target.refresh_from_db()
    assert target.status == TargetStatus.IN_PROGRESS


def test_inspector_outside_team_cannot_add_photo_to_team_school(city: City) -> None:
    target, _, outsider = team_target(city)
    with pytest.raises(Forbidden):
        services.add_photo(actor=outsider, target=target, indicator_id=None, upload=io.BytesIO(picture(1)))
    assert not AnswerPhoto.objects.exists()


def test_inspector_outside_team_cannot_add_finding_to_team_school(city: City) -> None:
    target, _, outsider = team_target(city)
    with pytest.raises(Forbidden):
        services.add_finding(actor=outsider, target=target, category="环境", description="围墙破损")
    assert not Finding.objects.exists()


def test_team_member_submits_team_school(city: City) -> None:
    target, member, _ = team_target(city)
    submit_checklist(city, target, fail=(), actor=member)
    target.refresh_from_db()
    assert target.status == TargetStatus.SUBMITTED


def test_assessment_tomorrow_makes_items_due_today(city: City) -> None:
    today = timezone.localdate()
    target = school_a_target(city, assessment_on=today + dt.timedelta(days=1))
    findings = submit_checklist(city, target, fail=("1.1",))
    item = RectificationItem.objects.get(finding=findings[0])
    assert item.due_date == item.due_limit == today


def test_assessment_already_past_leaves_default_due_dates(city: City) -> None:
    today = timezone.localdate()
    target = school_a_target(city, assessment_on=today - dt.timedelta(days=1))
    findings = submit_checklist(city, target, fail=("1.1",))
    item = RectificationItem.objects.get(finding=findings[0])
    assert item.due_date == today + dt.timedelta(days=7)


def test_extra_finding_carries_the_photos_chosen(city: City) -> None:
    target = school_a_target(city)
    photo = services.add_photo(
        actor=city.user("inspector"), target=target, indicator_id=None, upload=io.BytesIO(picture(2)), name="门口.jpg"
    )
    finding = services.add_finding(
        actor=city.user("inspector"), target=target, category="周边", description="占道经营", photo_ids=[photo.pk]
    )
    assert list(finding.photos.all()) == [photo.file]


def test_team_needs_a_member(city: City) -> None:
    inspection = plan_round(city)
    with pytest.raises(DomainError) as exc:
        services.create_team(actor=city.user("inspector"), inspection=inspection, name="空组", members=[], targets=[])
    assert exc.value.code == "members_required"

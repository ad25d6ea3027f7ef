"""Warnings: proposal from area and tags, adjusting, dispatch (directive, duty, messages) once and only once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.directives import services as directive_services
from dudao.directives.models import Directive, DirectiveTarget, Submission
from dudao.duty.models import DutyRoster
from dudao.duty.services import StepIn, save_plan
from dudao.messaging.models import Message
from dudao.orgs.roles import Role
from dudao.warnings import selectors, services
from dudao.warnings.models import WarningKind, WarningLevel, WarningStatus, WeatherWarning
from tests.factories import City
from tests.warnings.conftest import warning_in

pytestmark = pytest.mark.django_db


def schools(warning: WeatherWarning) -> list[str]:
    return [a.school.name for a in selectors.affected_for(warning)]


def test_rainstorm_proposes_low_lying_schools_of_the_area(rainstorm: WeatherWarning) -> None:
    assert schools(rainstorm) == ["甲区第五中学"]  # 实验小学 has only 有食堂; 乙区 is outside the area
    assert selectors.affected_for(rainstorm).get().matched_tags == "地势低洼"


def test_heat_proposes_boarding_and_canteen_schools(tagged: City) -> None:
    heat = services.create_warning(
        actor=tagged.user("bureau_staff"),
        data=warning_in(tagged, kind=WarningKind.HEAT, level=WarningLevel.YELLOW, area=[tagged.root.pk]),
    )
    assert schools(heat) == ["甲区第五中学", "甲区实验小学"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kind": "volcano"}, "预警类型"),
        ({"level": "purple"}, "预警级别"),
        ({"area": []}, "影响区域"),
        ({"ends_at": timezone.now() - dt.timedelta(hours=1)}, "解除时间应晚于生效时间"),
        ({"ends_at": timezone.now() + dt.timedelta(days=30)}, "最长 15 天"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(tagged: City, overrides, message) -> None:
    with pytest.raises(DomainError, match=message):
        services.create_warning(actor=tagged.user("health_officer"), data=warning_in(tagged, **overrides))
    assert not WeatherWarning.objects.exists()


def test_area_outside_the_clerks_district_is_refused(tagged: City) -> None:
    with pytest.raises(DomainError, match="不在本单位管辖范围内"):
        services.create_warning(
            actor=tagged.user("health_officer"), data=warning_in(tagged, area=[tagged.district_b.pk])
        )


@pytest.mark.parametrize("role", ["principal", "bureau_leader", "inspector", "class_teacher", "sysadmin"])
def test_roles_without_change_cannot_enter_warnings(tagged: City, role: str) -> None:
    with pytest.raises(Forbidden):
        services.create_warning(actor=tagged.user(role), data=warning_in(tagged, area=[tagged.school_a.pk]))


def test_clerk_adjusts_the_schools(rainstorm: WeatherWarning, tagged: City) -> None:
    officer = tagged.user("health_officer")
    adjusted = services.set_schools(
        actor=officer, warning=rainstorm, school_ids=[tagged.school_a.pk, tagged.school_a2.pk], version=1
    )
    assert schools(adjusted) == ["甲区第五中学", "甲区实验小学"]
    with pytest.raises(StaleEditError):
        services.set_schools(actor=officer, warning=rainstorm, school_ids=[tagged.school_a.pk], version=1)
    with pytest.raises(DomainError, match="不在本单位管辖范围内"):
        services.set_schools(
            actor=officer, warning=rainstorm, school_ids=[tagged.school_b.pk], version=adjusted.version
        )
    assert schools(rainstorm) == ["甲区第五中学", "甲区实验小学"]


def test_dispatch_sends_one_directive_raises_duty_and_notifies_the_principal(
    rainstorm: WeatherWarning, tagged: City
) -> None:
    officer = tagged.user("health_officer")
    services.set_schools(
        actor=officer, warning=rainstorm, school_ids=[tagged.school_a.pk, tagged.school_a2.pk], version=1
    )
    outcome = services.dispatch_warning(actor=officer, warning=rainstorm)
    assert outcome.is_new and "已向 2 所学校下发暴雨红色预警" in outcome.message
    warning = outcome.warning
    directive = Directive.objects.get()
    assert warning.directive == directive and warning.status == WarningStatus.DISPATCHED
    assert directive.status == "issued" and directive.issuing_unit == tagged.district_a
    assert "请签收" in directive.title and "排查低洼" in directive.body  # no flood plan: the fixed steps
    assert warning.dispatched_at is not None
    assert directive.deadline - warning.dispatched_at == dt.timedelta(hours=1)  # red: one hour to acknowledge
    assert set(DirectiveTarget.objects.values_list("unit_id", flat=True)) == {tagged.school_a.pk, tagged.school_a2.pk}
    assert Submission.objects.count() == 2
    rosters = DutyRoster.objects.filter(title__contains="加强值守")
    assert rosters.count() == 2 and "校领导带班" in rosters[0].title
    assert rosters[0].starts_on == timezone.localdate()
    messages = Message.objects.filter(title__contains="暴雨红色预警")
    assert list(messages.values_list("recipient_id", flat=True)) == [tagged.user("principal").pk]
    assert warning.rosters_raised == 2 and warning.principals_notified == 1


def test_a_second_dispatch_changes_nothing(rainstorm: WeatherWarning, tagged: City) -> None:
    officer = tagged.user("health_officer")
    first = services.dispatch_warning(actor=officer, warning=rainstorm, version=1)
    second = services.dispatch_warning(actor=officer, warning=rainstorm, version=1)  # the same form posted twice
    assert first.is_new and not second.is_new
    assert second.message == "该预警已经下发过，本次未重复下发"
    assert Directive.objects.count() == 1
    assert DutyRoster.objects.count() == 1
    assert Message.objects.count() == 1
    assert second.warning.version == first.warning.version


def test_dispatch_uses_the_matching_plan_of_the_unit_above(rainstorm: WeatherWarning, tagged: City) -> None:
    save_plan(
        actor=tagged.user("bureau_staff"),
        unit=tagged.root,
        plan_type="flood",
        title="测试市教育系统防汛应急预案",
        summary="",
        steps=[StepIn("立即转移低洼处学生", Role.PRINCIPAL, "转移到教学楼二层以上")],
        version=None,
    )
    warning = services.dispatch_warning(actor=tagged.user("health_officer"), warning=rainstorm).warning
    assert warning.plan_title == "测试市教育系统防汛应急预案"
    body = Directive.objects.get().body
    assert "1. 立即转移低洼处学生（校长）：转移到教学楼二层以上" in body and "排查低洼" not in body


def test_dispatch_without_schools_or_after_the_end_is_refused(tagged: City) -> None:
    officer = tagged.user("health_officer")
    empty = services.create_warning(actor=officer, data=warning_in(tagged, kind=WarningKind.FOG))
    with pytest.raises(DomainError, match="没有选择受影响的学校"):
        services.dispatch_warning(actor=officer, warning=empty)
    past = services.create_warning(
        actor=officer,
        data=warning_in(
            tagged, starts_at=timezone.now() - dt.timedelta(hours=5), ends_at=timezone.now() - dt.timedelta(hours=1)
        ),
    )
    with pytest.raises(DomainError, match="已过解除时间"):
        services.dispatch_warning(actor=officer, warning=past)
    assert not Directive.objects.exists()


def test_cancelled_warning_cannot_be_dispatched(rainstorm: WeatherWarning, tagged: City) -> None:
    officer = tagged.user("health_officer")
    services.cancel_warning(actor=officer, warning=rainstorm, version=1)
    with pytest.raises(DomainError, match="已取消"):
        services.dispatch_warning(actor=officer, warning=rainstorm)


def test_another_districts_clerk_cannot_dispatch(rainstorm: WeatherWarning, tagged: City) -> None:
    with pytest.raises(Forbidden):
        services.dispatch_warning(actor=tagged.user("district_admin_b"), warning=rainstorm)
    assert not Directive.objects.exists()


def test_acknowledgements_by_the_hour(rainstorm: WeatherWarning, tagged: City) -> None:
    officer = tagged.user("health_officer")
    services.set_schools(
        actor=officer, warning=rainstorm, school_ids=[tagged.school_a.pk, tagged.school_a2.pk], version=1
    )
    warning = services.dispatch_warning(actor=officer, warning=rainstorm).warning
    acks = selectors.acknowledgements(officer, warning)
    assert (acks.total, acks.acknowledged, [u.name for u in acks.missing]) == (2, 0, ["甲区第五中学", "甲区实验小学"])
    target = DirectiveTarget.objects.get(unit=tagged.school_a)
    directive_services.acknowledge(actor=tagged.user("principal"), target=target)
    # Move the dispatch two hours back: the receipt falls in the third hour.
    assert warning.dispatched_at is not None
    WeatherWarning.objects.filter(pk=warning.pk).update(dispatched_at=warning.dispatched_at - dt.timedelta(hours=2))
    warning.refresh_from_db()
    acks = selectors.acknowledgements(officer, warning)
    assert acks.acknowledged == 1 and acks.rate == 50
    assert [b.count for b in acks.hours] == [0, 0, 1]
    assert [b.cumulative for b in acks.hours] == [0, 0, 1]
    assert [u.name for u in acks.missing] == ["甲区实验小学"]
    assert acks.on_time == 0  # red: due within the first hour

"""A busy 五中 (city.school_a) with something in every module, and a little at 乙区第一小学 (school_b) that must
never show on 五中's profile."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from dudao.campaigns.models import Campaign, CampaignUnit
from dudao.cases.models import CaseFile, RiskLevel
from dudao.directives import services as directive_services
from dudao.directives.models import Directive, FormVersion, Submission
from dudao.duty import services as duty_services
from dudao.duty.models import DutyShift, ShiftRole
from dudao.duty.services.signins import signin_cutoff
from dudao.health.models import DailyCheck
from dudao.inspections.models import Inspection
from dudao.notices import services as notice_services
from dudao.notices.models import Notice, Receipt
from dudao.rectification.models import RectificationItem
from tests.cases.conftest import open_psych
from tests.directives.conftest import STAFFING_SCHEMA, city_directive, in_days
from tests.duty.conftest import inspection_plan
from tests.factories import City
from tests.health.conftest import check, fever
from tests.inspections.factories import ledger_item, submitted_round


@dataclass
class Busy:
    inspection: Inspection
    item: RectificationItem
    overdue_item: RectificationItem
    directive: Directive
    notice: Notice
    shift: DutyShift
    case: CaseFile
    campaign: Campaign
    check: DailyCheck | None


def make_busy(city: City, form_version: FormVersion) -> Busy:
    inspection = submitted_round(city, name="文明校园实地测评")
    item = ledger_item(city, owner="class_teacher", due_in_days=5)
    overdue_item = ledger_item(city, owner="school_staff", due_in_days=1, responsibility="清理卫生死角")
    RectificationItem.objects.filter(pk=overdue_item.pk).update(due_date=timezone.localdate() - dt.timedelta(days=3))
    directive = city_directive(city, form_version, title="关于报送秋季开学安全检查情况的通知", deadline=in_days(2))
    # 乙区's school already reported: nothing of it may reach 五中's page.
    Submission.objects.filter(directive=directive, unit=city.school_b).update(status="submitted")
    notice = notice_services.create_notice(
        actor=city.user("principal"),
        issuer=city.school_a,
        title="寒假安全致家长的一封信",
        body="各位家长：请注意安全。",
    )
    notice_services.send_notice(actor=city.user("principal"), notice=notice)
    Receipt.objects.filter(notice=notice, klass=city.class_a1).update(confirmed_at=timezone.now())
    roster = duty_services.create_roster(
        actor=city.user("principal"),
        unit=city.school_a,
        title="本周值班表",
        starts_on=timezone.localdate() - dt.timedelta(days=2),
        ends_on=timezone.localdate() + dt.timedelta(days=2),
    )
    # Started an hour before the last sign-in deadline, lasting past now: nobody signed in.
    start = signin_cutoff() - dt.timedelta(hours=1)
    shift = duty_services.add_shift(
        actor=city.user("principal"),
        roster=roster,
        person=city.user("doctor"),
        role=ShiftRole.LEADER,
        starts_at=start,
        ends_at=max(start + dt.timedelta(hours=30), timezone.now() + dt.timedelta(hours=1)),
        phone="13900001111",
    )
    duty_services.publish_roster(actor=city.user("principal"), roster=roster, version=None)
    plan = inspection_plan(city)
    duty_services.record_drill(
        actor=city.user("principal"),
        plan=plan,
        held_on=timezone.localdate(),
        participants=320,
        duration_minutes=25,
        evaluation="疏散有序",
    )
    result = check(city, [fever(city.students["a1"][0].pk)])
    case = open_psych(city, level=RiskLevel.LEVEL1)
    campaign = Campaign.objects.create(
        unit=city.root, name="创建全国文明城市迎检", start=timezone.localdate(), end=timezone.localdate()
    )
    CampaignUnit.objects.create(campaign=campaign, unit=city.district_a)
    other = Campaign.objects.create(
        unit=city.root, name="乙区控辍保学专项", start=timezone.localdate(), end=timezone.localdate()
    )
    CampaignUnit.objects.create(campaign=other, unit=city.school_b)
    return Busy(
        inspection=inspection,
        item=item,
        overdue_item=overdue_item,
        directive=directive,
        notice=notice,
        shift=shift,
        case=case,
        campaign=campaign,
        check=DailyCheck.objects.filter(pk=result.check.pk).first() if result.check else None,
    )


@pytest.fixture
def busy(city: City) -> Busy:
    form = directive_services.create_form(actor=city.user("bureau_staff"), name="安全检查情况", schema=STAFFING_SCHEMA)
    return make_busy(city, directive_services.publish_form(actor=city.user("bureau_staff"), form=form))


def profile_of(city: City, who: str, **kwargs: Any) -> Any:
    from dudao.profiles import selectors

    user = city.user(who)
    return selectors.profile(user, selectors.school_for(user, city.school_a.pk), **kwargs)

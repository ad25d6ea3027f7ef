from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dudao.campaigns import services
from dudao.campaigns.models import Campaign, CampaignUnit
from dudao.duty import services as duty
from dudao.duty.models import PlanType
from dudao.notices import services as notices
from dudao.notices.models import Notice
from dudao.orgs.roles import Role
from tests.factories import City


def today() -> dt.date:
    return timezone.localdate()


def make_campaign(city: City, actor: Any = None, **extra: Any) -> Campaign:
    """创城 run by the city (bureau_staff), involving both districts and 五中, assessment in 12 days."""
    options: dict[str, Any] = {
        "name": "创建全国文明城市迎检",
        "start": today() - dt.timedelta(days=10),
        "end": today() + dt.timedelta(days=30),
        "key_dates": [
            services.KeyDateIn("问题整改全部销号", today() + dt.timedelta(days=5)),
            services.KeyDateIn("考核验收日", today() + dt.timedelta(days=12), is_assessment=True),
        ],
        "units": [city.district_a, city.district_b, city.school_a],
        "indicator_codes": ["rectification.close_rate"],
    }
    options.update(extra)
    return services.create_campaign(actor=actor or city.user("bureau_staff"), **options)


@pytest.fixture
def campaign(city: City) -> Campaign:
    return make_campaign(city)


def line_of(campaign: Campaign, unit: Any) -> CampaignUnit:
    return CampaignUnit.objects.select_related("unit", "campaign__unit").get(campaign=campaign, unit=unit)


def sent_notice(city: City, issuer: Any = None, actor: Any = None) -> Notice:
    notice = notices.create_notice(
        actor=actor or city.user("bureau_staff"),
        issuer=issuer or city.root,
        title="创建全国文明城市致家长的一封信",
        body="各位家长：\n\n请支持创建全国文明城市。",
    )
    notices.send_notice(actor=actor or city.user("bureau_staff"), notice=notice)
    notice.refresh_from_db()
    return notice


def inspection_plan(city: City, unit: Any, actor: Any) -> Any:
    return duty.save_plan(
        actor=actor,
        unit=unit,
        plan_type=PlanType.INSPECTION,
        title="迎检工作预案",
        summary="接到通知后立即启动",
        steps=[
            duty.StepIn("校园环境整治", Role.SCHOOL_STAFF, "清理卫生死角"),
            duty.StepIn("档案资料整理", Role.PRINCIPAL),
        ],
    )

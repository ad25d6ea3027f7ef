"""The demo's 创城 campaign: dates on the demo clock, every module's 创城 objects attached, a filled 责任清单."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from dudao.accounts.models import User
from dudao.campaigns import selectors
from dudao.campaigns.models import Campaign, CampaignUnit, ItemKind
from dudao.duty.models import LeaveCampaign
from dudao.orgs.models import OrgUnit, UnitKind

pytestmark = pytest.mark.django_db


def test_demo_campaign_spans_the_modules_and_agrees_with_the_clock(client: Client) -> None:
    call_command("demo", "--scale", "small", "--seed", "7", verbosity=0)
    today = timezone.localdate()
    campaign = Campaign.objects.get(name="创建全国文明城市迎检")
    assessment = campaign.key_dates.get(is_assessment=True)
    assert assessment.date == today + dt.timedelta(days=12)
    leave = LeaveCampaign.objects.get(title="创建全国文明城市迎检管控期")
    assert leave.starts_on <= assessment.date <= leave.ends_on
    assert campaign.start <= today <= campaign.end
    kinds = set(campaign.items.values_list("kind", flat=True))
    assert kinds == {
        ItemKind.ROUND,
        ItemKind.DIRECTIVE,
        ItemKind.NOTICE,
        ItemKind.PLAN,
        ItemKind.RESPONSE,
        ItemKind.LEAVE,
        ItemKind.BREAKDOWN,
    }
    districts = OrgUnit.objects.filter(kind=UnitKind.DISTRICT)
    lines = CampaignUnit.objects.filter(campaign=campaign)
    assert lines.filter(unit__in=districts, first_responsible__isnull=False, contact__isnull=False).count() == 2
    first_district = districts.order_by("path").first()
    assert first_district is not None
    schools = OrgUnit.objects.filter(kind=UnitKind.SCHOOL, path__under=first_district.path, is_closed=False)
    assert lines.filter(unit__in=schools, first_responsible__title="校长").count() == schools.count()

    director = User.objects.get(username="city.director")
    page = selectors.summary(director, campaign)
    assert [row.unit.kind for row in page.rows] == ["district", "district"]
    lights = {c.light for row in page.rows for _, _, c in row.ordered}
    assert "red" in lights and ({"green", "yellow"} & lights)
    client.force_login(director)
    assert client.get(f"/campaigns/{campaign.pk}/").status_code == 200

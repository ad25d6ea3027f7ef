"""School names on the campaign page, its rows and the briefing's recipients link to the 一校一档 when allowed."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType

from dudao.campaigns.models import CampaignItem
from dudao.orgs.roles import PERMISSIONS, Role
from tests.campaigns.conftest import make_campaign
from tests.factories import City
from tests.inspections.factories import ledger_item

pytestmark = pytest.mark.django_db


def _profile(unit: Any) -> str:
    return f'href="/schools/{unit.pk}/"'


def test_the_campaigns_school_rows_link_the_profile(signed_in, city: City) -> None:
    campaign = make_campaign(city)
    item = ledger_item(city)  # at 五中
    CampaignItem.objects.create(
        campaign=campaign,
        kind="ledger",
        content_type_id=ContentType.objects.get_for_model(type(item)).pk,
        object_id=item.pk,
        title=item.description,
    )
    client = signed_in(city.user("bureau_leader"))
    district = client.get(f"/campaigns/{campaign.pk}/?unit={city.district_a.pk}").content.decode()
    units = district[district.index('data-testid="units"') :]
    assert _profile(city.school_a) in units and _profile(city.school_a2) in units
    rows = client.get(f"/campaigns/{campaign.pk}/rows/?kind=ledger&unit={city.district_a.pk}").content.decode()
    assert _profile(city.school_a) in rows[rows.index('data-testid="rows"') :]


def test_without_profile_read_the_campaign_names_schools_plainly(signed_in, city: City, monkeypatch) -> None:
    monkeypatch.setitem(PERMISSIONS, "profile.read", frozenset({Role.PRINCIPAL}))
    campaign = make_campaign(city)
    html = signed_in(city.user("bureau_leader")).get(f"/campaigns/{campaign.pk}/?unit={city.district_a.pk}")
    text = html.content.decode()
    assert city.school_a.name in text and "/schools/" not in text


def test_the_briefings_named_schools_link_the_profile(signed_in, city: City, make_briefing) -> None:
    briefing = make_briefing(publish=True)
    html = signed_in(city.user("bureau_staff")).get(f"/briefings/{briefing.pk}/").content.decode()
    assert _profile(city.school_a) in html and _profile(city.school_b) in html  # named: not yet drilled

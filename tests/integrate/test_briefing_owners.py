"""Briefings read who is behind from the cockpit's ranking, and a campaign briefing names its 责任清单's people."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.campaigns.models import Campaign, CampaignUnit
from dudao.command import lateness
from dudao.rectification.models import RectificationItem
from tests.command.test_summary import open_alert
from tests.factories import City
from tests.inspections.factories import ledger_item

pytestmark = pytest.mark.django_db


def _behind_at(city: City, school) -> None:
    item = ledger_item(city, school=school, owner=None)
    RectificationItem.objects.filter(pk=item.pk).update(due_date=timezone.localdate() - dt.timedelta(days=3))
    open_alert(school)


@pytest.mark.parametrize(("school", "district"), [("school_a", "甲区教育局"), ("school_b", "乙区教育局")])
def test_the_briefing_names_units_behind_in_the_cockpits_order(city: City, make_briefing, school, district) -> None:
    _behind_at(city, getattr(city, school))
    cockpit = [row.unit.name for row in lateness.lateness(city.user("bureau_staff"), city.root)]
    briefing = make_briefing()
    behind = briefing.figures["lists"]["behind"]
    assert [row["name"] for row in behind] == [n for n in cockpit if n in {r["name"] for r in behind}]
    assert behind[0]["name"] == cockpit[0] == district
    assert "逾期未销号问题" in behind[0]["red"]
    text = briefing.body_text
    assert "部分单位工作明显落后" in text and f"{cockpit[0]}（落后指数" in text


def test_a_whole_bureau_briefing_names_heads_from_role_assignments(city: City, make_briefing) -> None:
    _behind_at(city, city.school_a)
    briefing = make_briefing()
    head = city.user("district_admin").display_name
    assert f"负责人：{head}" in briefing.body_text
    assert "第一责任人" not in briefing.body_text


def test_a_campaign_briefing_names_the_responsibility_lists_people_with_phones(city: City, make_briefing) -> None:
    _behind_at(city, city.school_a)
    today = timezone.localdate()
    campaign = Campaign.objects.create(unit=city.root, name="创城迎检", start=today, end=today)
    first, contact = city.user("school_staff"), city.user("class_teacher")
    type(first).objects.filter(pk=first.pk).update(phone="13900000001")
    type(contact).objects.filter(pk=contact.pk).update(phone="13900000002")
    CampaignUnit.objects.create(campaign=campaign, unit=city.school_a, first_responsible=first, contact=contact)
    CampaignUnit.objects.create(campaign=campaign, unit=city.school_b)
    briefing = make_briefing(campaign=campaign)
    text = briefing.body_text
    expected = f"第一责任人：{first.display_name} 13900000001，具体联系人：{contact.display_name} 13900000002"
    assert "甲区第五中学（" in text and expected in text
    principal = city.user("principal").display_name
    assert f"负责人：{principal}" not in text  # the list's people, not the role-assignment guess
    behind = briefing.figures["lists"]["behind"]
    assert behind and behind[0]["name"] == "甲区第五中学"  # ranked among its siblings, as the district's cockpit

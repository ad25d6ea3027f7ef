"""Demo: the city's 创建全国文明城市迎检 campaign over the objects the module steps made (the 文明校园 rounds and their
ledger, the 示范点名单 directive, the letter to parents, the districts' 迎检 plans, the 迎检响应, the 管控期 and the
推进会 speech), with a 责任清单 for every district and for the first district's schools.

Dates follow the demo clock: the campaign began before the field assessment (today − 38), the assessment day is
today + 12, inside the 管控期 (today − 3 → today + 30) that ends the campaign.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from dudao.accounts.models import User
from dudao.breakdown.models import Analysis
from dudao.campaigns import services
from dudao.campaigns.models import CampaignItem, CampaignUnit, ItemKind
from dudao.demo.registry import DemoContext, demo_step
from dudao.directives.models import Directive
from dudao.duty.models import ContingencyPlan, InspectionResponse, LeaveCampaign, PlanType
from dudao.inspections.models import Inspection
from dudao.notices.models import Notice
from dudao.orgs.models import OrgUnit, UnitKind

NAME = "创建全国文明城市迎检"
INDICATORS = [
    "rectification.close_rate",
    "notices.awareness_rate",
    "directives.on_time_rate",
    "duty.drill_coverage",
    "inspections.latest_score",
]
# Who answers for a unit, by the titles the demo generator gives its people.
DISTRICT_TITLES = ("局长", "副局长", "基教股长")
SCHOOL_TITLES = ("校长", "副校长", "德育主任")


def _refs(root: OrgUnit) -> list[services.ItemRef]:
    refs: list[services.ItemRef] = []

    def add(kind: ItemKind, ids: Any) -> None:
        refs.extend(services.ItemRef(kind=kind.value, object_id=pk) for pk in ids)

    add(
        ItemKind.ROUND,
        Inspection.objects.filter(unit=root, framework_version__framework__name="文明校园测评")
        .order_by("starts_on", "pk")
        .values_list("pk", flat=True),
    )
    add(
        ItemKind.DIRECTIVE,
        Directive.objects.filter(issuing_unit=root, parent__isnull=True)
        .filter(Q(title__contains="文明") | Q(title__contains="示范点"))
        .values_list("pk", flat=True),
    )
    add(ItemKind.NOTICE, Notice.objects.filter(issuer=root, title__contains="文明城市").values_list("pk", flat=True))
    add(
        ItemKind.PLAN,
        ContingencyPlan.objects.filter(
            unit__kind=UnitKind.DISTRICT, unit__path__under=root.path, plan_type=PlanType.INSPECTION
        )
        .order_by("unit__path")
        .values_list("pk", flat=True),
    )
    add(ItemKind.RESPONSE, InspectionResponse.objects.filter(title__contains="文明城市").values_list("pk", flat=True))
    add(ItemKind.LEAVE, LeaveCampaign.objects.filter(title__contains="文明城市").values_list("pk", flat=True))
    add(ItemKind.BREAKDOWN, Analysis.objects.filter(title__contains="文明城市").values_list("pk", flat=True))
    return refs


def _people(units: list[OrgUnit], titles: tuple[str, ...]) -> dict[int, dict[str, User]]:
    """The first person of each title in each unit (one query)."""
    found: dict[int, dict[str, User]] = {}
    for person in (
        User.objects.filter(unit__in=units, title__in=titles, is_active=True).select_related("unit").order_by("id")
    ):
        assert person.unit_id is not None
        found.setdefault(person.unit_id, {}).setdefault(person.title, person)
    return found


@demo_step(order=100)
def campaigns_demo(context: DemoContext) -> dict[str, int]:
    today = context.today
    root = OrgUnit.objects.get(pk=context.city.root)
    admin = User.objects.get(username="city.admin")
    director = User.objects.get(username="city.director")
    office = OrgUnit.objects.filter(path__under=root.path, kind=UnitKind.OFFICE, name="基础教育科").first()
    districts = list(
        OrgUnit.objects.filter(path__under=root.path, kind=UnitKind.DISTRICT, is_closed=False).order_by("path")
    )
    first_district = OrgUnit.objects.get(pk=context.city.districts[0])
    campaign = services.create_campaign(
        actor=admin,
        name=NAME,
        summary="以未成年人思想道德建设测评为重点，问题清单逐项销号，示范点按时报送，家长知晓率不低于 95%，"
        "每所学校迎检前完成一次迎检演练。",
        start=today - dt.timedelta(days=40),
        end=today + dt.timedelta(days=30),
        lead=director,
        deputy=admin,
        office=office,
        key_dates=[
            services.KeyDateIn("问题整改全部销号", today + dt.timedelta(days=5)),
            services.KeyDateIn("迎检模拟测评", today + dt.timedelta(days=6)),
            services.KeyDateIn("考核验收日（实地测评）", today + dt.timedelta(days=12), is_assessment=True),
        ],
        units=districts,
        items=_refs(root),
        indicator_codes=INDICATORS,
    )
    schools = list(
        OrgUnit.objects.filter(path__under=first_district.path, kind=UnitKind.SCHOOL, is_closed=False).order_by("path")
    )
    services.add_units(actor=admin, campaign=campaign, units=schools)
    lines = list(CampaignUnit.objects.filter(campaign=campaign).select_related("unit").order_by("unit__path"))
    district_people = _people(districts, DISTRICT_TITLES)
    school_people = _people(schools, SCHOOL_TITLES)
    filled = 0
    for line in lines:
        titles, people = (
            (DISTRICT_TITLES, district_people)
            if line.unit.kind == UnitKind.DISTRICT
            else (SCHOOL_TITLES, school_people)
        )
        mine = people.get(line.unit_id, {})
        if not mine:
            continue
        services.set_responsibility(
            actor=admin,
            line=line,
            version=None,
            first_responsible=mine.get(titles[0]),
            deputy_responsible=mine.get(titles[1]),
            contact=mine.get(titles[2]),
        )
        filled += 1
    return {
        "campaigns": 1,
        "campaign_units": len(lines),
        "campaign_lines_filled": filled,
        "campaign_items": CampaignItem.objects.filter(campaign=campaign).count(),
    }

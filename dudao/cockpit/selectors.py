"""What the cockpit (领导驾驶舱) shows, for one viewer and one unit, in a fixed number of queries.

The figures come from the indicator summary (`command.summary`: stored rows when fresh, live otherwise); the ranked
table is `command.lateness`; campaigns are read from `campaigns.models` (their pages are another app's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.campaigns.models import Campaign, CampaignStatus, KeyDate
from dudao.command import lateness, selectors, summary
from dudao.core.db_router import read_replica
from dudao.core.errors import DomainError
from dudao.core.indicators import Indicator, Value
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can

# Today's exceptions: the figure, and whether it is asked for today only (a range figure) or as it stands.
EXCEPTIONS: tuple[tuple[str, str], ...] = (
    ("health.unchecked_classes", "今日未晨检的班级"),
    ("health.open_alerts", "未结的疫情预警"),
    ("duty.missed_signins", "今日未签到的值班"),
    ("rectification.overdue", "逾期未销号的整改问题"),
)
TODAY_ONLY = frozenset({"duty.missed_signins"})
# The trend charts: rates in one, counts in the other.
TREND_RATES = ("directives.on_time_rate", "notices.awareness_rate", "rectification.close_rate")
# Counts as they stood each day (a 30-day count such as missed sign-ins would only pile up).
TREND_COUNTS = ("health.unchecked_classes", "rectification.overdue", "health.open_alerts", "directives.unacknowledged")
CAMPAIGNS_SHOWN = 6


@dataclass(frozen=True)
class Figure:
    indicator: Indicator
    value: Value
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or self.indicator.name


@dataclass(frozen=True)
class CampaignCountdown:
    campaign: Campaign
    days_left: int  # to the campaign's end
    next_date: KeyDate | None
    next_days: int | None
    assessment: KeyDate | None
    assessment_days: int | None
    url: str  # the campaign's page, when the campaigns app serves one


@dataclass
class Cockpit:
    unit: OrgUnit
    today: dt.date
    start: dt.date
    end: dt.date
    own: list[Figure]
    exceptions: list[Figure]
    board: lateness.LatenessBoard | None  # None for a school: its peers are not ranked for it
    campaigns: list[CampaignCountdown]
    trend_rates: list[summary.TrendSeries]
    trend_counts: list[summary.TrendSeries]
    computed_at: dt.datetime | None
    is_stale: bool
    ancestors: list[OrgUnit] = field(default_factory=list)


def cockpit_unit(user: User, unit_id: object = None) -> OrgUnit:
    """The unit the cockpit is about: the acting assignment's, or one inside it (404 otherwise)."""
    acting = acting_assignment(user)
    if acting is None or not can(user, "cockpit.read"):
        raise DomainError("您当前的身份无权查看领导驾驶舱", code="forbidden", status=403)
    top: OrgUnit = acting.unit
    if unit_id in (None, ""):
        return top
    try:
        pk = int(str(unit_id))
    except ValueError:
        pk = 0
    unit = OrgUnit.objects.filter(pk=pk, path__under=top.path).exclude(kind=UnitKind.OFFICE).first()
    if unit is None:
        raise DomainError("对象不存在或不在您的管理范围内", code="not_found", status=404)
    return unit


def _campaign_url(pk: int) -> str:
    try:
        return reverse("campaigns:detail", args=[pk])
    except NoReverseMatch:
        return ""


def _countdowns(user: User, unit: OrgUnit, today: dt.date) -> list[CampaignCountdown]:
    # The active campaigns first, then the scope as a subquery: a bureau has dozens of campaigns, while the scope
    # written as a join walks every unit under the root (~15 ms at city scale on SQLite).
    readable = Campaign.objects.for_user(user, "read").values("pk")
    campaigns = Campaign.objects.filter(status=CampaignStatus.ACTIVE, end__gte=today, pk__in=readable)
    acting = acting_assignment(user)
    if acting is not None and unit.pk != acting.unit.pk:
        # A unit below the viewer's own: the campaigns it runs or takes part in.
        involved = Q(unit__path__under=unit.path) | Q(units__unit__path__under=unit.path)
        campaigns = campaigns.filter(pk__in=Campaign.objects.filter(involved).values("pk"))
    campaigns = campaigns.select_related("unit").prefetch_related(
        Prefetch("key_dates", queryset=KeyDate.objects.order_by("date", "id"))
    )
    shown = []
    for campaign in campaigns:
        dates = list(campaign.key_dates.all())
        upcoming = next((d for d in dates if d.date >= today), None)
        assessment = next((d for d in dates if d.is_assessment), None)
        shown.append(
            CampaignCountdown(
                campaign=campaign,
                days_left=(campaign.end - today).days,
                next_date=upcoming,
                next_days=(upcoming.date - today).days if upcoming else None,
                assessment=assessment,
                assessment_days=(assessment.date - today).days if assessment else None,
                url=_campaign_url(campaign.pk),
            )
        )
    shown.sort(key=lambda c: (c.next_days if c.next_days is not None else c.days_left, c.campaign.pk))
    return shown[:CAMPAIGNS_SHOWN]


def ancestors(user: User, unit: OrgUnit) -> list[OrgUnit]:
    """The units from the viewer's own down to `unit`'s parent (the breadcrumb)."""
    acting = acting_assignment(user)
    if acting is None or unit.pk == acting.unit.pk:
        return []
    top = acting.unit.path
    paths = [unit.path[:n] for n in range(len(top), len(unit.path), OrgUnit.steplen)]
    listed: list[OrgUnit] = list(OrgUnit.objects.filter(path__in=paths).order_by("path"))
    return listed


@read_replica
def cockpit(user: User, unit: OrgUnit) -> Cockpit:
    today = timezone.localdate()
    start, end = selectors.period(None, today)
    readable = {i.code: i for i in selectors.catalogue(user)}
    own_codes = [c for c in lateness.LATENESS_CODES if c in readable]
    board = None
    if unit.kind in (UnitKind.BUREAU, UnitKind.DISTRICT):
        # Its figures hold the unit's own as well as the children's.
        board = lateness.board(user, unit, start, end)
        stored = board.figures
    else:
        stored = summary.figures(user, [unit], start, end, codes=own_codes)
    own = [Figure(readable[c], stored.get(c, unit)) for c in own_codes]
    exceptions = []
    today_only = summary.figures(user, [unit], today, today, codes=[c for c in TODAY_ONLY if c in readable])
    for code, label in EXCEPTIONS:
        if code in readable:
            source = today_only if code in TODAY_ONLY else stored
            exceptions.append(Figure(readable[code], source.get(code, unit), label))
    times = [t for t in (stored.computed_at,) if t is not None]
    return Cockpit(
        unit=unit,
        today=today,
        start=start,
        end=end,
        own=own,
        exceptions=exceptions,
        board=board,
        campaigns=_countdowns(user, unit, today),
        trend_rates=summary.trend(user, unit, TREND_RATES, end=today),
        trend_counts=summary.trend(user, unit, TREND_COUNTS, end=today),
        computed_at=min(times) if times else None,
        is_stale=stored.is_stale,
        ancestors=ancestors(user, unit),
    )

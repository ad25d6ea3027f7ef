"""The school's people and commitments: staffing, case counts (never names), campaigns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count

from dudao.accounts.models import User
from dudao.campaigns.models import Campaign, CampaignUnit, ancestor_paths
from dudao.cases import selectors as case_selectors
from dudao.cases.models import CaseKind, RiskLevel
from dudao.orgs.models import OrgUnit, RoleAssignment
from dudao.orgs.roles import Role
from dudao.orgs.scoping import can
from dudao.profiles.sections._common import (
    LIST_LIMIT,
    STAFF_ROLES,
    Figure,
    registry_figures,
    unit_query,
)


@dataclass
class StaffingSection:
    # (role label, people holding it at the school)
    roles: list[tuple[str, int]]
    counsellors: case_selectors.StaffingRow | None
    threshold: int
    url: str | None


@dataclass
class CaseSection:
    open: int
    crisis: int
    overdue: int
    by_level: list[tuple[str, int]]
    by_kind: list[tuple[str, int]]
    figures: list[Figure]
    url: str


@dataclass(frozen=True)
class CampaignRow:
    pk: int
    name: str
    status: str
    status_label: str
    start: dt.date
    end: dt.date
    run_by: str
    # The unit the school is involved through: itself, or its district bureau.
    through: str
    url: str


# ----- staffing and case counts ---------------------------------------------------------------------------------


def staffing_section(user: User, school: OrgUnit, now: dt.datetime) -> StaffingSection:
    held = dict(
        RoleAssignment.objects.filter(unit__path__under=school.path, role__in=STAFF_ROLES, user__is_active=True)
        .order_by()
        .values("role")
        .annotate(n=Count("user", distinct=True))
        .values_list("role", "n")
    )
    roles = [(Role(role).label, held.get(role, 0)) for role in STAFF_ROLES]
    sees_counsellors = can(user, "staffing.read")
    counsellors = None
    if sees_counsellors:
        rows = case_selectors.staffing(school)
        counsellors = rows[0] if rows else None
    return StaffingSection(
        roles=roles,
        counsellors=counsellors,
        threshold=int(settings.DUDAO_CASE_FULLTIME_THRESHOLD),
        url=unit_query("cases:staffing", school) if sees_counsellors else None,
    )


def cases_section(user: User, school: OrgUnit, now: dt.datetime) -> CaseSection:
    """Counts only, as the cases app's statistics page gives them: no name, no case number."""
    rows = case_selectors.case_stats(school)
    row = rows[0] if rows else case_selectors.StatRow(school.pk, school.name)
    today = now.date()
    return CaseSection(
        open=row.open,
        crisis=row.crisis,
        overdue=row.overdue,
        by_level=[(label, row.by_level.get(value, 0)) for value, label in reversed(RiskLevel.choices)],
        by_kind=[(label, row.by_kind.get(value, 0)) for value, label in CaseKind.choices],
        figures=registry_figures(user, school, ["cases.open_dropouts", "cases.visit_coverage"], today, today),
        url=unit_query("cases:stats", school),
    )


# ----- campaigns -----------------------------------------------------------------------------------------------


def campaigns_section(user: User, school: OrgUnit, now: dt.datetime) -> list[CampaignRow]:
    """Campaigns the viewer sees whose 责任清单 names the school or a unit above it (its district bureau)."""
    lines = (
        CampaignUnit.objects.filter(
            campaign__in=Campaign.objects.for_user(user, "read").values("pk"),
            unit__path__in=ancestor_paths(school.path),
        )
        .select_related("campaign__unit", "unit")
        .order_by("-campaign__start", "-campaign_id", "-unit__depth")
    )
    rows: dict[int, CampaignRow] = {}
    for line in lines[:60]:
        campaign = line.campaign
        if campaign.pk in rows:
            continue  # the deepest line (the school's own before its district's) names it
        rows[campaign.pk] = CampaignRow(
            pk=campaign.pk,
            name=campaign.name,
            status=campaign.status,
            status_label=campaign.get_status_display(),
            start=campaign.start,
            end=campaign.end,
            run_by=campaign.unit.name,
            through="本校" if line.unit_id == school.pk else line.unit.name,
            url=f"/campaigns/{campaign.pk}/",
        )
    return list(rows.values())[:LIST_LIMIT]

"""一校一档: one school read across every module, for one viewer.

Each section reads its module through that module's own selectors (scoped by `for_user`) and the figures through
the indicator registry (`dudao.command.selectors`), so the profile shows the same numbers and the same rows the
module pages show this viewer (the sections are built in `sections`). A section the acting role may not read in
its module is left out (None); case files appear as counts only. The whole profile costs a fixed number of
queries whatever the school's size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.core.db_router import read_replica
from dudao.core.errors import DomainError, Forbidden
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import can, scope_root_path
from dudao.orgs.selectors import Counts, search_units, subtree_counts
from dudao.profiles import sections
from dudao.profiles.sections import (
    CampaignRow,
    CaseSection,
    DirectiveSection,
    DrillSection,
    DutySection,
    HealthSection,
    InspectionSection,
    LedgerSection,
    NoticeSection,
    StaffingSection,
)

PERMISSION = sections.PERMISSION
NOT_FOUND = "对象不存在或不在您的管理范围内"

# ----- finding the school ---------------------------------------------------------------------------------------


def school_for(user: User, pk: int) -> OrgUnit:
    """The school `pk` inside the viewer's scope: a role without `profile.read` → Forbidden (403); anything else
    that is not a school of the viewer's subtree (another district's school, a class, a district) → 404."""
    root = scope_root_path(user, PERMISSION)
    if root is None:
        raise Forbidden("您当前的身份无权查看一校一档")
    school = OrgUnit.objects.filter(pk=pk, kind=UnitKind.SCHOOL, path__under=root).first() if 0 < pk < 2**63 else None
    if school is None:
        raise DomainError(NOT_FOUND, code="not_found", status=404)
    return school


def schools_for(user: User, *, q: str = "") -> QuerySet[OrgUnit]:
    """The schools whose profile the viewer may open (by name, short name or pinyin initials), in tree order."""
    root = scope_root_path(user, PERMISSION)
    if root is None:
        raise Forbidden("您当前的身份无权查看一校一档")
    schools: QuerySet[OrgUnit] = search_units(user, q=q[:50], kind=UnitKind.SCHOOL).filter(path__under=root)
    return schools


def own_school(user: User) -> OrgUnit | None:
    """The school a principal or school office acts for (their profile needs no list)."""
    root = scope_root_path(user, PERMISSION)
    if root is None:
        return None
    found: OrgUnit | None = OrgUnit.objects.filter(path=root, kind=UnitKind.SCHOOL).first()
    return found


@dataclass
class SchoolProfile:
    school: OrgUnit
    district: OrgUnit | None
    counts: Counts
    today: dt.date
    inspections: InspectionSection | None = None
    ledger: LedgerSection | None = None
    directives: DirectiveSection | None = None
    health: HealthSection | None = None
    notices: NoticeSection | None = None
    duty: DutySection | None = None
    drills: DrillSection | None = None
    staffing: StaffingSection | None = None
    cases: CaseSection | None = None
    campaigns: list[CampaignRow] | None = None
    sections: list[str] = field(default_factory=list)


@read_replica
def profile(user: User, school: OrgUnit, *, now: dt.datetime | None = None) -> SchoolProfile:
    """Every section the acting role may read, for a school found by `school_for`."""
    now = timezone.localtime(now)
    today = now.date()
    parent = OrgUnit.objects.filter(path=school.parent_path).first()
    counts, _ = subtree_counts(school, [])
    result = SchoolProfile(school=school, district=parent, counts=counts, today=today)
    builders: list[tuple[str, str, Callable[[User, OrgUnit, dt.datetime], Any]]] = [
        ("inspections", "inspection.read", sections.inspections_section),
        ("ledger", "rectification.read", sections.ledger_section),
        ("directives", "submission.read", sections.directives_section),
        ("health", "health.read", sections.health_section),
        ("notices", "notice.read", sections.notices_section),
        ("duty", "duty.read", sections.duty_section),
        ("drills", "drill.read", sections.drills_section),
        ("staffing", PERMISSION, sections.staffing_section),
        ("cases", "case.stats", sections.cases_section),
        ("campaigns", "campaign.read", sections.campaigns_section),
    ]
    for name, permission, build in builders:
        if can(user, permission):
            setattr(result, name, build(user, school, now))
            result.sections.append(name)
    return result

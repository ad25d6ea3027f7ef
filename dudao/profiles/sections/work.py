"""The school's inspections, its ledger and the reports it owes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.directives import selectors as directive_selectors
from dudao.directives.models import DirectiveStatus, Submission, SubmissionStatus
from dudao.inspections import selectors as inspection_selectors
from dudao.inspections.models import InspectionKind, Target, TargetStatus
from dudao.orgs.models import OrgUnit
from dudao.profiles.sections._common import (
    LIST_LIMIT,
    RECENT_DAYS,
    ROUNDS_LIMIT,
    SCORE_DAYS,
    Figure,
    registry_figures,
)
from dudao.rectification import selectors as ledger_selectors
from dudao.rectification.models import ItemStatus, RectificationItem


@dataclass(frozen=True)
class RoundScore:
    target_id: int
    inspection_id: int
    name: str
    kind: str
    submitted_on: dt.date | None
    percent: float | None
    findings: int
    is_self_check: bool


@dataclass
class InspectionSection:
    scores: list[RoundScore]
    upcoming: list[Target]
    chart: dict[str, list[Any]]
    figures: list[Figure]
    url: str


@dataclass
class LedgerSection:
    open: int
    overdue: int
    awaiting: int
    closed: int
    items: list[RectificationItem]
    figures: list[Figure]
    url: str
    overdue_url: str

    @property
    def total(self) -> int:
        return self.open + self.closed


@dataclass(frozen=True)
class ReportRow:
    submission: Submission
    deadline: dt.datetime
    light: str

    @property
    def is_overdue(self) -> bool:
        return self.light == "red"


@dataclass
class DirectiveSection:
    due: list[ReportRow]
    due_count: int
    overdue_count: int
    late: list[Submission]
    late_count: int
    figures: list[Figure]
    url: str


# ----- inspections ---------------------------------------------------------------------------------------------


def inspections_section(user: User, school: OrgUnit, now: dt.datetime) -> InspectionSection:
    since = now - dt.timedelta(days=SCORE_DAYS)
    targets = inspection_selectors.targets_for(user).filter(school=school)
    scored = list(
        targets.filter(status=TargetStatus.SUBMITTED, submitted_at__gte=since)
        .annotate(finding_count=Count("findings"))
        .order_by("-submitted_at", "-id")[:ROUNDS_LIMIT]
    )
    scores = [
        RoundScore(
            target_id=t.pk,
            inspection_id=t.inspection_id,
            name=t.inspection.name,
            kind=t.inspection.get_kind_display(),
            submitted_on=timezone.localtime(t.submitted_at).date() if t.submitted_at else None,
            percent=float(t.percent) if t.percent is not None else None,
            findings=t.finding_count,
            is_self_check=t.inspection.kind == InspectionKind.SELF,
        )
        for t in scored
    ]
    upcoming = list(
        targets.exclude(status=TargetStatus.SUBMITTED)
        .filter(inspection__ends_on__gte=now.date())
        .order_by("inspection__starts_on", "id")[:LIST_LIMIT]
    )
    # The line: inspections by others, oldest first (a self-check is the school's own view, kept out as the
    # registry's figure keeps it out).
    charted = [s for s in reversed(scores) if not s.is_self_check and s.percent is not None]
    chart: dict[str, list[Any]] = {
        "labels": [f"{s.submitted_on:%Y-%m-%d}" if s.submitted_on else "" for s in charted],
        "names": [s.name for s in charted],
        "scores": [s.percent for s in charted],
    }
    figures = registry_figures(
        user, school, ["inspections.latest_score"], now.date() - dt.timedelta(days=SCORE_DAYS), now.date(), "近一年"
    )
    return InspectionSection(
        scores=scores,
        upcoming=upcoming,
        chart=chart,
        figures=figures,
        url=reverse("inspections:rounds"),
    )


# ----- the ledger ------------------------------------------------------------------------------------------------


def ledger_section(user: User, school: OrgUnit, now: dt.datetime) -> LedgerSection:
    today = now.date()
    items = ledger_selectors.items_for(user).filter(school=school)
    counts = items.order_by().aggregate(
        open=Count("id", filter=~Q(status=ItemStatus.CLOSED)),
        overdue=Count("id", filter=~Q(status=ItemStatus.CLOSED) & Q(due_date__lt=today)),
        awaiting=Count("id", filter=Q(status=ItemStatus.AWAITING_VERIFICATION)),
        closed=Count("id", filter=Q(status=ItemStatus.CLOSED)),
    )
    listed = list(
        ledger_selectors.with_rows(items.exclude(status=ItemStatus.CLOSED)).order_by("due_date", "id")[:LIST_LIMIT]
    )
    ledger_url = reverse("rectification:ledger")
    return LedgerSection(
        open=counts["open"],
        overdue=counts["overdue"],
        awaiting=counts["awaiting"],
        closed=counts["closed"],
        items=listed,
        figures=registry_figures(user, school, ["rectification.overdue", "rectification.close_rate"], today, today),
        url=f"{ledger_url}?school={school.pk}",
        overdue_url=f"{ledger_url}?school={school.pk}&overdue=1",
    )


# ----- directives -------------------------------------------------------------------------------------------------

OPEN_REPORT = (SubmissionStatus.PENDING, SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)


def directives_section(user: User, school: OrgUnit, now: dt.datetime) -> DirectiveSection:
    reports = (
        directive_selectors.submissions_for(user)
        .filter(unit=school, directive__status=DirectiveStatus.ISSUED)
        .exclude(directive__form_version__isnull=True)
    )
    still_open = reports.filter(status__in=OPEN_REPORT)
    counts = still_open.order_by().aggregate(due=Count("id"), overdue=Count("id", filter=Q(period__deadline__lt=now)))
    due = [
        ReportRow(s, s.period.deadline, directive_selectors.light(s.period.deadline, now=now))
        for s in still_open.order_by("period__deadline", "id")[:LIST_LIMIT]
    ]
    since = now - dt.timedelta(days=RECENT_DAYS)
    late_qs = reports.filter(is_late=True, submitted_at__gte=since)
    late = list(late_qs.order_by("-submitted_at", "-id")[:LIST_LIMIT])
    return DirectiveSection(
        due=due,
        due_count=counts["due"],
        overdue_count=counts["overdue"],
        late=late,
        late_count=late_qs.count(),
        figures=registry_figures(
            user,
            school,
            ["directives.on_time_rate", "directives.completeness", "directives.unacknowledged"],
            now.date() - dt.timedelta(days=RECENT_DAYS - 1),
            now.date(),
            f"近 {RECENT_DAYS} 天",
        ),
        url=reverse("directives:list"),
    )

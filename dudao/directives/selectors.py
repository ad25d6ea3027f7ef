"""Reads of directives, submissions and completeness, always scoped through `for_user`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from dudao.accounts.models import User
from dudao.calendars.selectors import SchoolCalendar
from dudao.core.db_router import read_replica, reading_connection
from dudao.directives.models import (
    Correction,
    Directive,
    DirectiveStatus,
    DirectiveTarget,
    Form,
    FormVersion,
    Period,
    Reminder,
    Submission,
    SubmissionStatus,
    SubmissionValue,
    TargetGroup,
)
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import acting_assignment, scope_root_path

YELLOW_WITHIN = dt.timedelta(days=3)
SUBMITTED = (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED)
COMPLETENESS_KEYS = ("expected", "acknowledged", "submitted", "on_time", "late", "missing", "approved")


def light(deadline: dt.datetime, *, done: bool = False, now: dt.datetime | None = None) -> str:
    """Traffic light: done, red (overdue), yellow (within 3 days), green."""
    if done:
        return "done"
    now = now or timezone.now()
    if now > deadline:
        return "red"
    if deadline - now <= YELLOW_WITHIN:
        return "yellow"
    return "green"


# List tabs: "sent" is everything that left the issuer (the default list), the others are one status each.
LIST_TABS = {
    "sent": [DirectiveStatus.ISSUED, DirectiveStatus.CLOSED, DirectiveStatus.WITHDRAWN],
    "draft": [DirectiveStatus.DRAFT],
    "issued": [DirectiveStatus.ISSUED],
    "withdrawn": [DirectiveStatus.WITHDRAWN],
    "closed": [DirectiveStatus.CLOSED],
}


def report_light(submission: Submission, deadline: dt.datetime) -> str:
    """A unit's own report: done once approved (or, without a form, once receipt is confirmed); a submitted report
    still in the approval chain is `awaiting` (待审核), not done."""
    if submission.status == SubmissionStatus.APPROVED or (
        submission.status == SubmissionStatus.SUBMITTED and submission.directive.form_version_id is None
    ):
        return "done"
    if submission.status == SubmissionStatus.SUBMITTED:
        return "awaiting"
    return light(deadline, done=submission.directive.status == DirectiveStatus.CLOSED)


def directives_for(user: User, *, q: str = "", status: str = "") -> QuerySet[Directive]:
    """Directives the user reads; `status` is a status or a list tab (`sent`: all but drafts)."""
    qs = Directive.objects.for_user(user, "read").select_related("issuing_unit", "parent")
    if q.strip():
        qs = qs.filter(title__contains=q.strip())
    if status in LIST_TABS:
        qs = qs.filter(status__in=LIST_TABS[status])
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def corrections_for(directive: Directive) -> list[Correction]:
    """The corrections of the directive and of the directives it forwards (a school reading a district's
    forwarding sees the city's 更正通知 too), newest first."""
    ids, parent_id = [directive.pk], directive.parent_id
    while parent_id is not None and len(ids) < 10:
        ids.append(parent_id)
        parent_id = Directive.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
    return list(
        Correction.objects.filter(directive_id__in=ids)
        .select_related("directive__issuing_unit")
        .order_by("-created_at", "-id")
    )


def drafts_count(user: User) -> int:
    """Drafts the acting unit may edit (its own and those of units below it)."""
    return Directive.objects.for_user(user, "change").filter(status=DirectiveStatus.DRAFT).count()


def forms_for(user: User, action: str = "read") -> QuerySet[Form]:
    return Form.objects.for_user(user, action).select_related("unit").order_by("-is_template", "name", "id")


def submissions_for(user: User, action: str = "read") -> QuerySet[Submission]:
    return Submission.objects.for_user(user, action).select_related(
        "directive__issuing_unit", "period", "unit", "form_version"
    )


def may_change(user: User, directive: Directive) -> bool:
    return Directive.objects.for_user(user, "change").filter(pk=directive.pk).exists()


def targets_for(user: User, directive: Directive) -> QuerySet[DirectiveTarget]:
    """Targets of a directive the user may see: all of them for the issuer's side, else those in scope."""
    qs = DirectiveTarget.objects.filter(directive=directive).select_related("unit", "acknowledged_by")
    if may_change(user, directive) or _issuer_side(user, directive):
        return qs.order_by("unit__path")
    return qs.filter(pk__in=DirectiveTarget.objects.for_user(user, "read").values("pk")).order_by("unit__path")


def _issuer_side(user: User, directive: Directive) -> bool:
    acting = acting_assignment(user)
    return acting is not None and directive.issuing_unit.path.startswith(acting.unit.path)


def my_target(user: User, directive: Directive) -> DirectiveTarget | None:
    acting = acting_assignment(user)
    if acting is None:
        return None
    return DirectiveTarget.objects.filter(directive=directive, unit=acting.unit).first()


def unit_submission(period: Period, unit: OrgUnit) -> Submission | None:
    """The unit's own report for the period (the caller found the unit to be a target of the directive)."""
    return Submission.objects.filter(period=period, unit=unit).first()


def list_rows(directives: list[Directive], unit: OrgUnit) -> list[dict[str, Any]]:
    """The list page: each directive with the unit's own report, its traffic light, its current deadline and the
    completion of its current period (four queries for the page)."""
    ids = [d.pk for d in directives]
    my_subs = {
        s.directive_id: s
        for s in Submission.objects.filter(directive_id__in=ids, unit=unit)
        .select_related("period", "directive")
        .order_by("period__index")
    }
    latest = list(Period.objects.filter(directive_id__in=ids).values("directive_id").annotate(last=Max("id")))
    # A recurring directive is judged by its current period, not by its first deadline.
    current_deadline = dict(
        Period.objects.filter(pk__in=[row["last"] for row in latest]).values_list("directive_id", "deadline")
    )
    rates = {
        row["directive_id"]: row
        for row in Submission.objects.filter(period_id__in=[row["last"] for row in latest])
        .values("directive_id")
        .annotate(expected=Count("id"), done=Count("id", filter=Q(status__in=SUBMITTED)))
    }
    rows = []
    for directive in directives:
        own = my_subs.get(directive.pk)
        deadline = own.period.deadline if own is not None else current_deadline.get(directive.pk, directive.deadline)
        rows.append(
            {
                "directive": directive,
                "mine": own,
                "light": report_light(own, deadline)
                if own is not None
                else light(deadline, done=directive.status == DirectiveStatus.CLOSED),
                "rate": rates.get(directive.pk),
                "deadline": deadline,
            }
        )
    return rows


def group_choices(issuer: OrgUnit) -> list[tuple[int, str]]:
    return list(TargetGroup.objects.filter(unit=issuer).values_list("pk", "name"))


def form_version_choices(user: User) -> list[tuple[int, str]]:
    """The latest edition of each reporting form the user may use."""
    versions = []
    for form in forms_for(user).prefetch_related("versions"):
        latest = max(form.versions.all(), key=lambda v: v.number, default=None)
        if latest is not None:
            versions.append((latest.pk, f"{form.name}（第{latest.number}版）"))
    return versions


def form_versions_for(user: User) -> QuerySet[FormVersion]:
    return FormVersion.objects.filter(form__in=forms_for(user).values("pk"))


def current_period(directive: Directive) -> Period | None:
    """The latest opened period (a non-repeating directive has exactly one)."""
    return directive.periods.order_by("-index").first()


@dataclass
class Completeness:
    expected: int = 0
    acknowledged: int = 0
    submitted: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    approved: int = 0

    def as_dict(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in COMPLETENESS_KEYS}

    def add(self, other: Completeness) -> None:
        for key in COMPLETENESS_KEYS:
            setattr(self, key, getattr(self, key) + getattr(other, key))

    @property
    def rate(self) -> int:
        return round(100 * self.submitted / self.expected) if self.expected else 0


@dataclass(frozen=True)
class UnitRef:
    """The unit a completeness row is about: enough to name it and link to it."""

    pk: int
    name: str
    path: str


@dataclass
class CompletenessRow:
    unit: UnitRef
    counts: Completeness = field(default_factory=Completeness)


def _completeness_sql() -> str:
    """One GROUP BY over the period's reports, joined to the group's own unit for its id and name.

    Written as SQL rather than built with the ORM: at 1,500 schools the query runs in ~3 ms while building and
    compiling the equivalent queryset took ~4 ms per call (bench.completeness). Scope is the same rule as
    `for_user`: the acting assignment's permission and unit path (`scope_root_path`).
    """
    qn = connection.ops.quote_name
    prefix_match = "GLOB" if connection.vendor == "sqlite" else "LIKE"
    done = f"s.{qn('status')} IN (%s, %s)"
    # Identifiers come from model metadata, quoted by the backend; every value is a parameter.
    return (
        f"SELECT g.{qn('path')}, g.{qn('id')}, g.{qn('name')}, COUNT(*), "  # noqa: S608
        f"SUM(CASE WHEN t.{qn('acknowledged_at')} IS NOT NULL THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {done} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {done} AND s.{qn('is_late')} THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN s.{qn('status')} = %s THEN 1 ELSE 0 END) "
        f"FROM {qn(Submission._meta.db_table)} s "
        f"JOIN {qn(OrgUnit._meta.db_table)} u ON u.{qn('id')} = s.{qn('unit_id')} "
        f"JOIN {qn(DirectiveTarget._meta.db_table)} t ON t.{qn('id')} = s.{qn('target_id')} "
        f"JOIN {qn(OrgUnit._meta.db_table)} g ON g.{qn('path')} = substr(u.{qn('path')}, 1, %s) "
        f"WHERE s.{qn('period_id')} = %s AND u.{qn('path')} {prefix_match} %s "
        # Units open during the period: one closed before the deadline without reporting is not expected.
        f"AND NOT (u.{qn('is_closed')} AND COALESCE(u.{qn('closed_at')} < %s, FALSE) AND s.{qn('status')} = %s) "
        f"GROUP BY g.{qn('path')}, g.{qn('id')}, g.{qn('name')}"
    )


@read_replica
def completeness(period: Period, user: User | None = None) -> tuple[Completeness, list[CompletenessRow]]:
    """Totals and one row per child of the issuing unit (per district for a city directive): one query.

    With `user`, only the reports in the user's scope count, grouped one level below the user's unit
    when that lies inside the issuer's subtree (a district sees its schools of a city directive).
    Read from the replica when one is configured (core.db_router).
    """
    issuer = period.directive.issuing_unit
    depth, root = issuer.depth, issuer.path
    if user is not None:
        scope = scope_root_path(user, "submission.read")
        if scope is None:
            return Completeness(), []
        if scope.startswith(issuer.path):
            depth, root = len(scope) // OrgUnit.steplen, scope
    length = (depth + 1) * OrgUnit.steplen
    pattern = root + ("*" if connection.vendor == "sqlite" else "%")
    params = [
        *SUBMITTED,
        *SUBMITTED,
        SubmissionStatus.APPROVED.value,
        length,
        period.pk,
        pattern,
        connection.ops.adapt_datetimefield_value(period.deadline),
        SubmissionStatus.PENDING.value,
    ]
    with reading_connection().cursor() as cursor:
        cursor.execute(_completeness_sql(), params)
        grouped = cursor.fetchall()
    total = Completeness()
    result: list[CompletenessRow] = []
    for path, pk, name, expected, acknowledged, submitted, late, approved in sorted(grouped):
        counts = Completeness(
            expected=expected,
            acknowledged=acknowledged or 0,
            submitted=submitted or 0,
            on_time=(submitted or 0) - (late or 0),
            late=late or 0,
            missing=expected - (submitted or 0),
            approved=approved or 0,
        )
        total.add(counts)
        result.append(CompletenessRow(UnitRef(pk, name, path), counts))
    return total, result


def cascades_completeness(directive: Directive, period_index: int) -> list[tuple[Directive, Completeness]]:
    """Each forwarding of this directive with its own completeness for the same period."""
    result = []
    for child in directive.cascades.select_related("issuing_unit").order_by("issuing_unit__path"):
        period = child.periods.filter(index=period_index).first()
        if period is not None:
            result.append((child, completeness(period)[0]))
    return result


def sums_by_child(period: Period, under: OrgUnit) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Every number of the form summed over submitted reports: whole subtree and per child unit, one query."""
    length = (under.depth + 1) * OrgUnit.steplen
    rows = (
        SubmissionValue.objects.filter(period=period, unit_path__startswith=under.path)
        .annotate(prefix=Substr("unit_path", 1, length))
        .values("prefix", "field_key")
        .annotate(total=Sum("number"))
        .order_by()
    )
    totals: dict[str, float] = {}
    by_child: dict[str, dict[str, float]] = {}
    for row in rows:
        value = row["total"] or 0.0
        totals[row["field_key"]] = totals.get(row["field_key"], 0.0) + value
        by_child.setdefault(row["prefix"], {})[row["field_key"]] = value
    return totals, by_child


def aggregate_children(
    directive: Directive, by_child: dict[str, dict[str, float]]
) -> list[tuple[OrgUnit, dict[str, float], int | None]]:
    """The child units of `sums_by_child` in path order, each with its numbers and the id of its own forwarding
    of the directive (None if it did not forward it)."""
    children = {u.path: u for u in OrgUnit.objects.filter(path__in=list(by_child))}
    cascades = dict(
        Directive.objects.filter(parent=directive, issuing_unit__in=children.values()).values_list(
            "issuing_unit_id", "pk"
        )
    )
    return [
        (children[path], by_child[path], cascades.get(children[path].pk))
        for path in sorted(by_child)
        if path in children
    ]


def reminders_for(user: User) -> QuerySet[Reminder]:
    """Reminders addressed to the acting unit itself (not to units below it)."""
    acting = acting_assignment(user)
    if acting is None:
        return Reminder.objects.none()
    return Reminder.objects.for_user(user, "read").filter(unit=acting.unit).order_by("-created_at")


def my_open_tasks(user: User) -> QuerySet[Submission]:
    """Reports the acting unit itself still owes (a directive without a form asks only for 签收, shown apart)."""
    acting = acting_assignment(user)
    if acting is None:
        return Submission.objects.none()
    return (
        submissions_for(user, "change")
        .filter(unit=acting.unit, directive__status=DirectiveStatus.ISSUED, directive__form_version__isnull=False)
        .filter(status__in=[SubmissionStatus.PENDING, SubmissionStatus.DRAFT, SubmissionStatus.RETURNED])
        .order_by("period__deadline")
    )


def awaiting_my_approval(user: User, limit: int = 2000) -> list[Submission]:
    """Submitted reports whose next approver is the acting unit.

    Only directives the acting unit can approve for are looked at (it issued them, or its kind is one of their
    approval levels), so the reports of other levels do not crowd out its own within `limit`.
    """
    from dudao.directives.services import approval_chains

    acting = acting_assignment(user)
    if acting is None:
        return []
    unit = acting.unit
    relevant = [
        pk
        for pk, issuer_id, kinds in Directive.objects.filter(status=DirectiveStatus.ISSUED).values_list(
            "pk", "issuing_unit_id", "approval_kinds"
        )
        if issuer_id == unit.pk or unit.kind in (kinds or [])
    ]
    candidates = list(
        submissions_for(user, "approve")
        .filter(status=SubmissionStatus.SUBMITTED, directive_id__in=relevant)
        .order_by("period__deadline", "id")[:limit]
    )
    chains = approval_chains(candidates)
    return [
        s for s in candidates if s.approved_levels < len(chains[s.pk]) and chains[s.pk][s.approved_levels].pk == unit.pk
    ]


@dataclass
class ApprovalGroup:
    """The reports of one directive waiting for the acting unit, for the grouped approvals queue."""

    directive: Directive
    rows: list[tuple[Submission, int]]
    total: int


def approval_queue(
    user: User, *, directive: int | None = None, q: str = "", flagged: str = ""
) -> tuple[list[Submission], list[tuple[Directive, int]]]:
    """The approvals queue filtered (`directive` id, unit name `q`, `flagged` "1" only with open data-quality
    flags / "0" only without), ordered by directive then unit, and every directive in the unfiltered queue with
    its count (for the filter)."""
    from dudao.directives import plausibility

    waiting = awaiting_my_approval(user)
    counts: dict[int, int] = {}
    directives: dict[int, Directive] = {}
    for s in waiting:
        counts[s.directive_id] = counts.get(s.directive_id, 0) + 1
        directives.setdefault(s.directive_id, s.directive)
    chosen = [s for s in waiting if directive is None or s.directive_id == directive]
    if q.strip():
        chosen = [s for s in chosen if q.strip() in s.unit.name]
    if flagged in ("0", "1"):
        open_flags = plausibility.open_counts(chosen) if chosen else {}
        chosen = [s for s in chosen if bool(open_flags.get(s.pk)) == (flagged == "1")]
    chosen.sort(key=lambda s: (s.period.deadline, s.directive_id, s.period.index, s.unit.path))
    options = sorted(((directives[pk], n) for pk, n in counts.items()), key=lambda pair: pair[0].deadline)
    return chosen, options


def group_by_directive(
    submissions: list[Submission], flags: dict[int, int], totals: dict[int, int]
) -> list[ApprovalGroup]:
    """Consecutive reports of the same directive as one group (the list is ordered by directive); `total` is how
    many of the directive's reports wait in the whole queue, not only on this page."""
    groups: list[ApprovalGroup] = []
    for s in submissions:
        if not groups or groups[-1].directive.pk != s.directive_id:
            groups.append(ApprovalGroup(directive=s.directive, rows=[], total=totals.get(s.directive_id, 0)))
        groups[-1].rows.append((s, flags.get(s.pk, 0)))
    return groups


def next_awaiting(user: User, *, after: Submission) -> tuple[Submission | None, int]:
    """The report to review after `after` (same directive first, then by deadline) and how many wait in all."""
    waiting = [s for s in awaiting_my_approval(user) if s.pk != after.pk]
    same = [s for s in waiting if s.directive_id == after.directive_id]
    following = same or waiting
    following.sort(key=lambda s: (s.period.deadline, s.unit.path))
    return (following[0] if following else None), len(waiting)


def deadline_warning(directive: Directive) -> str:
    """A note for the issuer when the deadline falls on a day the schools do not work (a holiday, a weekend without
    调休, the winter break): flagged at issue time, never refused (a bureau may mean it)."""
    day = timezone.localtime(directive.deadline).date()
    calendar = SchoolCalendar()
    info = calendar.day(directive.issuing_unit, day)
    if info.is_school_day:
        return ""
    before = calendar.nth_school_day(directive.issuing_unit, day, -1)
    what = f"{info.label}（{info.name}）" if info.name else info.label
    return (
        f"注意：截止日期 {day.month}月{day.day}日是{what}，学校不上课；"
        f"如需学校在上课日报送，可更正为 {before.month}月{before.day}日（前一个上课日）。"
    )

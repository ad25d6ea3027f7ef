"""What each kind of attached object is and how its progress is counted (a line per kind on the campaign page).

Every kind names the module's model, the module's scoped selector (`for_user` under the hood: attaching and
reading both go through it, so an object outside the viewer's scope is neither attachable nor shown), and two
bulk reads:

- `progress(ids, grouping, ctx)`: one GROUP BY over (object, unit path prefix) for every unit of the table at once,
  rolled up like the indicator registry's figures (`core.indicators.Grouping`). The number of queries is fixed per
  kind, whatever the number of units.
- `rows(ids, unit, user, ctx)`: the named rows behind a cell (owner, phone) through the module's selectors.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, Model, Q, QuerySet, When
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone

from dudao.accounts.models import User
from dudao.breakdown.models import Analysis
from dudao.breakdown.models import Row as BreakdownRow
from dudao.breakdown.selectors import analyses_for, rows_for
from dudao.campaigns.models import ItemKind
from dudao.core.indicators import Grouping
from dudao.directives.models import Directive, DirectiveStatus, Submission
from dudao.directives.selectors import SUBMITTED, directives_for, submissions_for
from dudao.duty.models import (
    ContingencyPlan,
    Drill,
    InspectionResponse,
    LeaveCampaign,
    LeaveRequest,
    LeaveStatus,
    PlanType,
    ResponseTask,
)
from dudao.duty.selectors import (
    campaigns_for,
    drills_for,
    leave_requests_for,
    plans_for,
    responses_for,
    term_of,
    visible_targets,
)
from dudao.inspections.models import Inspection
from dudao.inspections.selectors import rounds_for
from dudao.notices.models import Notice, Receipt
from dudao.notices.selectors import notices_for
from dudao.orgs.models import OrgUnit, RoleAssignment, UnitKind
from dudao.orgs.roles import Role
from dudao.rectification.models import ItemStatus, RectificationItem
from dudao.rectification.selectors import items_for

# Named rows shown behind one cell; a unit with more is summarised, the module page lists them all.
MAX_ROWS = 200


@dataclass(frozen=True)
class Context:
    """What progress counting needs beyond the objects: the campaign's dates and involved units."""

    start: dt.date
    end: dt.date
    today: dt.date
    # Paths of the units the campaign involves (none nested in another).
    involved: tuple[str, ...]


@dataclass
class Line:
    """One attached object (or plan type) with its progress for the viewer's unit."""

    title: str
    url: str
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> float | None:
        return round(100 * self.done / self.total, 1) if self.total else None


@dataclass
class Progress:
    lines: list[Line]
    # {unit pk: [done, total]} for every unit asked about.
    cells: dict[Any, list[int]]


@dataclass(frozen=True)
class DrillRow:
    """A counted row behind a cell: what, where, its state, and the person to call."""

    unit: OrgUnit
    what: str
    state: str
    url: str
    person: User | None = None
    is_done: bool = False


@dataclass(frozen=True)
class Component:
    kind: ItemKind
    model: type[Model]
    # What the progress counts, e.g. "问题已销号"; the cell shows done/total of it.
    measure: str
    scoped: Callable[[User], QuerySet[Any]]
    search: tuple[str, ...]
    title: Callable[[Any], str]
    url: Callable[[Any], str]
    progress: Callable[[list[int], Grouping, Context], Progress]
    rows: Callable[[list[int], OrgUnit, User, Context], list[DrillRow]]
    # The module's read permission, and where the object's owning unit's path is: a campaign page also shows the
    # objects of units above the viewer (a district's 迎检 plan to its schools) when the role reads the module,
    # unless the module hides them by a narrower rule (`inherit=False`: unannounced rounds).
    permission: str
    unit_path: str = "unit__path"
    inherit: bool = True


def _by_object(
    qs: QuerySet[Any], obj_field: str, path_field: str, grouping: Grouping, **aggregates: Any
) -> dict[Any, dict[Any, list[float]]]:
    """One GROUP BY on (object, unit path prefix): {object id: {unit pk: [aggregates…]}}, rolled up per unit."""
    names = list(aggregates)
    if not grouping.units:
        return {}
    rows = (
        qs.filter(**{f"{path_field}__under": grouping.root})
        .order_by()
        .annotate(group_prefix=Substr(path_field, 1, grouping.width))
        .values(obj_field, "group_prefix")
        .annotate(**aggregates)
        .values_list(obj_field, "group_prefix", *names)
    )
    per_object: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        per_object[row[0]].append(row[1:])
    return {obj: grouping.rollup(found, size=len(names)) for obj, found in per_object.items()}


def _progress(
    objects: Sequence[tuple[Any, str, str]], sums: dict[Any, dict[Any, list[float]]], grouping: Grouping
) -> Progress:
    """Lines for `objects` ((key, title, url)) for the first unit (the viewer's), and cells per unit."""
    top = grouping.units[0].pk if grouping.units else None
    cells: dict[Any, list[int]] = {unit.pk: [0, 0] for unit in grouping.units}
    lines = []
    for key, title, url in objects:
        per_unit = sums.get(key, {})
        done, total = per_unit.get(top, [0, 0])
        lines.append(Line(title=title, url=url, done=int(done), total=int(total)))
        for pk, (d, t) in per_unit.items():
            cells[pk][0] += int(d)
            cells[pk][1] += int(t)
    return Progress(lines=lines, cells=cells)


def _involved(path_field: str, ctx: Context) -> Q:
    where = Q(pk__in=[])
    for path in ctx.involved:
        where |= Q(**{f"{path_field}__under": path})
    return where


# ----- 督查测评: the round's problems closed (销号) out of all found ------------------------------------------


def _round_progress(ids: list[int], grouping: Grouping, ctx: Context) -> Progress:
    items = RectificationItem.objects.filter(inspection_id__in=ids)
    sums = _by_object(
        items,
        "inspection_id",
        "school__path",
        grouping,
        done=Count("id", filter=Q(status=ItemStatus.CLOSED)),
        total=Count("*"),
    )
    rounds = Inspection.objects.filter(pk__in=ids).order_by("starts_on", "pk")
    return _progress([(r.pk, r.name, reverse("inspections:round", args=[r.pk])) for r in rounds], sums, grouping)


def _item_rows(qs: QuerySet[RectificationItem], today: dt.date) -> list[DrillRow]:
    rows = []
    for item in qs.select_related("school", "owner").order_by("due_date", "pk")[:MAX_ROWS]:
        closed = item.status == ItemStatus.CLOSED
        late = not closed and item.due_date < today
        state = item.get_status_display() + (f"，已逾期（时限 {item.due_date:%m-%d}）" if late else "")
        rows.append(
            DrillRow(
                unit=item.school,
                what=item.description,
                state=state,
                url=reverse("rectification:item", args=[item.pk]),
                person=item.owner,
                is_done=closed,
            )
        )
    return rows


def _round_rows(ids: list[int], unit: OrgUnit, user: User, ctx: Context) -> list[DrillRow]:
    qs = items_for(user).filter(inspection_id__in=ids, school__path__under=unit.path)
    return _item_rows(qs.exclude(status=ItemStatus.CLOSED), ctx.today)


# ----- 整改问题 attached one by one ------------------------------------------------------------------------


def _ledger_progress(ids: list[int], grouping: Grouping, ctx: Context) -> Progress:
    items = RectificationItem.objects.filter(pk__in=ids)
    sums = _by_object(
        items, "pk", "school__path", grouping, done=Count("id", filter=Q(status=ItemStatus.CLOSED)), total=Count("*")
    )
    merged: dict[Any, list[float]] = {unit.pk: [0, 0] for unit in grouping.units}
    for per_unit in sums.values():
        for pk, (done, total) in per_unit.items():
            merged[pk][0] += done
            merged[pk][1] += total
    return _progress(
        [("all", f"关联的整改问题（{len(ids)} 项）", reverse("rectification:ledger"))], {"all": merged}, grouping
    )


def _ledger_rows(ids: list[int], unit: OrgUnit, user: User, ctx: Context) -> list[DrillRow]:
    qs = items_for(user).filter(pk__in=ids, school__path__under=unit.path)
    return _item_rows(qs.exclude(status=ItemStatus.CLOSED), ctx.today)


# ----- 工作部署: reports in (the directive and the directives districts forwarded from it) -----------------


def _expected_reports(ids: list[int]) -> QuerySet[Submission]:
    """Reports of every period opened so far (a weekly report's past weeks and this week's)."""
    directives = Directive.objects.filter(Q(pk__in=ids) | Q(parent_id__in=ids)).exclude(
        status__in=(DirectiveStatus.DRAFT, DirectiveStatus.WITHDRAWN)  # never sent, or no longer expected
    )
    return Submission.objects.filter(directive__in=directives, period__starts_on__lte=timezone.localdate())


def _directive_progress(ids: list[int], grouping: Grouping, ctx: Context) -> Progress:
    # A report of a forwarded directive counts for the attached one it came from (unless attached itself).
    root = Case(When(directive_id__in=ids, then=F("directive_id")), default=F("directive__parent_id"))
    reports = _expected_reports(ids).annotate(root_directive=root)
    sums = _by_object(
        reports,
        "root_directive",
        "unit__path",
        grouping,
        done=Count("id", filter=Q(status__in=SUBMITTED)),
        total=Count("*"),
    )
    directives = Directive.objects.filter(pk__in=ids).order_by("deadline", "pk")
    return _progress([(d.pk, d.title, reverse("directives:detail", args=[d.pk])) for d in directives], sums, grouping)


def _directive_rows(ids: list[int], unit: OrgUnit, user: User, ctx: Context) -> list[DrillRow]:
    expected = _expected_reports(ids).filter(unit__path__under=unit.path)
    qs = (
        submissions_for(user)
        .filter(pk__in=expected.values("pk"))
        .exclude(status__in=SUBMITTED)
        .select_related("directive", "unit", "period")
        .order_by("period__deadline", "unit__path")
    )
    now = timezone.now()
    rows = []
    for report in qs[:MAX_ROWS]:
        deadline = timezone.localtime(report.period.deadline)
        late = "，已过截止时间" if report.period.deadline < now else ""
        rows.append(
            DrillRow(
                unit=report.unit,
                what=f"{report.directive.title}（{report.period.label}，截止 {deadline:%m-%d %H:%M}）",
                state=f"{report.get_status_display()}{late}",
                url=reverse("directives:submission", args=[report.pk]),
                person=report.updated_by,
            )
        )
    return rows


# ----- 家长告知书: receipts confirmed (知晓率) -----------------------------------------------------------------


def _notice_progress(ids: list[int], grouping: Grouping, ctx: Context) -> Progress:
    receipts = Receipt.objects.filter(notice_id__in=ids)
    sums = _by_object(
        receipts,
        "notice_id",
        "klass__path",
        grouping,
        done=Count("id", filter=Q(confirmed_at__isnull=False)),
        total=Count("*"),
    )
    notices = Notice.objects.filter(pk__in=ids).order_by("created_at", "pk")
    return _progress([(n.pk, n.title, reverse("notices:detail", args=[n.pk])) for n in notices], sums, grouping)


def _notice_rows(ids: list[int], unit: OrgUnit, user: User, ctx: Context) -> list[DrillRow]:
    visible = notices_for(user).filter(pk__in=ids).values("pk")
    pending = list(
        Receipt.objects.for_user(user, "read")
        .filter(notice_id__in=visible, klass__path__under=unit.path, confirmed_at__isnull=True)
        .values("notice_id", "klass_id")
        .annotate(n=Count("*"))
        .order_by("-n", "klass_id")[:MAX_ROWS]
    )
    classes = OrgUnit.objects.in_bulk([p["klass_id"] for p in pending])
    parents = _parents_of(classes.values())
    teachers = _role_holders([p["klass_id"] for p in pending], Role.CLASS_TEACHER)
    titles = dict(Notice.objects.filter(pk__in=[p["notice_id"] for p in pending]).values_list("pk", "title"))
    rows = []
    for p in pending:
        klass = classes[p["klass_id"]]
        school = parents.get(klass.pk)
        rows.append(
            DrillRow(
                unit=klass,
                what=f"{titles.get(p['notice_id'], '')} · {school.name + ' ' if school else ''}{klass.name}",
                state=f"{p['n']} 名家长未确认",
                url=reverse("notices:class", args=[p["notice_id"], klass.pk]),
                person=teachers.get(klass.pk),
            )
        )
    return rows


def _parents_of(units: Iterable[OrgUnit]) -> dict[int, OrgUnit]:
    """The school above each class (one query)."""
    units = list(units)
    wanted = {u.pk: u.path[: OrgUnit.steplen * (u.depth - 2)] for u in units if u.depth > 2}
    found = {s.path: s for s in OrgUnit.objects.filter(path__in=set(wanted.values()))}
    return {pk: found[path] for pk, path in wanted.items() if path in found}


def _role_holders(unit_ids: Iterable[int], role: str) -> dict[int, User]:
    holders: dict[int, User] = {}
    assignments = RoleAssignment.objects.filter(unit_id__in=list(unit_ids), role=role).select_related("user")
    for assignment in assignments.order_by("id"):
        holders.setdefault(assignment.unit_id, assignment.user)
    return holders


# ----- 应急预案与演练: involved schools that held a drill of the attached plans' types this term -----------------


def _since(ctx: Context) -> dt.date:
    return term_of(ctx.start)[0]


def _plan_types(ids: list[int]) -> list[str]:
    return sorted(set(ContingencyPlan.objects.filter(pk__in=ids).values_list("plan_type", flat=True)))


def _plan_progress(ids: list[int], grouping: Grouping, ctx: Context) -> Progress:
    types = _plan_types(ids)
    schools = OrgUnit.objects.filter(kind=UnitKind.SCHOOL, is_closed=False).filter(_involved("path", ctx))
    totals = grouping.sums(schools.filter(path__under=grouping.root), "path", n=Count("*"))
    drills = Drill.objects.filter(
        plan__plan_type__in=types, held_on__gte=_since(ctx), unit__kind=UnitKind.SCHOOL, unit__is_closed=False
    ).filter(_involved("unit__path", ctx))
    sums = _by_object(drills, "plan__plan_type", "unit__path", grouping, n=Count("unit", distinct=True))
    per_type = {
        plan_type: {pk: [sums.get(plan_type, {}).get(pk, [0])[0], totals[pk][0]] for pk in totals}
        for plan_type in types
    }
    url = reverse("duty:coverage")
    return _progress([(t, f"{PlanType(t).label}演练", url) for t in types], per_type, grouping)


def _plan_rows(ids: list[int], unit: OrgUnit, user: User, ctx: Context) -> list[DrillRow]:
    types = _plan_types(ids)
    labels = "、".join(PlanType(t).label for t in types)
    scoped = plans_for(user).values("unit_id")  # the viewer reads this unit's plans: its schools are in scope
    schools = (
        OrgUnit.objects.filter(kind=UnitKind.SCHOOL, is_closed=False, path__under=unit.path)
        .filter(_involved("path", ctx))
        .filter(Q(pk__in=scoped) | Q(path__under=unit.path))
        .order_by("path")
    )
    drilled = set(
        drills_for(user)
        .filter(plan__plan_type__in=types, held_on__gte=_since(ctx), unit__path__under=unit.path)
        .values_list("unit_id", flat=True)
    )
    url = reverse("duty:coverage")
    missing = [s for s in schools if s.pk not in drilled][:MAX_ROWS]
    principals = _role_holders([s.pk for s in missing], Role.PRINCIPAL)
    return [
        DrillRow(
            unit=s,
            what=f"{labels}演练",
            state=f"自 {_since(ctx):%Y-%m-%d} 以来未演练",
            url=f"{url}?unit={s.pk}",
            person=principals.get(s.pk),
        )
        for s in missing
    ]


# ----- 应急演练 attached one by one: evidence, each a done line ------------------------------------------------


def _drill_progress(ids: list[int], grouping: Grouping, ctx: Context) -> Progress:
    drills = Drill.objects.filter(pk__in=ids)
    sums = _by_object(drills, "pk", "unit__path", grouping, n=Count("*"))
    merged: dict[Any, list[float]] = {unit.pk: [0, 0] for unit in grouping.units}
    for per_unit in sums.values():
        for pk, (n,) in per_unit.items():
            merged[pk][0] += n
            merged[pk][1] += n
    return _progress([("all", f"关联的演练记录（{len(ids)} 次）", reverse("duty:coverage"))], {"all": merged}, grouping)


def _drill_rows(ids: list[int], unit: OrgUnit, user: User, ctx: Context) -> list[DrillRow]:
    drills = drills_for(user).filter(pk__in=ids, unit__path__under=unit.path).select_related("created_by")
    return [
        DrillRow(
            unit=d.unit,
            what=str(d),
            state=f"{d.participants} 人参加，{d.duration_minutes} 分钟",
            url=reverse("duty:plan", args=[d.plan_id]),
            person=d.created_by,
            is_done=True,
        )
        for d in drills.order_by("-held_on", "pk")[:MAX_ROWS]
    ]


# ----- 迎检响应: checklist tasks done ----------------------------------------------------------------------


def _response_progress(ids: list[int], grouping: Grouping, ctx: Context) -> Progress:
    tasks = ResponseTask.objects.filter(target__response_id__in=ids)
    sums = _by_object(
        tasks,
        "target__response_id",
        "target__school__path",
        grouping,
        done=Count("id", filter=Q(done_at__isnull=False)),
        total=Count("*"),
    )
    responses = InspectionResponse.objects.filter(pk__in=ids).order_by("expected_on", "pk")
    return _progress([(r.pk, r.title, reverse("duty:response", args=[r.pk])) for r in responses], sums, grouping)


def _response_rows(ids: list[int], unit: OrgUnit, user: User, ctx: Context) -> list[DrillRow]:
    targets = visible_targets(user).filter(response_id__in=ids, school__path__under=unit.path).values("pk")
    tasks = (
        ResponseTask.objects.filter(target__in=targets, done_at__isnull=True)
        .select_related("target__school", "target__response", "assignee")
        .order_by("target__school__path", "position", "pk")
    )
    return [
        DrillRow(
            unit=t.target.school,
            what=f"{t.target.response.title}：{t.title}",
            state=f"未完成（预计检查 {t.target.response.expected_on:%m-%d}）",
            url=reverse("duty:response", args=[t.target.response_id]),
            person=t.assignee,
        )
        for t in tasks[:MAX_ROWS]
    ]


# ----- 管控期: leave requests handled ---------------------------------------------------------------------


def _leave_progress(ids: list[int], grouping: Grouping, ctx: Context) -> Progress:
    requests = LeaveRequest.objects.filter(campaign_id__in=ids)
    sums = _by_object(
        requests,
        "campaign_id",
        "unit__path",
        grouping,
        done=Count("id", filter=~Q(status=LeaveStatus.PENDING)),
        total=Count("*"),
    )
    periods = LeaveCampaign.objects.filter(pk__in=ids).order_by("starts_on", "pk")
    return _progress([(p.pk, p.title, reverse("duty:leave")) for p in periods], sums, grouping)


def _leave_rows(ids: list[int], unit: OrgUnit, user: User, ctx: Context) -> list[DrillRow]:
    requests = leave_requests_for(user).filter(campaign_id__in=ids, unit__path__under=unit.path)
    return [
        DrillRow(
            unit=r.unit,
            what=f"离市外出：{r.destination}（{r.starts_on:%m-%d} 至 {r.ends_on:%m-%d}）{r.reason}",
            state=r.get_status_display(),
            url=reverse("duty:leave"),
            person=r.applicant,
            is_done=r.status != LeaveStatus.PENDING,
        )
        for r in requests.order_by("status", "starts_on")[:MAX_ROWS]
    ]


# ----- 任务分解: the speech's tasks turned into directives ---------------------------------------------------


def _breakdown_progress(ids: list[int], grouping: Grouping, ctx: Context) -> Progress:
    rows = BreakdownRow.objects.filter(analysis_id__in=ids)
    sums = _by_object(
        rows,
        "analysis_id",
        "analysis__unit__path",
        grouping,
        done=Count("id", filter=Q(directive__isnull=False)),
        total=Count("*"),
    )
    analyses = Analysis.objects.filter(pk__in=ids).order_by("doc_date", "pk")
    return _progress([(a.pk, a.title, reverse("breakdown:detail", args=[a.pk])) for a in analyses], sums, grouping)


def _breakdown_rows(ids: list[int], unit: OrgUnit, user: User, ctx: Context) -> list[DrillRow]:
    rows = (
        rows_for(user)
        .filter(analysis_id__in=ids, analysis__unit__path__under=unit.path, directive__isnull=True)
        .select_related("analysis__unit", "analysis__created_by")
        .order_by("analysis_id", "position", "pk")
    )
    return [
        DrillRow(
            unit=r.analysis.unit,
            what=r.task,
            state="尚未转为工作部署",
            url=reverse("breakdown:detail", args=[r.analysis_id]),
            person=r.analysis.created_by,
        )
        for r in rows[:MAX_ROWS]
    ]


COMPONENTS: dict[str, Component] = {
    c.kind.value: c
    for c in (
        Component(
            kind=ItemKind.ROUND,
            permission="inspection.read",
            inherit=False,
            model=Inspection,
            measure="问题已销号",
            scoped=rounds_for,
            search=("name",),
            title=lambda o: o.name,
            url=lambda o: reverse("inspections:round", args=[o.pk]),
            progress=_round_progress,
            rows=_round_rows,
        ),
        Component(
            kind=ItemKind.DIRECTIVE,
            permission="directive.read",
            model=Directive,
            measure="已报送",
            scoped=lambda user: directives_for(user),
            search=("title",),
            # A district forwards the city's directive under the same title: name the forwarding unit.
            title=lambda o: f"{o.title}（{o.issuing_unit.name}转发）" if o.parent_id else o.title,
            url=lambda o: reverse("directives:detail", args=[o.pk]),
            progress=_directive_progress,
            rows=_directive_rows,
            unit_path="issuing_unit__path",
        ),
        Component(
            kind=ItemKind.NOTICE,
            permission="notice.read",
            model=Notice,
            measure="家长已确认",
            scoped=notices_for,
            search=("title",),
            title=lambda o: o.title,
            url=lambda o: reverse("notices:detail", args=[o.pk]),
            progress=_notice_progress,
            rows=_notice_rows,
            unit_path="issuer__path",
        ),
        Component(
            kind=ItemKind.PLAN,
            permission="plan.read",
            model=ContingencyPlan,
            measure="学校已演练",
            scoped=plans_for,
            search=("title", "unit__name"),
            title=lambda o: o.title,
            url=lambda o: reverse("duty:plan", args=[o.pk]),
            progress=_plan_progress,
            rows=_plan_rows,
        ),
        Component(
            kind=ItemKind.DRILL,
            permission="drill.read",
            model=Drill,
            measure="演练记录",
            scoped=drills_for,
            search=("unit__name", "plan__title"),
            title=lambda o: f"{o.unit.name} {o}",
            url=lambda o: reverse("duty:plan", args=[o.plan_id]),
            progress=_drill_progress,
            rows=_drill_rows,
        ),
        Component(
            kind=ItemKind.RESPONSE,
            permission="plan.read",
            model=InspectionResponse,
            measure="迎检任务已完成",
            scoped=responses_for,
            search=("title",),
            title=lambda o: o.title,
            url=lambda o: reverse("duty:response", args=[o.pk]),
            progress=_response_progress,
            rows=_response_rows,
        ),
        Component(
            kind=ItemKind.LEAVE,
            permission="leave.read",
            model=LeaveCampaign,
            measure="外出申请已审批",
            scoped=campaigns_for,
            search=("title",),
            title=lambda o: o.title,
            url=lambda o: reverse("duty:leave"),
            progress=_leave_progress,
            rows=_leave_rows,
        ),
        Component(
            kind=ItemKind.BREAKDOWN,
            permission="breakdown.read",
            model=Analysis,
            measure="任务已转为工作部署",
            scoped=lambda user: analyses_for(user),
            search=("title",),
            title=lambda o: o.title,
            url=lambda o: reverse("breakdown:detail", args=[o.pk]),
            progress=_breakdown_progress,
            rows=_breakdown_rows,
        ),
        Component(
            kind=ItemKind.LEDGER,
            permission="rectification.read",
            model=RectificationItem,
            measure="问题已销号",
            scoped=lambda user: items_for(user),
            search=("description", "school__name"),
            title=lambda o: f"{o.school.name}：{o.description}",
            url=lambda o: reverse("rectification:item", args=[o.pk]),
            progress=_ledger_progress,
            rows=_ledger_rows,
            unit_path="school__path",
        ),
    )
}


def component(kind: str) -> Component | None:
    return COMPONENTS.get(kind)


def component_for_model(model: type[Model]) -> Component | None:
    """The component a module object belongs to (the 加入专项工作 control on its page)."""
    for candidate in COMPONENTS.values():
        if candidate.model is model:
            return candidate
    return None

"""迎检响应: the bureau announces an inspection and each chosen school's 迎检 plan becomes its checklist."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change
from dudao.core.errors import DomainError, Forbidden
from dudao.duty.models import ContingencyPlan, InspectionResponse, PlanType, ResponseSchool, ResponseTask
from dudao.duty.services._common import _acting_unit, _text
from dudao.orgs.models import OrgUnit, RoleAssignment, SchoolType, UnitKind
from dudao.orgs.scoping import acting_assignment, can


def pick_schools(
    *, within: OrgUnit, districts: Iterable[int] = (), school_types: Iterable[str] = (), schools: Iterable[int] = ()
) -> list[OrgUnit]:
    """Schools inside `within`: by district and/or school type, plus any listed by id. Ids outside are refused."""
    district_ids = {int(d) for d in districts}
    types = set(school_types)
    school_ids = {int(s) for s in schools}
    if types - set(SchoolType.values):
        raise DomainError("学段类型不正确", code="school_type_invalid")
    inside = OrgUnit.objects.filter(path__under=within.path, kind=UnitKind.SCHOOL, is_closed=False)
    picked: dict[int, OrgUnit] = {}
    if district_ids or types:
        qs = inside
        if district_ids:
            found = list(OrgUnit.objects.filter(pk__in=district_ids, kind=UnitKind.DISTRICT, path__under=within.path))
            if len(found) != len(district_ids):
                raise DomainError("所选区县不在您的管辖范围内", code="district_out_of_scope")
            by_district = Q()
            for district in found:
                by_district |= Q(path__under=district.path)
            qs = qs.filter(by_district)
        if types:
            qs = qs.filter(school_type__in=types)
        picked.update({s.pk: s for s in qs})
    if school_ids:
        listed = list(inside.filter(pk__in=school_ids))
        if len(listed) != len(school_ids):
            raise DomainError("所选学校中有的不在您的管辖范围内或已撤销", code="school_out_of_scope")
        picked.update({s.pk: s for s in listed})
    if not picked:
        raise DomainError("请选择迎检学校（按区县、学段或逐校选择）", code="schools_required")
    return sorted(picked.values(), key=lambda s: s.path)


def inspection_plan_for(school: OrgUnit, plans_by_unit: dict[str, ContingencyPlan]) -> ContingencyPlan | None:
    """The school's own 迎检 plan, else the nearest one above it (its district's, then the bureau's)."""
    path = school.path
    while path:
        plan = plans_by_unit.get(path)
        if plan is not None:
            return plan
        path = path[: -school.steplen]
    return None


def trigger_inspection(
    *,
    actor: User,
    title: str,
    expected_on: dt.date,
    note: str = "",
    districts: Iterable[int] = (),
    school_types: Iterable[str] = (),
    schools: Iterable[int] = (),
) -> InspectionResponse:
    """ "Inspection coming": each chosen school's 迎检 plan becomes a checklist, one task per step, assigned to the
    first of the school's people holding the step's role. Schools without any plan are listed with no tasks."""
    if not can(actor, "plan.trigger"):
        raise Forbidden("只有教育局可以发起迎检响应")
    within = _acting_unit(actor)
    title = _text(title, label="名称", limit=100)
    note = _text(note, label="说明", limit=500, required=False)
    if expected_on is None or expected_on < timezone.localdate():
        raise DomainError("预计检查日期不能早于今天", code="expected_in_past")
    picked = pick_schools(within=within, districts=districts, school_types=school_types, schools=schools)
    ancestors = {s.path[: n * s.steplen] for s in picked for n in range(1, s.depth + 1)}
    plans = {
        p.unit.path: p
        for p in ContingencyPlan.objects.filter(plan_type=PlanType.INSPECTION, unit__path__in=ancestors)
        .select_related("unit")
        .prefetch_related("steps")
    }
    holders: dict[tuple[str, str], int] = {}
    school_paths = {s.path for s in picked}
    lengths = sorted({len(p) for p in school_paths})
    for assignment in (
        RoleAssignment.objects.filter(unit__is_closed=False, user__is_active=True)
        .filter(Q(*[Q(unit__path__under=s.path) for s in picked], _connector=Q.OR))
        .select_related("unit")
        .order_by("id")
    ):
        for length in lengths:  # direct schools sit higher in the tree than district schools
            if assignment.unit.path[:length] in school_paths:
                holders.setdefault((assignment.unit.path[:length], assignment.role), assignment.user_id)
                break
    with transaction.atomic():
        response = InspectionResponse.objects.create(
            unit=within, title=title, expected_on=expected_on, note=note, triggered_by=actor
        )
        targets = ResponseSchool.objects.bulk_create(
            [ResponseSchool(response=response, school=s, plan=inspection_plan_for(s, plans)) for s in picked]
        )
        tasks = []
        for target, school in zip(targets, picked, strict=True):
            if target.plan is None:
                continue
            for step in target.plan.steps.all():
                tasks.append(
                    ResponseTask(
                        target=target,
                        position=step.position,
                        title=step.title,
                        detail=step.detail,
                        responsible_role=step.responsible_role,
                        assignee_id=holders.get((school.path, step.responsible_role)),
                    )
                )
        ResponseTask.objects.bulk_create(tasks, batch_size=1000)
        record_change(
            actor=actor,
            action="trigger_inspection",
            obj=response,
            unit_path=within.path,
            after={
                "title": title,
                "expected_on": expected_on.isoformat(),
                "schools": [s.pk for s in picked],
                "tasks": len(tasks),
                "without_plan": [t.school_id for t in targets if t.plan is None],
            },
        )
    return response


def may_complete(actor: User, task: ResponseTask) -> bool:
    """Only the school ticks its own checklist (the district watches the progress, it does not make it)."""
    school = task.target.school
    assignment = acting_assignment(actor)
    if assignment is None:
        return False
    at_school = assignment.unit.path.startswith(school.path)
    if at_school and can(actor, "plan.change", school):
        return True  # the school office
    if not can(actor, "plan.task"):
        return False
    return at_school and (task.assignee_id == actor.pk or assignment.role == task.responsible_role)


def complete_task(*, actor: User, task: ResponseTask, note: str = "") -> ResponseTask:
    """Tick off one checklist task; ticking it again changes nothing."""
    note = _text(note, label="说明", limit=300, required=False)
    with transaction.atomic():
        fresh = (
            ResponseTask.objects.select_for_update(of=("self",))
            .select_related("target__school", "target__response")
            .get(pk=task.pk)
        )
        if not may_complete(actor, fresh):
            raise Forbidden("只有该任务的责任人或学校管理员可以完成此项")
        if fresh.done_at is not None:
            return fresh
        fresh.done_at, fresh.done_by, fresh.note = timezone.now(), actor, note
        fresh.save(update_fields=["done_at", "done_by", "note"])
        record_change(
            actor=actor,
            action="complete_task",
            obj=fresh.target.response,
            unit_path=fresh.target.school.path,
            after={"task": fresh.pk, "title": fresh.title, "note": note},
        )
    return fresh

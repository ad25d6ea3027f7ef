"""What a weather warning asks of duty (called by the warnings app, one way): the steps of the plan that matches
it, and reinforced duty (加强值守) for its period at the schools it affects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from dudao.accounts.models import User
from dudao.duty.models import ContingencyPlan, DutyRoster, RosterStatus
from dudao.orgs.models import OrgUnit


@dataclass(frozen=True)
class PlanSteps:
    title: str
    steps: list[tuple[str, str, str]]  # (step, requirement, responsible role's name)


def plan_steps(*, unit: OrgUnit, plan_type: str) -> PlanSteps | None:
    """The plan of `plan_type` kept by `unit`, else by the nearest unit above it; None when none keeps one."""
    step = OrgUnit.steplen
    paths = [unit.path[:i] for i in range(step, len(unit.path) + 1, step)]
    plan = (
        ContingencyPlan.objects.filter(plan_type=plan_type, unit__path__in=paths)
        .select_related("unit")
        .order_by("-unit__depth")
        .first()
    )
    if plan is None:
        return None
    return PlanSteps(
        title=plan.title,
        steps=[(s.title, s.detail, s.get_responsible_role_display()) for s in plan.steps.all()],
    )


def reinforce_duty(
    *, actor: User, units: list[OrgUnit], title: str, starts_on: dt.date, ends_on: dt.date
) -> list[DutyRoster]:
    """加强值守: each unit gets a draft roster titled `title` for the period, for the school to staff (and publish)
    with its leader and staff on duty. A unit that already has a roster of that title for the same days keeps it
    (the call is idempotent). The caller checked its own permission and writes the audit event."""
    with transaction.atomic():
        have = set(
            DutyRoster.objects.filter(
                unit__in=units, title=title[:100], starts_on=starts_on, ends_on=ends_on
            ).values_list("unit_id", flat=True)
        )
        return DutyRoster.objects.bulk_create(
            [
                DutyRoster(
                    unit=u,
                    title=title[:100],
                    starts_on=starts_on,
                    ends_on=ends_on,
                    status=RosterStatus.DRAFT,
                    created_by=actor,
                )
                for u in units
                if u.pk not in have
            ],
            batch_size=1000,
        )

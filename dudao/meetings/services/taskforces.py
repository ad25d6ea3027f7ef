"""工作专班: set up a task force with its members and their duties in the group, edit it, dissolve it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.campaigns.models import Campaign
from dudao.core.errors import DomainError, Forbidden
from dudao.core.locking import bump, locked
from dudao.meetings.models import MemberDuty, TaskForce, TaskForceMember
from dudao.meetings.services._common import acting_unit, belongs_to, clean_key, clean_text, once
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can


@dataclass(frozen=True)
class MemberIn:
    person: User
    duty: str = MemberDuty.MEMBER


def _check_campaign(actor: User, campaign: Campaign | None) -> None:
    if campaign is not None and not Campaign.objects.for_user(actor, "read").filter(pk=campaign.pk).exists():
        raise DomainError("所选专项工作不存在或不在您的管理范围内", code="campaign_out_of_scope")


def _clean_members(unit: OrgUnit, members: Sequence[MemberIn]) -> list[MemberIn]:
    if not members:
        raise DomainError("请至少添加一名专班成员（组长）", code="members_required")
    seen: set[int] = set()
    for member in members:
        if member.duty not in MemberDuty.values:
            raise DomainError("专班职务应为组长、副组长、成员或联络员", code="duty_invalid")
        if member.person.pk in seen:
            raise DomainError(f"{member.person.display_name}重复出现在成员名单中", code="member_duplicate")
        seen.add(member.person.pk)
        if not belongs_to(member.person, unit):
            raise DomainError(
                f"{member.person.display_name}不是本单位及下属单位的在岗人员，不能加入专班", code="member_out_of_scope"
            )
    leads = [m for m in members if m.duty == MemberDuty.LEAD]
    if len(leads) != 1:
        raise DomainError("专班须有且只有一名组长", code="lead_required")
    # The lead first, then deputies, members and liaisons in the order given.
    order = list(MemberDuty.values)
    return sorted(members, key=lambda m: order.index(m.duty))


def _member_rows(task_force: TaskForce, members: Sequence[MemberIn]) -> list[TaskForceMember]:
    return TaskForceMember.objects.bulk_create(
        TaskForceMember(task_force=task_force, person=m.person, duty=m.duty, position=n)
        for n, m in enumerate(members, start=1)
    )


def _roster(members: Sequence[MemberIn]) -> list[tuple[int, str]]:
    return [(m.person.pk, m.duty) for m in members]


def create_task_force(
    *,
    actor: User,
    name: str,
    members: Sequence[MemberIn],
    campaign: Campaign | None = None,
    duties: str = "",
    submit_key: str = "",
) -> TaskForce:
    """A task force of the acting unit; members are people of the unit or any unit below it."""
    unit = acting_unit(actor)
    if not can(actor, "meeting.change", unit):
        raise Forbidden("您当前的身份不能组建工作专班")
    name = clean_text(name, label="专班名称", limit=100)
    duties = clean_text(duties, label="工作职责", limit=2000, required=False)
    _check_campaign(actor, campaign)
    clean = _clean_members(unit, members)

    def create() -> TaskForce:
        task_force = TaskForce.objects.create(
            unit=unit,
            name=name,
            campaign=campaign,
            duties=duties,
            created_by=actor,
            submit_key=clean_key(submit_key),
        )
        _member_rows(task_force, clean)
        record_change(
            actor=actor,
            action="create_task_force",
            obj=task_force,
            unit_path=unit.path,
            after={**snapshot(task_force, ["name", "campaign", "duties"]), "members": _roster(clean)},
        )
        return task_force

    with transaction.atomic():
        return once(TaskForce, clean_key(submit_key), create, created_by=actor)


def update_task_force(
    *,
    actor: User,
    task_force: TaskForce,
    name: str,
    members: Sequence[MemberIn],
    campaign: Campaign | None,
    duties: str,
    version: int | None,
) -> TaskForce:
    """Rename, re-attach and replace the member list (a 专班 changes hands when people move)."""
    name = clean_text(name, label="专班名称", limit=100)
    duties = clean_text(duties, label="工作职责", limit=2000, required=False)
    with transaction.atomic():
        fresh = locked(TaskForce.objects.select_related("unit"), task_force.pk, version)
        if not can(actor, "meeting.change", fresh.unit):
            raise Forbidden("您无权修改该工作专班")
        _check_campaign(actor, campaign)
        clean = _clean_members(fresh.unit, members)
        before_members = list(fresh.members.values_list("person_id", "duty"))
        before = {**snapshot(fresh, ["name", "campaign", "duties"]), "members": before_members}
        fresh.name, fresh.campaign, fresh.duties = name, campaign, duties
        bump(fresh, ["name", "campaign", "duties"])
        fresh.members.all().delete()
        _member_rows(fresh, clean)
        record_change(
            actor=actor,
            action="update_task_force",
            obj=fresh,
            unit_path=fresh.unit.path,
            before=before,
            after={**snapshot(fresh, ["name", "campaign", "duties"]), "members": [list(r) for r in _roster(clean)]},
        )
    return fresh


def dissolve_task_force(*, actor: User, task_force: TaskForce, version: int | None) -> TaskForce:
    """撤销: the group's work is done; its meetings and decisions stay on record."""
    with transaction.atomic():
        fresh = locked(TaskForce.objects.select_related("unit"), task_force.pk, version)
        if not can(actor, "meeting.change", fresh.unit):
            raise Forbidden("您无权撤销该工作专班")
        if fresh.is_dissolved:
            return fresh
        fresh.is_dissolved = True
        bump(fresh, ["is_dissolved"])
        record_change(
            actor=actor,
            action="dissolve_task_force",
            obj=fresh,
            unit_path=fresh.unit.path,
            before={"is_dissolved": False},
            after={"is_dissolved": True},
        )
    return fresh

"""State changes of warnings: enter (or import) one, adjust the schools dudao proposed, dispatch once.

Dispatching sends ONE directive with 签收 to the chosen schools (through `directives.services`), raises duty for
the period (through `duty.services`) and notifies the schools' principals (`messaging`). The warning row is locked
for the whole of it, so a second dispatch — a double click, a retried API call — finds it dispatched and changes
nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change
from dudao.core.errors import DomainError, Forbidden, check_version
from dudao.core.locking import bump
from dudao.directives import services as directive_services
from dudao.duty import services as duty_services
from dudao.messaging.models import Category
from dudao.messaging.services import UnitNote, notify_units
from dudao.orgs.models import OrgUnit, UnitKind, UnitTagging
from dudao.orgs.roles import Role
from dudao.orgs.scoping import acting_assignment, can
from dudao.orgs.tags import tags_for
from dudao.warnings import rules
from dudao.warnings.models import (
    AffectedSchool,
    WarningKind,
    WarningLevel,
    WarningSource,
    WarningStatus,
    WeatherWarning,
)

AREA_KINDS = (UnitKind.BUREAU, UnitKind.DISTRICT, UnitKind.SCHOOL)
MAX_PERIOD = dt.timedelta(days=15)


@dataclass(frozen=True)
class WarningIn:
    kind: str
    level: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    area: Sequence[int]
    issuer: str = ""
    content: str = ""


def _acting_unit(actor: User) -> OrgUnit:
    assignment = acting_assignment(actor)
    if assignment is None or not can(actor, "warning.change"):
        raise Forbidden("您没有录入或下发预警的权限")
    return assignment.unit


def _aware(value: dt.datetime) -> dt.datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _check(data: WarningIn, within: OrgUnit) -> tuple[dt.datetime, dt.datetime, list[OrgUnit]]:
    if data.kind not in WarningKind.values:
        raise DomainError("请选择预警类型", code="warning_kind_invalid")
    if data.level not in WarningLevel.values:
        raise DomainError("请选择预警级别（蓝色、黄色、橙色、红色）", code="warning_level_invalid")
    if data.starts_at is None or data.ends_at is None:
        raise DomainError("请填写生效时间和解除时间", code="warning_period_required")
    starts_at, ends_at = _aware(data.starts_at), _aware(data.ends_at)
    if ends_at <= starts_at:
        raise DomainError("解除时间应晚于生效时间", code="warning_period_reversed")
    if ends_at - starts_at > MAX_PERIOD:
        raise DomainError("预警时段最长 15 天，请分段录入", code="warning_period_too_long")
    ids = list(dict.fromkeys(int(i) for i in data.area))
    if not ids:
        raise DomainError("请选择影响区域（区县或学校）", code="warning_area_required")
    area = list(
        OrgUnit.objects.filter(pk__in=ids, path__under=within.path, kind__in=AREA_KINDS, is_closed=False).order_by(
            "path"
        )
    )
    if len(area) != len(ids):
        raise DomainError("影响区域中有的单位不在本单位管辖范围内或已撤销", code="warning_area_out_of_scope")
    return starts_at, ends_at, area


def proposed_schools(*, actor: User, kind: str, area: Sequence[OrgUnit]) -> dict[int, list[str]]:
    """{school id: tags that matched}: the open schools inside the area that carry a tag the warning type names.
    One query, however many schools."""
    names = rules.tags_for_kind(kind)
    if not names or not area:
        return {}
    tag_ids = list(tags_for(actor).filter(name__in=names).values_list("pk", flat=True))
    inside = Q()
    for unit in area:
        inside |= Q(unit__path__under=unit.path)
    found: dict[int, list[str]] = {}
    for unit_id, tag_name in (
        UnitTagging.objects.filter(inside, tag_id__in=tag_ids, unit__kind=UnitKind.SCHOOL, unit__is_closed=False)
        .order_by("unit__path", "tag__position")
        .values_list("unit_id", "tag__name")
    ):
        found.setdefault(unit_id, []).append(tag_name)
    return found


def _propose(actor: User, warning: WeatherWarning, area: Sequence[OrgUnit]) -> int:
    proposal = proposed_schools(actor=actor, kind=warning.kind, area=area)
    AffectedSchool.objects.bulk_create(
        [
            AffectedSchool(warning=warning, school_id=school_id, matched_tags="、".join(dict.fromkeys(tags))[:200])
            for school_id, tags in proposal.items()
        ],
        batch_size=1000,
    )
    return len(proposal)


def create_warning(*, actor: User, data: WarningIn, source: str = WarningSource.MANUAL) -> WeatherWarning:
    """Enter a warning; dudao proposes the affected schools at once (area ∩ the tags its type names)."""
    unit = _acting_unit(actor)
    starts_at, ends_at, area = _check(data, unit)
    with transaction.atomic():
        warning = WeatherWarning.objects.create(
            unit=unit,
            kind=data.kind,
            level=data.level,
            starts_at=starts_at,
            ends_at=ends_at,
            issuer=(data.issuer or "").strip()[:60],
            content=(data.content or "").strip()[:2000],
            source=source,
            created_by=actor,
        )
        warning.area.set(area)
        proposed = _propose(actor, warning, area)
        record_change(
            actor=actor,
            action="create",
            obj=warning,
            unit_path=unit.path,
            after={
                "title": warning.title,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "area": [a.pk for a in area],
                "proposed": proposed,
                "source": source,
            },
        )
    return warning


def _locked(warning: WeatherWarning) -> WeatherWarning:
    return WeatherWarning.objects.select_for_update(of=("self",)).select_related("unit").get(pk=warning.pk)


def _check_change(actor: User, warning: WeatherWarning) -> None:
    if not can(actor, "warning.change", warning.unit):
        raise Forbidden("您没有录入或下发预警的权限")


def set_schools(
    *, actor: User, warning: WeatherWarning, school_ids: Iterable[int], version: int | None
) -> WeatherWarning:
    """The clerk's adjustment of the proposal: the warning goes to exactly these schools (any open school of the
    subtree; those dudao proposed keep their matched tags)."""
    _check_change(actor, warning)
    ids = set(school_ids)
    with transaction.atomic():
        fresh = _locked(warning)
        check_version(fresh, version)
        if fresh.status != WarningStatus.DRAFT:
            raise DomainError("预警已下发，不能再调整学校", code="warning_not_draft", status=409)
        found = set(
            OrgUnit.objects.filter(
                pk__in=ids, path__under=fresh.unit.path, kind=UnitKind.SCHOOL, is_closed=False
            ).values_list("pk", flat=True)
        )
        if found != ids:
            raise DomainError("所选学校中有的不在本单位管辖范围内或已撤销", code="warning_school_out_of_scope")
        have = set(AffectedSchool.objects.filter(warning=fresh).values_list("school_id", flat=True))
        AffectedSchool.objects.filter(warning=fresh, school_id__in=have - ids).delete()
        AffectedSchool.objects.bulk_create(
            [AffectedSchool(warning=fresh, school_id=i, is_proposed=False) for i in sorted(ids - have)]
        )
        fresh.updated_at = timezone.now()
        bump(fresh, ["updated_at"])
        record_change(
            actor=actor,
            action="set_schools",
            obj=fresh,
            unit_path=fresh.unit.path,
            before={"schools": sorted(have)},
            after={"schools": sorted(ids)},
        )
    return fresh


def schools_of(*, actor: User, warning: WeatherWarning, unit_ids: Iterable[int]) -> list[int]:
    """The open schools under units ticked whole in the picker (a district: all its schools), inside the warning's
    unit; an id outside it is refused like a school out of scope."""
    ids = list(dict.fromkeys(unit_ids))
    if not ids:
        return []
    units = list(OrgUnit.objects.filter(pk__in=ids, path__under=warning.unit.path, is_closed=False))
    if len(units) != len(ids):
        raise DomainError("所选单位中有的不在本单位管辖范围内或已撤销", code="warning_school_out_of_scope")
    inside = Q()
    for unit in units:
        inside |= Q(path__under=unit.path)
    return list(OrgUnit.objects.filter(inside, kind=UnitKind.SCHOOL, is_closed=False).values_list("pk", flat=True))


def cancel_warning(*, actor: User, warning: WeatherWarning, version: int | None) -> WeatherWarning:
    """A warning entered by mistake (or lifted before it was sent) is cancelled; a dispatched one stays."""
    _check_change(actor, warning)
    with transaction.atomic():
        fresh = _locked(warning)
        check_version(fresh, version)
        if fresh.status != WarningStatus.DRAFT:
            raise DomainError("只有待下发的预警可以取消", code="warning_not_draft", status=409)
        fresh.status = WarningStatus.CANCELLED
        fresh.updated_at = timezone.now()
        bump(fresh, ["status", "updated_at"])
        record_change(
            actor=actor, action="cancel", obj=fresh, unit_path=fresh.unit.path, after={"status": fresh.status}
        )
    return fresh


@dataclass(frozen=True)
class Dispatched:
    warning: WeatherWarning
    is_new: bool  # False: it had been dispatched before and nothing changed now

    @property
    def message(self) -> str:
        w = self.warning
        if not self.is_new:
            return "该预警已经下发过，本次未重复下发"
        return (
            f"已向 {w.schools.count()} 所学校下发{w.title}，要求 {rules.ACK_HOURS[w.level]} 小时内签收；"
            f"已为 {w.rosters_raised} 所学校安排加强值守，通知校长 {w.principals_notified} 人"
        )


def directive_body(warning: WeatherWarning) -> tuple[str, str]:
    """(plan title or "", the directive's text): the warning, then the steps of the matching plan (the issuing
    unit's own or the nearest above it), else the fixed steps of the warning type."""
    local = timezone.localtime
    lines = [
        f"{warning.issuer or '气象部门'}发布{warning.title}，"
        f"有效时段 {local(warning.starts_at):%m月%d日 %H:%M} 至 {local(warning.ends_at):%m月%d日 %H:%M}。",
    ]
    if warning.content:
        lines.append(warning.content)
    lines.append(f"请各校在 {rules.ACK_HOURS[warning.level]} 小时内签收，并按以下要求落实：")
    plan_type = rules.PLAN_BY_KIND.get(warning.kind)
    plan = duty_services.plan_steps(unit=warning.unit, plan_type=plan_type) if plan_type else None
    if plan is not None and plan.steps:
        lines += [f"{i}. {step}（{role}）：{detail}" for i, (step, detail, role) in enumerate(plan.steps, start=1)]
        title = plan.title
    else:
        lines += [f"{i}. {step}：{detail}" for i, (step, detail) in enumerate(rules.fixed_steps(warning.kind), 1)]
        title = ""
    if warning.level in rules.LEADER_LEVELS:
        lines.append("预警期间实行加强值守：校领导带班，值班人员 24 小时在岗，请在值班值守中排好值班表并发布。")
    else:
        lines.append("预警期间请加强值守，值班人员保持通讯畅通。")
    return title, "\n".join(lines)


def dispatch_warning(*, actor: User, warning: WeatherWarning, version: int | None = None) -> Dispatched:
    """Send the warning to its schools once: one directive with 签收, reinforced duty, principals notified."""
    _check_change(actor, warning)
    now = timezone.now()
    with transaction.atomic():
        fresh = _locked(warning)
        if fresh.status == WarningStatus.DISPATCHED:
            return Dispatched(fresh, is_new=False)
        check_version(fresh, version)
        if fresh.status != WarningStatus.DRAFT:
            raise DomainError("该预警已取消，不能下发", code="warning_cancelled", status=409)
        if fresh.ends_at <= now:
            raise DomainError("预警已过解除时间，不能再下发", code="warning_expired", status=409)
        schools = list(
            OrgUnit.objects.filter(
                pk__in=AffectedSchool.objects.filter(warning=fresh).values("school_id"), is_closed=False
            ).order_by("path")
        )
        if not schools:
            raise DomainError("没有选择受影响的学校，请先选择要下发的学校", code="warning_no_schools")
        plan_title, body = directive_body(fresh)
        directive = directive_services.issue_for_acknowledgement(
            actor=actor,
            issuer=fresh.unit,
            units=schools,
            title=f"【{fresh.title}】防御工作要求（请签收）",
            body=body,
            deadline=rules.ack_deadline(fresh.level, now),
        )
        leader = "（校领导带班）" if fresh.level in rules.LEADER_LEVELS else ""
        starts_on = max(timezone.localtime(fresh.starts_at).date(), timezone.localdate())
        rosters = duty_services.reinforce_duty(
            actor=actor,
            units=schools,
            title=f"{fresh.title}加强值守{leader}",
            starts_on=starts_on,
            ends_on=max(timezone.localtime(fresh.ends_at).date(), starts_on),
        )
        notified = notify_units(
            [
                UnitNote(
                    unit_id=s.pk,
                    title=f"{fresh.title}：请签收并落实防御措施",
                    body=f"{rules.ACK_HOURS[fresh.level]} 小时内签收；预警期间加强值守{leader}。",
                    url="directives:detail",
                    url_args=(directive.pk,),
                    dedupe_key=f"warning:{fresh.pk}",
                )
                for s in schools
            ],
            category=Category.DUTY,
            roles=[Role.PRINCIPAL],
            fallback_roles=[Role.SCHOOL_STAFF],
            urgent=fresh.level in rules.LEADER_LEVELS,
        )
        fresh.status = WarningStatus.DISPATCHED
        fresh.directive = directive
        fresh.plan_title = plan_title[:100]
        fresh.rosters_raised = len(rosters)
        fresh.principals_notified = notified
        fresh.dispatched_at, fresh.dispatched_by = now, actor
        fresh.updated_at = now
        bump(
            fresh,
            [
                "status",
                "directive",
                "plan_title",
                "rosters_raised",
                "principals_notified",
                "dispatched_at",
                "dispatched_by",
                "updated_at",
            ],
        )
        record_change(
            actor=actor,
            action="dispatch",
            obj=fresh,
            unit_path=fresh.unit.path,
            after={
                "status": fresh.status,
                "directive": directive.pk,
                "schools": len(schools),
                "plan": plan_title,
                "rosters": [r.pk for r in rosters],
                "notified": notified,
            },
        )
    return Dispatched(fresh, is_new=True)

"""Generating a briefing: a status row first (生成中, polled by the page), then the figures and the text in the
background (huey), or inline for the weekly job and the demo."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.briefings import drafting
from dudao.briefings.figures import compute, scope_of
from dudao.briefings.models import Briefing, BriefingStatus, IssuingProfile, Trigger
from dudao.briefings.services.publishing import ISSUERS, profile_for
from dudao.campaigns.models import Campaign
from dudao.core.errors import DomainError, Forbidden
from dudao.orgs.models import OrgUnit
from dudao.orgs.roles import allows
from dudao.orgs.scoping import assignments_of, can

log = logging.getLogger("dudao.briefings")

# A generation still 生成中 after this long was interrupted (a worker restarted): a new request starts again.
STALE_MINUTES = 10
WEEK = 7


def default_period(today: dt.date, *, weekly: bool) -> tuple[dt.date, dt.date]:
    """Seven days: the week that ended yesterday for the weekly run (Monday: last Monday to Sunday), else the
    seven days up to today."""
    end = today - dt.timedelta(days=1) if weekly else today
    return end - dt.timedelta(days=WEEK - 1), end


def act_for(user: User, unit: OrgUnit) -> bool:
    """Make the user act through the assignment that lets them write this unit's briefings (the nearest one), as a
    request's acting assignment would; False when none does."""
    fitting = [
        a for a in assignments_of(user) if allows(a.role, "briefing.change") and unit.path.startswith(a.unit.path)
    ]
    if not fitting:
        return False
    chosen = max(fitting, key=lambda a: len(a.unit.path))
    user.acting_assignment_id = chosen.pk  # type: ignore[attr-defined]
    return True


def request_briefing(
    *,
    actor: User,
    unit: OrgUnit,
    campaign: Campaign | None = None,
    end: dt.date | None = None,
    trigger: Trigger = Trigger.MANUAL,
    queue: bool = True,
) -> Briefing:
    """Start generating a briefing of `unit` (or of a campaign's units inside it) for the seven days up to `end`.
    A second request while one is generating returns that one (a double click starts nothing twice)."""
    if not can(actor, "briefing.change", unit):
        raise Forbidden("您没有为该单位生成调度通报的权限")
    if unit.kind not in ISSUERS:
        raise DomainError("调度通报由市、区县教育局发出，请切换到教育局的身份后再生成", code="invalid_unit")
    if campaign is not None:
        if not Campaign.objects.for_user(actor, "read").filter(pk=campaign.pk).exists():
            raise DomainError("专项工作不存在或不在您的管理范围内", code="not_found", status=404)
        if not scope_of(unit, campaign).units:
            raise DomainError(f"“{campaign.name}”在{unit.name}范围内没有责任单位，无法生成调度通报", code="no_units")
    today = timezone.localdate()
    start, end = (
        default_period(today, weekly=trigger == Trigger.WEEKLY)
        if end is None
        else (end - dt.timedelta(days=WEEK - 1), end)
    )
    if end > today:
        raise DomainError(f"统计结束日期（{end:%Y-%m-%d}）不能晚于今天", code="invalid_period")
    with transaction.atomic():
        # One request at a time per unit (a double click, two clerks): the second finds the first one running.
        OrgUnit.objects.select_for_update().filter(pk=unit.pk).exists()
        running = (
            Briefing.objects.filter(
                unit=unit,
                campaign=campaign,
                status=BriefingStatus.GENERATING,
                created_at__gte=timezone.now() - dt.timedelta(minutes=STALE_MINUTES),
            )
            .order_by("-id")
            .first()
        )
        if running is not None:
            return running
        profile = profile_for(unit)
        briefing = Briefing.objects.create(
            unit=unit,
            campaign=campaign,
            trigger=trigger,
            period_start=start,
            period_end=end,
            title=drafting.title_for(unit.name, campaign.name if campaign else None, end),
            addressee=profile.addressee,
            copy_to=profile.copy_to,
            masthead=profile.masthead,
            printer=profile.printer,
            doc_prefix=profile.doc_prefix,
            status=BriefingStatus.GENERATING,
            progress_note="排队等待生成",
            created_by=actor,
        )
        record_change(
            actor=actor,
            action="request_generate",
            obj=briefing,
            unit_path=unit.path,
            after=snapshot(briefing, ["title", "campaign", "trigger", "period_start", "period_end"]),
        )
        if queue:
            pk = briefing.pk
            transaction.on_commit(lambda: _enqueue(pk))
    return briefing


def _enqueue(briefing_id: int) -> None:
    from dudao.briefings.tasks import generate_briefing

    generate_briefing(briefing_id)


def _previous(briefing: Briefing) -> dict[str, Any] | None:
    """The last earlier briefing's frozen figures (published ones first), to say what improved."""
    earlier = Briefing.objects.filter(
        unit=briefing.unit,
        campaign=briefing.campaign,
        period_end__lt=briefing.period_end,
        status__in=[BriefingStatus.PUBLISHED, BriefingStatus.DRAFT],
    ).order_by("-period_end", "-id")
    found = earlier.filter(status=BriefingStatus.PUBLISHED).first() or earlier.first()
    if found is None or not found.figures.get("totals"):
        return None
    label = (
        f"上期调度通报（{found.number_text}）"
        if found.number_text
        else f"上期调度通报（截至{found.period_end:%-m月%-d日}）"
    )
    return {"label": label, "totals": found.figures["totals"], "unit_values": found.figures.get("unit_values", {})}


def _progress(briefing_id: int, percent: int, note: str) -> None:
    Briefing.objects.filter(pk=briefing_id, status=BriefingStatus.GENERATING).update(
        progress=percent, progress_note=note[:200]
    )


def run_generation(briefing_id: int) -> Briefing:
    """Compute the figures and write the text of a briefing that is 生成中; any other state is left alone, so a
    queued job that finds its briefing already generated does nothing."""
    briefing = Briefing.objects.select_related("unit", "campaign", "created_by").get(pk=briefing_id)
    if briefing.status != BriefingStatus.GENERATING:
        return briefing
    actor = briefing.created_by
    try:
        if actor is None or not act_for(actor, briefing.unit):
            raise DomainError("撰稿人已没有生成该单位调度通报的权限，请重新生成", code="writer_forbidden")
        _progress(briefing_id, 5, "正在确定统计范围")
        scope = scope_of(briefing.unit, briefing.campaign)
        figures = compute(
            user=actor,
            scope=scope,
            start=briefing.period_start,
            end=briefing.period_end,
            previous=_previous(briefing),
            progress=lambda percent, note: _progress(briefing_id, percent, note),
        )
        _progress(briefing_id, 90, "正在撰写通报正文")
        with transaction.atomic():
            fresh = Briefing.objects.select_for_update(of=("self",)).get(pk=briefing_id)
            if fresh.status != BriefingStatus.GENERATING:
                return fresh
            fresh.figures = figures
            fresh.sections = drafting.sections(figures)
            fresh.status = BriefingStatus.DRAFT
            fresh.progress, fresh.progress_note = 100, "已生成"
            fresh.generated_at = timezone.now()
            fresh.version += 1
            fresh.save()
            named = sorted({row["name"] for rows in figures["lists"].values() for row in rows})
            record_change(
                actor=actor,
                action="generate",
                obj=fresh,
                unit_path=fresh.unit.path,
                before={"status": BriefingStatus.GENERATING},
                after={"status": fresh.status, "named": named[:50], "named_count": len(named)},
            )
        return fresh
    except DomainError as exc:
        return _fail(briefing_id, exc.message)
    except Exception:
        log.exception("briefing %s: generation failed", briefing_id)
        return _fail(briefing_id, "生成失败：系统内部错误，请稍后重新生成；如仍失败请联系系统管理员")


def _fail(briefing_id: int, message: str) -> Briefing:
    Briefing.objects.filter(pk=briefing_id, status=BriefingStatus.GENERATING).update(
        status=BriefingStatus.FAILED, progress_note=message[:200]
    )
    return Briefing.objects.get(pk=briefing_id)


def generate_weekly(today: dt.date | None = None) -> list[Briefing]:
    """The weekly run: one briefing per unit that asked for it, generated as its writer; a rerun the same week
    makes nothing twice."""
    today = today or timezone.localdate()
    _, end = default_period(today, weekly=True)
    made: list[Briefing] = []
    profiles = IssuingProfile.objects.filter(is_weekly=True, writer__isnull=False, unit__is_closed=False)
    for profile in profiles.select_related("unit", "writer").order_by("unit__path"):
        done = Briefing.objects.filter(unit=profile.unit, campaign=None, trigger=Trigger.WEEKLY, period_end=end)
        if done.exclude(status=BriefingStatus.FAILED).exists():
            continue
        writer = profile.writer
        if writer is None or not writer.is_active or not act_for(writer, profile.unit):
            log.warning("weekly briefing of %s skipped: the writer may no longer write it", profile.unit.name)
            continue
        try:
            briefing = request_briefing(actor=writer, unit=profile.unit, end=end, trigger=Trigger.WEEKLY, queue=False)
        except DomainError as exc:
            log.warning("weekly briefing of %s refused: %s", profile.unit.name, exc.message)
            continue
        made.append(run_generation(briefing.pk))
    return made

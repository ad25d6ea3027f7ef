"""Editing a generated briefing, publishing it with a 发文字号 to the units concerned, confirming reading, and the
issuing unit's settings (prefix, masthead, 印发机关, weekly run)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.briefings.figures import scope_of
from dudao.briefings.models import Briefing, BriefingRecipient, BriefingStatus, IssuingProfile
from dudao.core.docnumbers import allocate, check_prefix
from dudao.core.errors import DomainError, Forbidden, check_version
from dudao.core.locking import bump
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import acting_assignment, can

# Units that issue briefings: the city (or county) bureau and district bureaus.
ISSUERS = (UnitKind.BUREAU, UnitKind.DISTRICT)
EDIT_FIELDS = ["title", "addressee", "sections", "copy_to", "status"]
PROFILE_FIELDS = ["doc_prefix", "masthead", "printer", "addressee", "copy_to", "is_weekly", "writer"]
MAX_SECTIONS = 12
MAX_BODY = 30000


def profile_for(unit: OrgUnit) -> IssuingProfile:
    """The unit's issuing settings, or (unsaved) defaults: prefix 临教督 from the first character of the name."""
    found = IssuingProfile.objects.filter(unit=unit).first()
    if found is not None:
        return found
    is_city = unit.kind == UnitKind.BUREAU
    return IssuingProfile(
        unit=unit,
        doc_prefix=f"{unit.name[:1]}教督",
        masthead=f"{unit.name}文件",
        printer=f"{unit.name}办公室",
        addressee="各区县教育局，市直属各学校" if is_city else "辖区各学校",
        copy_to="",
    )


def save_profile(
    *,
    actor: User,
    unit: OrgUnit,
    doc_prefix: str,
    masthead: str,
    printer: str,
    addressee: str,
    copy_to: str,
    is_weekly: bool,
    version: int | None,
) -> IssuingProfile:
    if not can(actor, "briefing.change", unit):
        raise Forbidden("您没有修改该单位发文设置的权限")
    if unit.kind not in ISSUERS:
        raise DomainError("发文设置只适用于市、区县教育局", code="invalid_unit")
    prefix = check_prefix(doc_prefix)
    masthead, printer = masthead.strip(), printer.strip()
    if not masthead or len(masthead) > 60:
        raise DomainError("发文机关标志不能为空，且不超过 60 字，例如“临江市教育局文件”", code="invalid_masthead")
    if not printer or len(printer) > 100:
        raise DomainError("印发机关不能为空，且不超过 100 字", code="invalid_printer")
    addressee, copy_to = addressee.strip(), copy_to.strip()
    if len(addressee) > 300 or len(copy_to) > 300:
        raise DomainError("主送机关、抄送各不超过 300 字", code="too_long")
    with transaction.atomic():
        existing = IssuingProfile.objects.select_for_update().filter(unit=unit).first()
        if existing is not None:
            check_version(existing, version)
            profile, before = existing, snapshot(existing, PROFILE_FIELDS)
        else:
            profile, before = IssuingProfile(unit=unit), None
        profile.doc_prefix, profile.masthead, profile.printer = prefix, masthead, printer
        profile.addressee, profile.copy_to = addressee, copy_to
        profile.is_weekly = is_weekly
        # The weekly briefing is written as the person who switched it on.
        profile.writer = actor if is_weekly else profile.writer
        if existing is not None:
            profile.version += 1
        profile.save()
        record_change(
            actor=actor,
            action="update" if existing else "create",
            obj=profile,
            unit_path=unit.path,
            before=before,
            after=snapshot(profile, PROFILE_FIELDS),
        )
    return profile


def _locked(briefing: Briefing) -> Briefing:
    return Briefing.objects.select_for_update(of=("self",)).select_related("unit", "campaign").get(pk=briefing.pk)


def _refuse_unless_draft(briefing: Briefing) -> None:
    if briefing.status == BriefingStatus.PUBLISHED:
        when = timezone.localtime(briefing.published_at).strftime("%Y-%m-%d %H:%M") if briefing.published_at else ""
        raise DomainError(
            f"该调度通报已于 {when} 发布（{briefing.number_text}），不能重复发布或修改",
            code="already_published",
            status=409,
        )
    if briefing.status == BriefingStatus.GENERATING:
        raise DomainError("通报正在生成，请稍候再操作", code="generating", status=409)
    if briefing.status == BriefingStatus.FAILED:
        raise DomainError("通报生成失败，请重新生成", code="generation_failed", status=409)


def clean_sections(sections: Any) -> list[dict[str, str]]:
    """Sections as the writer left them: headings ≤ 60 characters, empty sections dropped, some text required."""
    if not isinstance(sections, list) or len(sections) > MAX_SECTIONS:
        raise DomainError(f"正文最多 {MAX_SECTIONS} 个部分", code="invalid_sections")
    cleaned = []
    for section in sections:
        if not isinstance(section, dict):
            raise DomainError("正文格式不正确", code="invalid_sections")
        heading = str(section.get("heading") or "").strip()
        text = str(section.get("text") or "").replace("\r\n", "\n").strip()
        if len(heading) > 60:
            raise DomainError(f"小标题“{heading[:20]}…”超过 60 字", code="heading_too_long")
        if heading or text:
            cleaned.append({"heading": heading, "text": text})
    if not any(s["text"] for s in cleaned):
        raise DomainError("正文不能为空", code="body_required")
    if sum(len(s["heading"]) + len(s["text"]) for s in cleaned) > MAX_BODY:
        raise DomainError(f"正文不能超过 {MAX_BODY} 字", code="body_too_long")
    return cleaned


def update_briefing(
    *,
    actor: User,
    briefing: Briefing,
    title: str,
    addressee: str,
    sections: Any,
    copy_to: str,
    version: int | None,
) -> Briefing:
    """The writer's edit of a generated draft: title, 主送机关, sections, 抄送 (optimistic locking)."""
    if not can(actor, "briefing.change", briefing.unit):
        raise Forbidden("您没有修改该调度通报的权限")
    title, addressee, copy_to = title.strip(), addressee.strip(), copy_to.strip()
    if not title:
        raise DomainError("标题不能为空", code="title_required")
    if len(title) > 200:
        raise DomainError("标题不能超过 200 字", code="title_too_long")
    if len(addressee) > 300 or len(copy_to) > 300:
        raise DomainError("主送机关、抄送各不超过 300 字", code="too_long")
    cleaned = clean_sections(sections)
    with transaction.atomic():
        fresh = _locked(briefing)
        _refuse_unless_draft(fresh)
        check_version(fresh, version)
        before = snapshot(fresh, EDIT_FIELDS)
        fresh.title, fresh.addressee, fresh.sections, fresh.copy_to = title, addressee, cleaned, copy_to
        bump(fresh, ["title", "addressee", "sections", "copy_to"])
        record_change(
            actor=actor,
            action="update",
            obj=fresh,
            unit_path=fresh.unit.path,
            before=before,
            after=snapshot(fresh, EDIT_FIELDS),
        )
    return fresh


def recipients_of(briefing: Briefing) -> list[OrgUnit]:
    """The units concerned: the first-level units of its scope and every unit it names."""
    units = {u.pk: u for u in scope_of(briefing.unit, briefing.campaign).units}
    named = {int(row["unit"]) for rows in briefing.figures.get("lists", {}).values() for row in rows}
    missing = named - set(units)
    if missing:
        for unit in OrgUnit.objects.filter(pk__in=missing, is_closed=False, path__under=briefing.unit.path):
            units[unit.pk] = unit
    return sorted(units.values(), key=lambda u: u.path)


def publish_briefing(*, actor: User, briefing: Briefing, version: int | None) -> Briefing:
    """Give it the next 发文字号 of the issuing unit's prefix and year and send it to the units concerned, whose
    heads confirm reading. A second publication is refused."""
    if not can(actor, "briefing.change", briefing.unit):
        raise Forbidden("您没有发布该调度通报的权限")
    with transaction.atomic():
        fresh = _locked(briefing)
        _refuse_unless_draft(fresh)
        check_version(fresh, version)
        if not fresh.title.strip() or not fresh.body_text.strip():
            raise DomainError("标题和正文都不能为空", code="text_required")
        profile = profile_for(fresh.unit)
        now = timezone.now()
        year = timezone.localdate(now).year
        issued = allocate(prefix=profile.doc_prefix, year=year, object_type="briefings.briefing", object_id=fresh.pk)
        fresh.doc_prefix, fresh.doc_year, fresh.doc_number = issued.prefix, issued.year, issued.number
        fresh.masthead, fresh.printer = profile.masthead, profile.printer
        units = recipients_of(fresh)
        named = {int(row["unit"]) for rows in fresh.figures.get("lists", {}).values() for row in rows}
        BriefingRecipient.objects.bulk_create(
            [BriefingRecipient(briefing=fresh, unit=u, is_named=u.pk in named) for u in units]
        )
        fresh.status = BriefingStatus.PUBLISHED
        fresh.published_by, fresh.published_at = actor, now
        bump(
            fresh,
            ["doc_prefix", "doc_year", "doc_number", "masthead", "printer", "status", "published_by", "published_at"],
        )
        record_change(
            actor=actor,
            action="publish",
            obj=fresh,
            unit_path=fresh.unit.path,
            before={"status": BriefingStatus.DRAFT},
            after={"status": fresh.status, "number": fresh.number_text, "recipients": len(units)},
        )
    return fresh


def confirm_read(*, actor: User, recipient: BriefingRecipient) -> BriefingRecipient:
    """The head of the receiving unit confirms reading; confirming again changes nothing."""
    acting = acting_assignment(actor)
    if acting is None or not can(actor, "briefing.confirm", recipient.unit) or acting.unit.path != recipient.unit.path:
        raise Forbidden("由接收单位的负责人（校长、区县教育局）确认已阅")
    with transaction.atomic():
        changed = BriefingRecipient.objects.filter(pk=recipient.pk, read_at__isnull=True).update(
            read_at=timezone.now(), read_by=actor
        )
        if changed:
            recipient.refresh_from_db()
            record_change(
                actor=actor,
                action="confirm_read",
                obj=recipient.briefing,
                unit_path=recipient.unit.path,
                after={"unit": recipient.unit.name},
            )
    return recipient


def read_counts(briefing: Briefing) -> dict[str, int]:
    return BriefingRecipient.objects.filter(briefing=briefing).aggregate(
        total=Count("id"), read=Count("id", filter=Q(read_at__isnull=False))
    )

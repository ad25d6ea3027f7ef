"""通报: generate a bulletin from a round's figures, edit its text, publish it to the schools, confirm reading."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.core import docnumbers
from dudao.core.errors import DomainError, Forbidden, check_version
from dudao.core.locking import bump
from dudao.dashboard.models import Bulletin, BulletinNumbering, BulletinRecipient, BulletinStatus
from dudao.inspections.models import Finding, Inspection, InspectionStatus, Target, TargetStatus
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can
from dudao.rectification.models import ItemStatus, RectificationItem

DEFAULT_THRESHOLD = 3
BULLETIN_FIELDS = ["title", "body", "threshold", "status"]


def round_figures(inspection: Inspection, threshold: int) -> dict[str, Any]:
    """The numbers a bulletin reports, computed from the round's findings and their ledger items."""
    targets = Target.objects.filter(inspection=inspection, status=TargetStatus.SUBMITTED).select_related("school")
    inspected = [t.school for t in targets]
    findings = Finding.objects.filter(inspection=inspection)
    by_category = list(findings.order_by().values("category").annotate(n=Count("id")).order_by("-n", "category"))
    per_school = dict(
        findings.order_by().values_list("school_id").annotate(n=Count("id")).values_list("school_id", "n")
    )
    items = RectificationItem.objects.filter(inspection=inspection)
    width = OrgUnit.steplen * 2
    districts: dict[str, dict[str, Any]] = defaultdict(lambda: {"items": 0, "closed": 0, "days": 0.0})
    for path, status, created, closed in items.values_list("school__path", "status", "created_at", "closed_at"):
        row = districts[path[:width]]
        row["items"] += 1
        if status == ItemStatus.CLOSED and closed:
            row["closed"] += 1
            row["days"] += (closed - created).total_seconds() / 86400
    names = dict(OrgUnit.objects.filter(path__in=list(districts)).values_list("path", "name"))
    by_district = [
        {
            "district": names.get(path, "直属"),
            "items": row["items"],
            "closed": row["closed"],
            "close_rate": round(100 * row["closed"] / row["items"], 1) if row["items"] else 0.0,
            "avg_days": round(row["days"] / row["closed"], 1) if row["closed"] else None,
        }
        for path, row in sorted(districts.items())
    ]
    named = sorted(
        ({"school": s.name, "count": per_school[s.pk]} for s in inspected if per_school.get(s.pk, 0) >= threshold),
        key=lambda row: (-row["count"], row["school"]),
    )
    clean = sorted(s.name for s in inspected if not per_school.get(s.pk))
    scores = [t.percent for t in targets if t.percent is not None]
    return {
        "schools": len(inspected),
        "findings": sum(per_school.values()),
        "by_category": [{"category": r["category"], "count": r["n"]} for r in by_category],
        "by_district": by_district,
        "named": named,
        "clean": clean[:20],
        "average_score": float(sum(scores) / len(scores)) if scores else None,
    }


def draft_text(inspection: Inspection, figures: dict[str, Any], threshold: int) -> str:
    """The customary five-part bulletin, ready to edit."""
    lines = [
        "一、基本情况",
        f"{inspection.starts_on:%Y年%-m月%-d日}至{inspection.ends_on:%-m月%-d日}，"
        f"{inspection.unit.name}组织开展{inspection.name}（{inspection.get_kind_display()}），"
        f"共检查学校 {figures['schools']} 所，发现问题 {figures['findings']} 个"
        + (f"，平均得分率 {figures['average_score']:.1f}%" if figures["average_score"] is not None else "")
        + "。",
        "",
        "二、主要问题",
    ]
    for number, row in enumerate(figures["by_category"], start=1):
        lines.append(f"{number}. {row['category']}：{row['count']} 个。")
    lines += ["", "三、整改进展"]
    for row in figures["by_district"]:
        days = f"，平均 {row['avg_days']} 天完成整改" if row["avg_days"] is not None else ""
        lines.append(
            f"{row['district']}：问题 {row['items']} 个，已销号 {row['closed']} 个，销号率 {row['close_rate']}%{days}。"
        )
    lines += ["", f"四、问题较多的单位（{threshold} 个及以上）"]
    if figures["named"]:
        lines += [f"{row['school']}（{row['count']} 个）" for row in figures["named"]]
        lines.append("以上单位须于 3 个工作日内报送整改方案，主要负责同志要亲自抓、负总责。")
    else:
        lines.append("无。")
    if figures["clean"]:
        lines += ["", "对未发现问题的单位予以通报表扬：" + "、".join(figures["clean"]) + "。"]
    lines += [
        "",
        "五、下一步要求",
        "各单位要对照问题清单，落实定人员、定职责、定时间、定进度，实行销号管理，倒排工期、挂图作战，"
        "做到日结日清。不回避矛盾、不放过问题、不降低标准、不拖延时间、不蒙混过关，严禁弄虚作假。",
    ]
    return "\n".join(lines)


def generate_bulletin(
    *, actor: User, inspection: Inspection, threshold: int = DEFAULT_THRESHOLD, title: str = ""
) -> Bulletin:
    if not can(actor, "bulletin.change", inspection.unit):
        raise Forbidden("您没有为本轮督查起草通报的权限")
    if not 1 <= threshold <= 99:
        raise DomainError("点名通报的问题数应在 1 到 99 之间", code="invalid_threshold")
    if inspection.status not in (InspectionStatus.FINISHED, InspectionStatus.PUBLISHED):
        raise DomainError("本轮督查尚未结束，还不能生成通报", code="round_not_finished", status=409)
    if inspection.is_hidden_from_schools:
        # A bulletin goes to the schools: it would reveal the unannounced round before its results are out.
        raise DomainError("暗访轮次须先发布结果，才能生成通报", code="round_not_published", status=409)
    figures = round_figures(inspection, threshold)
    with transaction.atomic():
        bulletin = Bulletin.objects.create(
            inspection=inspection,
            unit=inspection.unit,
            title=(title.strip() or f"关于{inspection.name}情况的通报")[:200],
            body=draft_text(inspection, figures, threshold),
            threshold=threshold,
            figures=figures,
            created_by=actor,
        )
        record_change(
            actor=actor,
            action="create",
            obj=bulletin,
            unit_path=inspection.unit.path,
            after={**snapshot(bulletin, ["title", "threshold"]), "named": [r["school"] for r in figures["named"]]},
        )
    return bulletin


def _locked(bulletin: Bulletin, version: int | None) -> Bulletin:
    fresh = Bulletin.objects.select_for_update().select_related("unit", "inspection").get(pk=bulletin.pk)
    check_version(fresh, version)
    return fresh


def update_bulletin(*, actor: User, bulletin: Bulletin, title: str, body: str, version: int | None) -> Bulletin:
    if not can(actor, "bulletin.change", bulletin.unit):
        raise Forbidden("您没有修改该通报的权限")
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise DomainError("标题和正文都不能为空", code="text_required")
    if len(body) > 20000:
        raise DomainError("正文不能超过 20000 字", code="body_too_long")
    with transaction.atomic():
        bulletin = _locked(bulletin, version)
        if bulletin.status == BulletinStatus.PUBLISHED:
            raise DomainError("通报已发布，不能再修改", code="already_published", status=409)
        before = snapshot(bulletin, BULLETIN_FIELDS)
        bulletin.title, bulletin.body = title[:200], body
        bump(bulletin, ["title", "body"])
        record_change(
            actor=actor,
            action="update",
            obj=bulletin,
            unit_path=bulletin.unit.path,
            before=before,
            after=snapshot(bulletin, BULLETIN_FIELDS),
        )
    return bulletin


def publish_bulletin(*, actor: User, bulletin: Bulletin, version: int | None) -> Bulletin:
    """Send it to every inspected school; their principals confirm reading."""
    if not can(actor, "bulletin.change", bulletin.unit):
        raise Forbidden("您没有发布该通报的权限")
    with transaction.atomic():
        bulletin = _locked(bulletin, version)
        if bulletin.status == BulletinStatus.PUBLISHED:
            raise DomainError("通报已经发布", code="already_published", status=409)
        schools = Target.objects.filter(inspection=bulletin.inspection).values_list("school_id", flat=True)
        BulletinRecipient.objects.bulk_create([BulletinRecipient(bulletin=bulletin, school_id=s) for s in schools])
        bulletin.status = BulletinStatus.PUBLISHED
        bulletin.published_by = actor
        bulletin.published_at = timezone.now()
        # Inside the publishing transaction and after the status check: a second publish is refused above, a
        # refused one gives its number back.
        issued = docnumbers.allocate(
            prefix=numbering_prefix(bulletin.unit),
            year=timezone.localdate(bulletin.published_at).year,
            object_type="dashboard.bulletin",
            object_id=bulletin.pk,
        )
        bulletin.number_text = docnumbers.format_number(issued.prefix, issued.year, issued.number)
        bump(bulletin, ["status", "published_by", "published_at", "number_text"])
        record_change(
            actor=actor,
            action="publish",
            obj=bulletin,
            unit_path=bulletin.unit.path,
            before={"status": BulletinStatus.DRAFT, "number_text": ""},
            after={"status": bulletin.status, "recipients": len(schools), "number_text": bulletin.number_text},
        )
    return bulletin


def confirm_read(*, actor: User, recipient: BulletinRecipient) -> BulletinRecipient:
    if not can(actor, "bulletin.read", recipient.school) or not can(actor, "rectification.assign", recipient.school):
        raise Forbidden("由校长或学校管理员确认已阅")
    with transaction.atomic():
        changed = BulletinRecipient.objects.filter(pk=recipient.pk, read_at__isnull=True).update(
            read_at=timezone.now(), read_by=actor
        )
        if changed:
            recipient.refresh_from_db()
            record_change(
                actor=actor,
                action="confirm_read",
                obj=recipient.bulletin,
                unit_path=recipient.school.path,
                after={"school": recipient.school.name},
            )
    return recipient


def read_counts(bulletin: Bulletin) -> dict[str, int]:
    return BulletinRecipient.objects.filter(bulletin=bulletin).aggregate(
        total=Count("id"), read=Count("id", filter=Q(read_at__isnull=False))
    )


def default_prefix(unit: OrgUnit) -> str:
    """临江教督通: the unit's short name without 教育局 (临江市教育局 → 临江, 江东区教育局 → 江东区) + 教督通."""
    base = (unit.short_name or "").removesuffix("教育局")
    if len(base) < 2:  # a short name like 市教育局 says nothing: take the full name
        base = unit.name.removesuffix("教育局").removesuffix("市")
    for candidate in (base, unit.name[:1]):
        try:
            return docnumbers.check_prefix(f"{candidate}教督通")
        except DomainError:
            continue
    return "教督通"


def numbering_prefix(unit: OrgUnit) -> str:
    """The prefix the unit's bulletins are numbered with: its saved setting, else the default."""
    saved = BulletinNumbering.objects.filter(unit=unit).values_list("prefix", flat=True).first()
    return saved or default_prefix(unit)


def numbering_for(unit: OrgUnit) -> BulletinNumbering:
    """The unit's saved setting, or an unsaved one holding the default prefix."""
    return BulletinNumbering.objects.filter(unit=unit).first() or BulletinNumbering(
        unit=unit, prefix=default_prefix(unit)
    )


def save_numbering(*, actor: User, unit: OrgUnit, prefix: str, version: int | None) -> BulletinNumbering:
    """Set the 发文字号 prefix of the unit's bulletins (numbers already given keep theirs)."""
    if not can(actor, "bulletin.change", unit):
        raise Forbidden("您没有修改该单位通报发文字号的权限")
    prefix = docnumbers.check_prefix(prefix)
    with transaction.atomic():
        existing = BulletinNumbering.objects.select_for_update().filter(unit=unit).first()
        if existing is not None:
            if existing.prefix == prefix:  # a second click of the same form: nothing to change
                return existing
            check_version(existing, version)
            before = {"prefix": existing.prefix}
            existing.prefix, existing.updated_by, existing.updated_at = prefix, actor, timezone.now()
            bump(existing, ["prefix", "updated_by", "updated_at"])
            saved = existing
        else:
            before = {"prefix": default_prefix(unit)}
            saved = BulletinNumbering.objects.create(unit=unit, prefix=prefix, updated_by=actor)
        record_change(
            actor=actor, action="update", obj=saved, unit_path=unit.path, before=before, after={"prefix": prefix}
        )
    return saved

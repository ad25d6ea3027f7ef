"""Raising a problem by form against any responsible unit (学校、区县教育局、科室), from any source."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change
from dudao.core.errors import DomainError, Forbidden
from dudao.orgs.models import OrgUnit
from dudao.rectification import rules
from dudao.rectification.models import ItemSource, PhotoStage, RectificationItem, StepKind
from dudao.rectification.services import MAX_PHOTOS_PER_STEP, _store_photos, create_items
from dudao.rectification.sources import finding_source

SEVERITIES = {"general": "一般", "serious": "严重"}
MAX_DAYS_AHEAD = 366


@dataclass
class NewProblem:
    """What the form or the API hands over; `school` is the responsible unit (the port's word)."""

    school: OrgUnit
    category: str
    description: str
    severity: str
    due_limit: dt.date
    source: str  # the finding's free-text source: the reference, else the source's label


def source_label(source: str) -> str:
    return str(dict(ItemSource.choices).get(source, source))


def check_problem(
    *, category: str, description: str, severity: str, source: str, source_ref: str, due_limit: dt.date
) -> None:
    """The rules a problem meets whichever way it arrives (form, API, Excel row), with Chinese messages."""
    if source not in ItemSource.values:
        raise DomainError("请选择问题来源", code="source_invalid")
    if not description.strip():
        raise DomainError("请填写存在的问题", code="description_required")
    if len(description.strip()) > 500:
        raise DomainError("问题描述不能超过 500 字", code="description_too_long")
    if len(category.strip()) > 100:
        raise DomainError("问题类别不能超过 100 字", code="category_too_long")
    if len(source_ref.strip()) > 100:
        raise DomainError("来源说明不能超过 100 字", code="source_ref_too_long")
    if severity not in SEVERITIES:
        raise DomainError("问题等级应为一般或严重", code="severity_invalid")
    today = timezone.localdate()
    if due_limit < today:
        raise DomainError("整改时限不能早于今天", code="due_date_in_past")
    if due_limit > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise DomainError("整改时限不能超过一年", code="due_date_too_far")


def check_raiser(actor: User, unit: OrgUnit, source: str) -> None:
    if rules.may_raise(actor, unit, source):
        return
    if unit.kind not in rules.RESPONSIBLE_KINDS:
        raise DomainError("责任单位应是学校、区县教育局或科室", code="unit_kind_invalid")
    if unit.is_closed:
        raise DomainError(f"{unit.name}已撤销，不能再登记问题", code="unit_closed")
    if source == ItemSource.SELF_CHECK:
        raise Forbidden("自查问题由学校校长或学校管理员登记")
    raise Forbidden("您没有为该单位登记问题的权限")


def raise_problem(
    *,
    actor: User,
    unit: OrgUnit,
    source: str,
    source_ref: str = "",
    category: str,
    description: str,
    severity: str = "general",
    due_limit: dt.date,
    photos: Sequence[tuple[IO[bytes], str]] = (),
) -> RectificationItem:
    """One problem against `unit`: its finding record (through the port), its ledger item due on the limit, the
    "before" photos, one audit event. The unit's people then do 四定 as for any item."""
    check_raiser(actor, unit, source)
    check_problem(
        category=category,
        description=description,
        severity=severity,
        source=source,
        source_ref=source_ref,
        due_limit=due_limit,
    )
    if len(photos) > MAX_PHOTOS_PER_STEP:
        raise DomainError(f"一次最多上传 {MAX_PHOTOS_PER_STEP} 张照片", code="too_many_photos")
    source_ref = source_ref.strip()
    problem = NewProblem(
        school=unit,
        category=category.strip() or "其他",
        description=description.strip(),
        severity=severity,
        due_limit=due_limit,
        source=(source_ref or source_label(source))[:100],
    )
    with transaction.atomic():
        # A second tap on 提交 (or a retried request) finds the problem just raised instead of raising it twice.
        OrgUnit.objects.select_for_update().filter(pk=unit.pk).first()
        twin = RectificationItem.objects.filter(
            school=unit,
            description=problem.description,
            source=source,
            source_ref=source_ref,
            created_at__gte=timezone.now() - dt.timedelta(minutes=10),
            steps__kind=StepKind.CREATED,
            steps__actor=actor,
        ).first()
        if twin is not None:
            return twin
        (finding,) = finding_source().record_handed_over(actor=actor, findings=[problem])
        (item,) = create_items(actor=actor, findings=[finding], audit=False, sources=[(source, source_ref)])
        created = item.steps.get(kind=StepKind.CREATED)
        files = _store_photos(actor, item, created, PhotoStage.BEFORE, photos)
        record_change(
            actor=actor,
            action="raise",
            obj=item,
            unit_path=unit.path,
            after={
                "unit": unit.name,
                "source": source,
                "source_ref": source_ref,
                "category": problem.category,
                "description": problem.description,
                "severity": severity,
                "due_limit": due_limit.isoformat(),
                "photos": [f.pk for f in files],
            },
        )
    return item

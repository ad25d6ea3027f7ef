"""The receipts export: one row per student, phones masked (the file leaves the system)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from dudao.notices.models import Notice, Receipt
from dudao.notices.services import mask_guardian_phone

HEADERS = ["学校", "班级", "学生", "监护人", "手机（脱敏）", "状态", "确认时间", "确认方式", "登记人", "回答"]
WIDTHS = [24, 16, 10, 16, 16, 8, 20, 10, 10, 40]


def rows(notice: Notice, receipts: QuerySet[Receipt]) -> Iterator[list[Any]]:
    from dudao.orgs.models import OrgUnit

    labels = {q["key"]: q["label"] for q in notice.questions}
    qs = receipts.select_related("student", "klass", "confirmed_by").prefetch_related("student__guardians")
    schools: dict[int, str] = {}
    tz = timezone.get_current_timezone()
    for receipt in qs.order_by("school_id", "klass__path", "student__name").iterator(chunk_size=2000):
        if receipt.school_id not in schools:
            schools[receipt.school_id] = (
                OrgUnit.objects.filter(pk=receipt.school_id).values_list("name", flat=True).first() or ""
            )
        guardians = list(receipt.student.guardians.all())
        yield [
            schools[receipt.school_id],
            receipt.klass.name,
            receipt.student.name,
            "、".join(f"{g.name}（{g.get_relation_display()}）" for g in guardians),
            "、".join(mask_guardian_phone(g.phone) for g in guardians),
            "已确认" if receipt.confirmed_at else "未确认",
            receipt.confirmed_at.astimezone(tz).replace(tzinfo=None) if receipt.confirmed_at else None,
            receipt.get_channel_display() if receipt.channel else "",
            receipt.confirmed_by.display_name if receipt.confirmed_by else "",
            "；".join(f"{labels.get(k, k)}：{v}" for k, v in receipt.answers.items()),
        ]

"""意见建议、投诉举报: items from the public form, the hotline and forwarded 12345 tickets.

The bureau's office (科室人员 at the bureau) receives every item, routes it to the responsible unit (a school, a
district bureau or an office) with a deadline, and accepts or sends back the unit's reply; the complainant reads
the accepted reply through a private tracking link and rates it. Visibility follows the responsible unit (`unit`):
the office at the bureau sees all items, a school only those routed to it. The complainant's name and phone are
read only by the office (`complaint.identity`), and every read of them is an access event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.utils import timezone

from dudao.core.crypto import EncryptedTextField
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import ScopedQuerySetMixin


class Kind(models.TextChoices):
    COMPLAINT = "complaint", "投诉举报"
    SUGGESTION = "suggestion", "意见建议"


class Category(models.TextChoices):
    TUTORING = "tutoring", "恶意补课/有偿家教"
    FEES = "fees", "乱收费"
    ETHICS = "ethics", "师德师风"
    SAFETY = "safety", "校园安全"
    FOOD = "food", "食品安全"
    BULLYING = "bullying", "校园欺凌"
    ADMISSION = "admission", "招生入学"
    OTHER = "other", "其他"


class Channel(models.TextChoices):
    WEB = "web", "网上信箱"
    HOTLINE = "hotline", "电话受理"
    HOTLINE_12345 = "12345", "12345 转办"


class Status(models.TextChoices):
    RECEIVED = "received", "待分办"
    ROUTED = "routed", "办理中"
    REPLIED = "replied", "待审核"
    ANSWERED = "answered", "已答复"
    CLOSED = "closed", "已办结"


class Rating(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY = "basically", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"


# Waiting for the responsible unit's reply: these become 逾期 after the deadline.
AWAITING_REPLY = (Status.ROUTED,)
OPEN_STATUSES = (Status.RECEIVED, Status.ROUTED, Status.REPLIED)
OVERDUE_LABEL = "逾期未答复"


class ComplaintQuerySet(ScopedQuerySetMixin, models.QuerySet["Complaint"]):
    """Items whose responsible unit is in the viewer's subtree (the bureau's office: every item)."""

    scope_resource = "complaint"
    scope_path = "unit__path"

    def overdue(self, today: dt.date | None = None) -> Self:
        return self.filter(status__in=AWAITING_REPLY, deadline__lt=today or timezone.localdate())

    def open(self) -> Self:
        return self.filter(status__in=OPEN_STATUSES)


class Complaint(models.Model):
    year = models.PositiveSmallIntegerField("年度")
    seq = models.PositiveIntegerField("序号")
    kind = models.CharField("类型", max_length=12, choices=Kind.choices, default=Kind.COMPLAINT)
    category = models.CharField("类别", max_length=12, choices=Category.choices)
    channel = models.CharField("来源", max_length=8, choices=Channel.choices)
    title = models.CharField("标题", max_length=100)
    # Encrypted at rest (`core.crypto`): the matter may name children, teachers and the complainant.
    content = EncryptedTextField("内容")
    # The school or place the item is about, as the complainant wrote it (free text; routing decides the unit).
    about = models.CharField("涉及学校或单位", max_length=100, blank=True)
    # The complainant (confidential: `complaint.identity` only). Empty when anonymous.
    is_anonymous = models.BooleanField("匿名", default=False)
    # Encrypted at rest; the forms and the importer keep the lengths (30 and 20 characters).
    name = EncryptedTextField("姓名", blank=True)
    phone = EncryptedTextField("联系电话", blank=True)
    # The 12345 platform's ticket number of a forwarded item.
    external_no = models.CharField("12345 工单号", max_length=40, blank=True)
    # The bureau that received the item (its office routes it) and the unit answering it now.
    intake_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="受理单位")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="承办单位")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.RECEIVED)
    received_at = models.DateTimeField("受理时间", default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deadline = models.DateField("答复时限", null=True, blank=True)
    routed_at = models.DateTimeField(null=True, blank=True)
    routed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The latest reply; every reply and send-back stays in the steps.
    reply = models.TextField("答复内容", blank=True)
    measures = models.TextField("整改措施", blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The first reply's date decides "on time" (a reply sent back and answered again still counts from the first).
    first_replied_on = models.DateField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    rating = models.CharField("满意度", max_length=12, choices=Rating.choices, blank=True)
    rating_comment = models.CharField("评价意见", max_length=500, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    reopened = models.BooleanField("已重新办理", default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # A form's one-time key: the same submission twice returns the first item.
    request_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    version = models.PositiveIntegerField(default=1)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = "投诉建议"
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["year", "seq"], name="complaint_number_unique")]
        indexes = [
            models.Index(fields=["status", "deadline"], name="complaint_due_idx"),
            models.Index(fields=["unit", "status"], name="complaint_unit_idx"),
            models.Index(fields=["received_at"], name="complaint_received_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        """受理编号: TS2026-000123 (yearly sequence)."""
        return f"TS{self.year}-{self.seq:06d}"

    def is_overdue_on(self, today: dt.date) -> bool:
        return self.status in AWAITING_REPLY and self.deadline is not None and self.deadline < today

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())

    @property
    def days_overdue(self) -> int:
        return (timezone.localdate() - self.deadline).days if self.is_overdue and self.deadline else 0

    @property
    def status_label(self) -> str:
        return OVERDUE_LABEL if self.is_overdue else self.get_status_display()

    @property
    def is_rated(self) -> bool:
        return bool(self.rating)


class ComplaintSeries(models.Model):
    """The last number given in a year; locked while the next item is numbered."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class StepKind(models.TextChoices):
    RECEIVED = "received", "受理"
    ROUTED = "routed", "分办"
    REPLIED = "replied", "承办单位答复"
    RETURNED = "returned", "退回重办"
    ANSWERED = "answered", "审核通过并答复群众"
    RATED = "rated", "群众评价"
    REOPENED = "reopened", "不满意，重新办理"
    CLOSED = "closed", "办结"
    ESCALATED = "escalated", "逾期督办"


class ComplaintStep(models.Model):
    """One event in an item's life with what was said. Steps with `public` are shown to the complainant."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=10, choices=StepKind.choices)
    text = models.TextField(blank=True)
    unit = models.ForeignKey(OrgUnit, null=True, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    files: models.ManyToManyField[Any, Any] = models.ManyToManyField("core.StoredFile", blank=True, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"

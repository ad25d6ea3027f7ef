"""督办单, 问责 and 通报表扬: the consequences the command layer records.

A supervision order (督办单) goes from a bureau or district bureau to a unit below it, names the facts (overdue
ledger items, late reports, unacknowledged directives, health alerts) and a deadline, and is answered by the unit.
Accountability records (问责) and commendations (通报表扬) name a unit or a person, the reason and its evidence,
who decided and when, and may carry points that an appraisal scheme deducts or adds.

Visibility follows the subject: a unit sees what concerns it and everything below it, never a sibling's. A
person's accountability record is read only by the head of the person's unit and the units above (every read is an
access event, see `services.records.log_read`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Self

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dudao.orgs.models import OrgUnit
from dudao.orgs.roles import Role
from dudao.orgs.scoping import ScopedQuerySetMixin, acting_assignment, scope_root_path


class OrderStatus(models.TextChoices):
    ISSUED = "issued", "已下达"
    SIGNED = "signed", "已签收"
    RESPONDED = "responded", "已反馈"
    CLOSED = "closed", "已办结"


# Still waiting for the receiving unit: these become 逾期 after the deadline.
OPEN_STATUSES = (OrderStatus.ISSUED, OrderStatus.SIGNED)
OVERDUE_LABEL = "逾期"


class FactKind(models.TextChoices):
    """What a 督办单 or a record may link to as its facts or evidence (see `sources`)."""

    RECTIFICATION_ITEM = "rectification_item", "整改问题"
    SUBMISSION = "submission", "报送任务"
    DIRECTIVE_TARGET = "directive_target", "未签收的通知"
    HEALTH_ALERT = "health_alert", "疫情预警"
    SUPERVISION_ORDER = "supervision_order", "督办单"


class OrderQuerySet(ScopedQuerySetMixin, models.QuerySet["SupervisionOrder"]):
    """Orders addressed to a unit in the viewer's subtree: the issuer above sees them, the receiver sees its own,
    a sibling never does."""

    scope_resource = "supervision"
    scope_path = "target__path"

    def overdue(self, today: dt.date | None = None) -> Self:
        return self.filter(status__in=OPEN_STATUSES, deadline__lt=today or timezone.localdate())


class SupervisionOrder(models.Model):
    issuer = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="督办单位")
    year = models.PositiveSmallIntegerField("年度")
    seq = models.PositiveIntegerField("序号")
    subject = models.CharField("督办事项", max_length=120)
    body = models.TextField("督办内容及要求")
    target = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="承办单位")
    deadline = models.DateField("办结时限")
    status = models.CharField("状态", max_length=10, choices=OrderStatus.choices, default=OrderStatus.ISSUED)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    # The latest answer (办结报告); every answer and send-back stays in the steps.
    response = models.TextField("办理情况", blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # Set once by the daily escalation when the deadline passed without an answer (催办 went up the tree).
    escalated_at = models.DateTimeField(null=True, blank=True)
    # The issuing form's one-time key (or the API client's idempotency key): a second submission by the same person
    # with the same key returns the first order.
    request_key = models.CharField(max_length=64, null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = "督办单"
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "year", "seq"], name="supervision_order_number_unique"),
            models.UniqueConstraint(fields=["issued_by", "request_key"], name="supervision_order_request_once"),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="supervision_order_due_idx"),
            models.Index(fields=["target", "status"], name="supervision_order_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def number(self) -> str:
        """文号: 督办〔2026〕3号 (yearly sequence of the issuing unit, no leading zeros)."""
        return f"督办〔{self.year}〕{self.seq}号"

    def is_overdue_on(self, today: dt.date) -> bool:
        return self.status in OPEN_STATUSES and self.deadline < today

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())

    @property
    def days_overdue(self) -> int:
        return (timezone.localdate() - self.deadline).days if self.is_overdue else 0

    @property
    def status_label(self) -> str:
        """The status shown: 逾期 is computed (still unanswered after the deadline), never stored."""
        return OVERDUE_LABEL if self.is_overdue else self.get_status_display()


class OrderSeries(models.Model):
    """The last number an issuing unit gave in a year; locked while the next order is numbered."""

    issuer = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "year"], name="supervision_series_unique")]

    def __str__(self) -> str:
        return f"{self.issuer_id} {self.year}: {self.last}"


class StepKind(models.TextChoices):
    ISSUED = "issued", "下达"
    SIGNED = "signed", "签收"
    RESPONDED = "responded", "反馈办理情况"
    RETURNED = "returned", "退回重办"
    CLOSED = "closed", "办结"
    ESCALATED = "escalated", "逾期上报"


class OrderStep(models.Model):
    """One event in an order's life, with what was said (the answer, the reason for sending it back)."""

    order = models.ForeignKey(SupervisionOrder, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=10, choices=StepKind.choices)
    text = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    files: models.ManyToManyField[Any, Any] = models.ManyToManyField("core.StoredFile", blank=True, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"


class Link(models.Model):
    """A fact or a piece of evidence: a row of another module, with its description and unit as they were when
    linked (the printed order still reads right when the row changes or the reader cannot open the module)."""

    kind = models.CharField("类型", max_length=20, choices=FactKind.choices)
    object_id = models.PositiveBigIntegerField()
    label = models.CharField("说明", max_length=300)
    unit = models.ForeignKey(OrgUnit, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label


class OrderFact(Link):
    order = models.ForeignKey(SupervisionOrder, on_delete=models.CASCADE, related_name="facts")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "kind", "object_id"], name="supervision_fact_once"),
        ]


class AccountabilityForm(models.Model):
    """问责形式: a configurable list (约谈, 通报批评, 责令整改, 诫勉谈话, 组织处理 to start with)."""

    name = models.CharField("问责形式", max_length=30, unique=True)
    order = models.PositiveSmallIntegerField("排序", default=100)
    is_active = models.BooleanField("启用", default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "问责形式"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


# The roles that head a unit: they read the confidential records of their own unit's people. Everyone else with
# `accountability.read` reads a person's records only from a unit above the person's.
HEADS_OF_PEOPLE = frozenset({Role.BUREAU_LEADER, Role.DISTRICT_ADMIN, Role.PRINCIPAL})


class DecisionQuerySet(models.QuerySet[Any]):
    def for_user(self, user: Any | AnonymousUser, action: str = "read") -> Self:
        """Reading: records about a unit in the viewer's subtree (the subject and upward, never sideways), a
        person's record only for the head of their unit and above. Changing (revoking): records decided by a unit in
        the viewer's subtree."""
        root = scope_root_path(user, f"accountability.{action}")
        if root is None:
            return self.none()
        assignment = acting_assignment(user)
        qs = self.filter(subject_unit__path__under=root)
        if action != "read":
            qs = qs.filter(deciding_unit__path__under=root)
        if assignment is None or assignment.role not in HEADS_OF_PEOPLE:
            qs = qs.exclude(Q(subject_person__isnull=False) & Q(subject_unit__path=root))
        return qs


class Decision(models.Model):
    """What 问责 and 通报表扬 share: the subject (a unit, or a person with their unit), reason, who decided and when."""

    subject_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="对象单位")
    # A person (with the unit they belonged to when decided), or none for a unit.
    subject_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="对象个人",
    )
    reason = models.TextField("事由")
    deciding_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="决定单位")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="决定人"
    )
    decided_on = models.DateField("决定日期")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.CharField("撤销原因", max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-decided_on", "-id"]

    @property
    def subject_name(self) -> str:
        if self.subject_person_id:
            return f"{self.subject_unit.name} {self.subject_person.display_name}"  # type: ignore[union-attr]
        return self.subject_unit.name

    @property
    def is_person(self) -> bool:
        return self.subject_person_id is not None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class AccountabilityRecord(Decision):
    form = models.ForeignKey(AccountabilityForm, on_delete=models.PROTECT, related_name="+", verbose_name="问责形式")
    # Points an appraisal scheme deducts from the subject unit (`selectors.adjustments`).
    deduction = models.DecimalField("扣分", max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta(Decision.Meta):
        verbose_name = "问责记录"
        indexes = [models.Index(fields=["decided_on"], name="accountability_decided_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(deduction__isnull=True) | Q(deduction__gt=Decimal(0)), name="accountability_deduction_pos"
            )
        ]

    def __str__(self) -> str:
        return f"{self.form} · {self.subject_unit}"


class Commendation(Decision):
    title = models.CharField("表扬事项", max_length=120)
    bonus = models.DecimalField("加分", max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta(Decision.Meta):
        verbose_name = "通报表扬"
        indexes = [models.Index(fields=["decided_on"], name="commendation_decided_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(bonus__isnull=True) | Q(bonus__gt=Decimal(0)), name="commendation_bonus_pos"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.subject_unit}"


class AccountabilityEvidence(Link):
    record = models.ForeignKey(AccountabilityRecord, on_delete=models.CASCADE, related_name="evidence")

    class Meta:
        ordering = ["id"]


class CommendationEvidence(Link):
    record = models.ForeignKey(Commendation, on_delete=models.CASCADE, related_name="evidence")

    class Meta:
        ordering = ["id"]

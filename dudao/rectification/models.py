"""整改台账: one rectification item per problem with 四定, its progress trail, 销号 and public posting.

A problem may be raised against any responsible unit (区县教育局, 科室, 学校) from any source (inspection findings,
自查, 巡视/审计反馈, complaints, 督办单 …). The unit lives in the column `school` (kept under its old name: thirty
readers in other apps join on it); read it as `item.unit`. Every item still hangs on a `Finding` record, the
problem as it was found: inspections writes it for its rounds, the ledger has it written through the
`FindingSource` port for problems raised by form or Excel (a finding without a round).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import ScopedQuerySetMixin


class ItemStatus(models.TextChoices):
    OPEN = "open", "待整改"
    IN_PROGRESS = "in_progress", "整改中"
    AWAITING_VERIFICATION = "awaiting_verification", "待验收"
    CLOSED = "closed", "已销号"


class ItemSource(models.TextChoices):
    """Where a problem came from. Only 自查 items may be closed inside the school (with a district spot check)."""

    INSPECTION = "inspection", "督查/检查"
    SELF_CHECK = "self_check", "自查"
    PATROL = "patrol", "巡视反馈"
    AUDIT = "audit", "审计反馈"
    CAMPAIGN = "campaign", "专项治理"
    DUTY = "duty", "值班巡查"
    DRILL = "drill", "应急演练"
    OUTBREAK = "outbreak", "疫情处置"
    COMPLAINT = "complaint", "投诉举报"
    ORDER = "order", "督办单"
    OTHER = "other", "其他"


class RecheckStatus(models.TextChoices):
    """A 自查 close-out verified inside the school and drawn for the district's spot check (抽查复核)."""

    NONE = "", "未抽中"
    PENDING = "pending", "待区县复核"
    CONFIRMED = "confirmed", "复核通过"
    REOPENED = "reopened", "复核退回"


class ItemQuerySet(ScopedQuerySetMixin, models.QuerySet["RectificationItem"]):
    scope_resource = "rectification"
    scope_path = "school__path"

    def overdue(self, today: object = None) -> ItemQuerySet:
        return self.exclude(status=ItemStatus.CLOSED).filter(due_date__lt=today or timezone.localdate())

    def not_overdue(self, today: object = None) -> ItemQuerySet:
        return self.exclude(pk__in=self.overdue(today).values("pk"))


class RectificationItem(models.Model):
    finding = models.OneToOneField("inspections.Finding", on_delete=models.PROTECT, related_name="item")
    # The responsible unit (责任单位): a school, a district bureau or a bureau office; see the module docstring.
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="责任单位")
    inspection = models.ForeignKey(
        "inspections.Inspection", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField("问题来源", max_length=16, choices=ItemSource.choices, default=ItemSource.INSPECTION)
    source_ref = models.CharField("来源说明", max_length=100, blank=True)
    category = models.CharField("类别", max_length=100)
    description = models.CharField("问题", max_length=500)
    # 四定: 定人员、定职责、定时间、定进度
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="责任人",
    )
    responsibility = models.CharField("整改措施/职责", max_length=300, blank=True)
    due_date = models.DateField("整改时限")
    due_limit = models.DateField("最迟期限")
    progress = models.PositiveSmallIntegerField("进度", default=0)
    status = models.CharField(max_length=24, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    closeout_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closeout_requested_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # 自查 close-out verified by the school itself (principal or school office), not by someone above it.
    verified_in_school = models.BooleanField("校内验收", default=False)
    recheck_status = models.CharField(
        "区县抽查复核", max_length=10, choices=RecheckStatus.choices, default=RecheckStatus.NONE, blank=True
    )
    recheck_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recheck_at = models.DateTimeField(null=True, blank=True)
    recheck_note = models.CharField("复核意见", max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = "整改项"
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["school", "status", "due_date"], name="item_school_status_due_idx"),
            models.Index(fields=["status", "due_date"], name="item_status_due_idx"),
            models.Index(fields=["inspection", "status"], name="item_inspection_status_idx"),
            models.Index(fields=["closed_at"], name="item_closed_at_idx"),
            models.Index(fields=["source", "status"], name="item_source_status_idx"),
            models.Index(fields=["recheck_status"], name="item_recheck_idx", condition=~models.Q(recheck_status="")),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def unit(self) -> OrgUnit:
        """The responsible unit (责任单位); stored as `school` for the older readers."""
        return self.school

    @property
    def is_school_item(self) -> bool:
        return self.school.kind == UnitKind.SCHOOL

    def is_overdue_on(self, today: object) -> bool:
        return self.status != ItemStatus.CLOSED and self.due_date < today  # type: ignore[operator]

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())

    @property
    def days_overdue(self) -> int:
        return max(0, (timezone.localdate() - self.due_date).days) if self.is_overdue else 0


class StepKind(models.TextChoices):
    CREATED = "created", "登记问题"
    ASSIGNED = "assigned", "落实四定"
    PROGRESS = "progress", "进度更新"
    CLOSEOUT_REQUESTED = "closeout_requested", "申请销号"
    VERIFIED = "verified", "验收销号"
    REJECTED = "rejected", "验收不通过"
    REMINDED = "reminded", "提醒"
    ESCALATED = "escalated", "逾期督办"
    RECHECK_CONFIRMED = "recheck_confirmed", "区县复核通过"
    RECHECK_REOPENED = "recheck_reopened", "区县复核退回"


class Step(models.Model):
    """The item's trail, shown as its timeline: every assignment, progress note, request and verdict."""

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=20, choices=StepKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    progress = models.PositiveSmallIntegerField(null=True)
    text = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.item_id}"


class PhotoStage(models.TextChoices):
    BEFORE = "before", "发现问题时"
    PROGRESS = "progress", "整改过程"
    AFTER = "after", "整改后"


class ItemPhoto(models.Model):
    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="photos")
    step = models.ForeignKey(Step, null=True, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(max_length=10, choices=PhotoStage.choices)
    file = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"photo {self.file_id} of #{self.item_id}"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "两天后到期"
    DUE_TODAY = "due_today", "今天到期"
    OVERDUE_PRINCIPAL = "overdue_principal", "已逾期（报校长）"
    OVERDUE_DISTRICT = "overdue_district", "逾期三天（报区县）"
    REOPENED = "reopened", "区县复核退回，重新整改"


class Reminder(models.Model):
    """A reminder sent by the daily job; the unique key keeps the job idempotent."""

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "kind", "recipient"], name="reminder_once_per_kind"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="reminder_recipient_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.item_id}"


class PostingQuerySet(ScopedQuerySetMixin, models.QuerySet["PublicPosting"]):
    scope_resource = "rectification"
    scope_path = "school__path"


class PublicPosting(models.Model):
    """上墙公示: the school's token link behind the QR code on the printed 四定公示表."""

    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = PostingQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school"], condition=models.Q(revoked_at__isnull=True), name="posting_one_live_per_school"
            )
        ]

    def __str__(self) -> str:
        return f"公示 {self.school_id}"

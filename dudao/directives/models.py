"""工作部署 (directives) sent down the org tree, report forms, submissions and their approval.

Overdue and traffic lights are computed from deadlines, never stored. Numeric answers are copied
into the narrow `SubmissionValue` table so that sums up the tree are one GROUP BY in the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from dudao.core.models import StoredFile
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import ScopedQuerySetMixin, scope_root_path

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from dudao.accounts.models import User


class FieldType(models.TextChoices):
    TEXT = "text", "单行文本"
    TEXTAREA = "textarea", "多行文本"
    INTEGER = "integer", "整数"
    DECIMAL = "decimal", "小数"
    DATE = "date", "日期"
    CHOICE = "choice", "单选"
    MULTICHOICE = "multichoice", "多选"
    BOOLEAN = "boolean", "是/否"
    FILE = "file", "附件"
    PERSON = "person", "人员"
    SCHOOL = "school", "学校"
    TABLE = "table", "重复表格"


class Recurrence(models.TextChoices):
    NONE = "none", "不重复"
    DAILY = "daily", "每天"
    WEEKLY = "weekly", "每周"
    MONTHLY = "monthly", "每月"
    TERM = "term", "每学期"


class DirectiveStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    ISSUED = "issued", "已下发"
    CLOSED = "closed", "已结束"
    WITHDRAWN = "withdrawn", "已撤回"


# Statuses the receiving units see: a draft stays with its issuer.
SENT = ("issued", "closed", "withdrawn")


class SubmissionStatus(models.TextChoices):
    PENDING = "pending", "未填报"
    DRAFT = "draft", "填报中"
    SUBMITTED = "submitted", "已报送"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已审核"


class TargetMode(models.TextChoices):
    SUBTREE = "subtree", "整个下级"
    KIND = "kind", "某类单位"
    SCHOOL_TYPE = "school_type", "某学段学校"
    LIST = "list", "指定单位"
    GROUP = "group", "常用分组"


def _ancestor_paths(path: str) -> list[str]:
    step = OrgUnit.steplen
    return [path[:i] for i in range(step, len(path) + 1, step)]


class FormQuerySet(models.QuerySet["Form"]):
    def for_user(self, user: User | AnonymousUser, action: str = "read") -> FormQuerySet:
        """Forms owned in the user's subtree, plus templates owned by the units above it (shared down)."""
        root = scope_root_path(user, f"form.{action}")
        if root is None:
            return self.none()
        if action == "read":
            return self.filter(Q(unit__path__under=root) | Q(unit__path__in=_ancestor_paths(root)))
        return self.filter(unit__path__under=root)


class Form(models.Model):
    """A report form (报表). Editing changes `draft_schema`; publishing freezes it as a `FormVersion`."""

    name = models.CharField("表单名称", max_length=100)
    description = models.TextField("说明", blank=True)
    unit = models.ForeignKey(OrgUnit, verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    draft_schema = models.JSONField(default=dict)
    is_template = models.BooleanField("模板", default=False)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = FormQuerySet.as_manager()

    class Meta:
        verbose_name = "报送表单"

    def __str__(self) -> str:
        return self.name

    @property
    def latest(self) -> FormVersion | None:
        return self.versions.order_by("-number").first()


class FormVersion(models.Model):
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    schema = models.JSONField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["form", "number"], name="unique_form_version")]

    def __str__(self) -> str:
        return f"{self.form.name} 第{self.number}版"


class TargetGroupQuerySet(ScopedQuerySetMixin, models.QuerySet["TargetGroup"]):
    scope_resource = "directive"
    scope_path = "unit__path"


class TargetGroup(models.Model):
    """A saved list of units a unit often sends work to (常用分组)."""

    name = models.CharField("分组名称", max_length=60)
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    members: models.ManyToManyField[OrgUnit, Any] = models.ManyToManyField(OrgUnit, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = TargetGroupQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name


class DirectiveQuerySet(models.QuerySet["Directive"]):
    def for_user(self, user: User | AnonymousUser, action: str = "read") -> DirectiveQuerySet:
        """Read: directives issued in the user's subtree, or sent to a unit in it, or to the user's own school
        (a class teacher acting for a class reads what the school received). Other actions: issued in the subtree.
        """
        root = scope_root_path(user, f"directive.{action}")
        if root is None:
            return self.none()
        issued_here = Q(issuing_unit__path__under=root)
        if action != "read":
            return self.filter(issued_here)
        sent_here = DirectiveTarget.objects.filter(directive=OuterRef("pk")).filter(
            Q(unit__path__under=root)
            | Q(unit__path__in=_ancestor_paths(root), unit__kind__in=[UnitKind.SCHOOL, UnitKind.CAMPUS])
        )
        return self.filter(issued_here | Q(Exists(sent_here), status__in=SENT))


class Directive(models.Model):
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文", blank=True)
    issuing_unit = models.ForeignKey(OrgUnit, verbose_name="发文单位", on_delete=models.PROTECT, related_name="+")
    # The directive this one forwards (转发/细化) to the issuer's own subtree, with an earlier deadline.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="cascades")
    form_version = models.ForeignKey(FormVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    deadline = models.DateTimeField("截止时间")
    allow_late = models.BooleanField("允许逾期报送", default=True)
    # Unit kinds that approve (审核) on the way up, besides the issuer, e.g. ["school", "district"].
    approval_kinds = models.JSONField(default=list)
    recurrence = models.CharField("重复", max_length=10, choices=Recurrence.choices, default=Recurrence.NONE)
    repeat_until = models.DateField("重复截止日期", null=True, blank=True)
    target_spec = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=DirectiveStatus.choices, default=DirectiveStatus.DRAFT)
    attachments: models.ManyToManyField[StoredFile, Any] = models.ManyToManyField(
        StoredFile, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    issued_at = models.DateTimeField(null=True, blank=True)
    # 发文字号 given on issuing when the issuer asks for one (core.docnumbers), e.g. 临教基〔2026〕3号.
    doc_number = models.CharField("发文字号", max_length=40, blank=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdraw_reason = models.TextField("撤回原因", blank=True)

    objects = DirectiveQuerySet.as_manager()

    class Meta:
        verbose_name = "工作部署"
        indexes = [models.Index(fields=["status", "deadline"], name="directive_status_deadline_idx")]

    def __str__(self) -> str:
        return self.title


class Correction(models.Model):
    """A 更正通知 attached to an issued directive. The directive shows the corrected values; `changes` keeps
    what they were (`{"deadline": {"before": …, "after": …}}`), so the history stays readable."""

    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="corrections")
    text = models.TextField("更正内容")
    changes = models.JSONField(default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "更正通知"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:40]


class Period(models.Model):
    """One reporting round of a directive: the only one, or one week of a weekly report."""

    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="periods")
    index = models.PositiveIntegerField()
    label = models.CharField(max_length=40)
    starts_on = models.DateField()
    deadline = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["directive", "index"], name="unique_period")]
        ordering = ["directive_id", "index"]

    def __str__(self) -> str:
        return self.label


class DirectiveTargetQuerySet(ScopedQuerySetMixin, models.QuerySet["DirectiveTarget"]):
    scope_resource = "directive"
    scope_path = "unit__path"


class DirectiveTarget(models.Model):
    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="targets")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = DirectiveTargetQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["directive", "unit"], name="unique_directive_target")]

    def __str__(self) -> str:
        return f"{self.directive_id} → {self.unit_id}"


class SubmissionQuerySet(ScopedQuerySetMixin, models.QuerySet["Submission"]):
    scope_resource = "submission"
    scope_path = "unit__path"


class Submission(models.Model):
    """One unit's report for one period. Created (未填报) when the period opens, so completeness is a count."""

    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="submissions")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="submissions")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(DirectiveTarget, on_delete=models.CASCADE, related_name="submissions")
    form_version = models.ForeignKey(FormVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.PENDING)
    values = models.JSONField(default=dict)
    # How many levels of the approval chain have approved (0 = none yet).
    approved_levels = models.PositiveSmallIntegerField(default=0)
    is_late = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attachments: models.ManyToManyField[StoredFile, Any] = models.ManyToManyField(
        StoredFile, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = "报送"
        constraints = [models.UniqueConstraint(fields=["period", "unit"], name="unique_submission_per_period")]
        indexes = [models.Index(fields=["period", "status"], name="submission_period_status_idx")]

    def __str__(self) -> str:
        return f"{self.directive.title} · {self.unit.name}"

    @property
    def is_locked(self) -> bool:
        return self.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED) or self.approved_levels > 0


class SubmissionValue(models.Model):
    """A numeric (or short text) answer, one row per field: sums up the tree stay in the database."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    unit_path = models.CharField(max_length=255)
    field_key = models.CharField(max_length=40)
    number = models.FloatField(null=True)

    class Meta:
        indexes = [models.Index(fields=["period", "field_key", "unit_path"], name="subvalue_period_field_idx")]

    def __str__(self) -> str:
        return f"{self.field_key}={self.number}"


class Approval(models.Model):
    """A level of the chain that approved a submission. Removed when a higher level returns it."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="approvals")
    level = models.PositiveSmallIntegerField()
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["submission", "level"], name="unique_approval_level")]

    def __str__(self) -> str:
        return f"{self.submission_id} 第{self.level}级"


class SubmissionEvent(models.Model):
    """History shown on the submission page: who, when, what changed, comments."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    unit_name = models.CharField(max_length=100, blank=True)
    comment = models.TextField(blank=True)
    changes = models.JSONField(default=dict)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.submission_id} {self.action}"


class ReminderKind(models.TextChoices):
    T_MINUS_2 = "t-2", "截止前两天提醒"
    T_MINUS_1 = "t-1", "截止前一天提醒"
    DUE = "due", "今日截止提醒"
    MANUAL = "manual", "催报"
    DIGEST = "digest", "逾期汇总"
    WITHDRAWN = "withdrawn", "通知撤回"
    CORRECTED = "corrected", "更正通知"


class ReminderQuerySet(ScopedQuerySetMixin, models.QuerySet["Reminder"]):
    scope_resource = "directive"
    scope_path = "unit__path"


class Reminder(models.Model):
    """An outgoing reminder (outbox). Shown as a home to-do; a mail/SMS gateway may pick them up later."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(Period, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    day = models.DateField()
    message = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["unit", "day"], name="reminder_unit_day_idx")]
        constraints = [
            # Automatic reminders are sent once per unit, period, kind and day, however often the job runs
            # (a 催报, withdrawal or correction notice may come twice a day).
            models.UniqueConstraint(
                fields=["unit", "period", "kind", "day"],
                condition=Q(kind__in=["t-2", "t-1", "due", "digest"]),
                name="unique_automatic_reminder",
            )
        ]

    def __str__(self) -> str:
        return self.message[:40]


class IdempotencyKey(models.Model):
    """An API write already done: the same key from the same user answers the stored response."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    endpoint = models.CharField(max_length=200)
    status = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="unique_idempotency_key")]

    def __str__(self) -> str:
        return self.key


class FlagKind(models.TextChoices):
    HISTORY = "history_outlier", "与本单位往期差异大"
    PEER = "peer_outlier", "与同类单位差异大"
    IMPOSSIBLE = "impossible", "不合常理"


class ValueFlag(models.Model):
    """A reported number that looks implausible (数据异常提示), found when the report is submitted.

    Recomputed on every submit. The approver must tick 已核实 (acknowledged) for each before approving. The
    reference holds the figures the explanation quotes; for peer outliers it holds no peer value (the submitting
    unit reads the flag too).
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="flags")
    field_key = models.CharField(max_length=81)
    label = models.CharField(max_length=130)
    kind = models.CharField(max_length=20, choices=FlagKind.choices)
    value = models.FloatField()
    reference = models.JSONField(default=dict)
    explanation = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField("核实时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "数据异常提示"
        ordering = ["submission_id", "id"]

    def __str__(self) -> str:
        return f"{self.label}：{self.explanation}"

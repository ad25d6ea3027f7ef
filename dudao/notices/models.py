"""告知书 / 回执: letters to parents, their per-school cascade, one receipt per student, guardian links, reminders.

Counting is designed for one GROUP BY: every `Receipt` carries the ids of its class, grade, school and district,
so 知晓率 at any level is one aggregate over one indexed table (see `selectors.rates`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import ScopedQuerySetMixin


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"
    WITHDRAWN = "withdrawn", "已撤回"


class StudentFlag(models.TextChoices):
    LEFT_BEHIND = "is_left_behind", "留守儿童"
    HARDSHIP = "is_in_hardship", "困境儿童"
    BOARDING = "is_boarding", "住校生"


class QuestionKind(models.TextChoices):
    CONFIRM = "confirm", "确认"
    CHOICE = "choice", "单选"
    MULTI = "multi", "多选"
    TEXT = "text", "简答"


class NoticeQuerySet(ScopedQuerySetMixin, models.QuerySet["Notice"]):
    scope_resource = "notice"
    scope_path = "issuer__path"


class Notice(models.Model):
    issuer = models.ForeignKey(OrgUnit, verbose_name="发文单位", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("标题", max_length=120)
    # Only sanitized HTML is stored (services.drafting.clean_body); templates render it as is.
    body_html = models.TextField("正文")
    # [{"key": "q1", "kind": "choice", "label": "暑期是否外出", "options": ["是", "否"], "required": true}]
    questions = models.JSONField("问题", default=list, blank=True)
    # Audience: the issuer's whole subtree, narrowed by units (grades, classes, schools), grade names
    # (for a city-wide "九年级") and student flags (any of them).
    audience_units: models.ManyToManyField[OrgUnit, Any] = models.ManyToManyField(
        OrgUnit, blank=True, related_name="+", verbose_name="范围"
    )
    audience_grade_names = models.JSONField(default=list, blank=True)
    # Pictures the body shows (set from the sanitized body on every save): the parents' page serves only these.
    images: models.ManyToManyField[NoticeImage, Any] = models.ManyToManyField(
        "NoticeImage", blank=True, related_name="notices", verbose_name="正文图片"
    )
    audience_flags = models.JSONField(default=list, blank=True)
    links_expire_at = models.DateTimeField("链接有效期至")
    status = models.CharField(max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Who pressed 发送, and when a large send was handed to the background job: a send still 发送中 long after
    # that was lost with its worker and is queued again (services.sending.requeue_stuck_sends).
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    send_queued_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = "告知书"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "sent_at"], name="notice_status_sent_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_live(self) -> bool:
        return self.status == NoticeStatus.SENT and self.links_expire_at > timezone.now()


class NoticeImageQuerySet(ScopedQuerySetMixin, models.QuerySet["NoticeImage"]):
    scope_resource = "notice"
    scope_path = "unit__path"


class NoticeImage(models.Model):
    """A picture uploaded from the body editor, kept for the unit that writes the notice (uploaded before the
    draft exists, so it belongs to the unit, not yet to a notice). The body refers to it by its staff URL."""

    unit = models.ForeignKey(OrgUnit, verbose_name="上传单位", on_delete=models.PROTECT, related_name="+")
    file = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = NoticeImageQuerySet.as_manager()

    class Meta:
        verbose_name = "告知书图片"

    def __str__(self) -> str:
        return f"notice image {self.pk}"


class NoticeAttachment(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")
    file = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"attachment {self.file_id} of notice {self.notice_id}"


class NoticeSchoolQuerySet(ScopedQuerySetMixin, models.QuerySet["NoticeSchool"]):
    scope_resource = "notice"
    scope_path = "school__path"


class NoticeSchool(models.Model):
    """The cascade: each school reached by a notice sees it as its own task, with its own rates."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="schools")
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(OrgUnit, null=True, on_delete=models.PROTECT, related_name="+")
    students = models.PositiveIntegerField(default=0)

    objects = NoticeSchoolQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "school"], name="notice_school_once")]
        indexes = [models.Index(fields=["school", "notice"], name="notice_school_idx")]

    def __str__(self) -> str:
        return f"notice {self.notice_id} @ {self.school_id}"


class Channel(models.TextChoices):
    LINK = "link", "家长链接"
    QR = "qr", "班级二维码"
    PHONE = "phone", "电话确认"


class ReceiptQuerySet(ScopedQuerySetMixin, models.QuerySet["Receipt"]):
    scope_resource = "notice"
    scope_path = "klass__path"

    def confirmed(self) -> ReceiptQuerySet:
        return self.filter(confirmed_at__isnull=False)

    def pending(self) -> ReceiptQuerySet:
        return self.filter(confirmed_at__isnull=True)


class Receipt(models.Model):
    """回执: one per student per notice, created unconfirmed when the notice is sent; confirmed once."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="receipts")
    student = models.ForeignKey("orgs.Student", on_delete=models.CASCADE, related_name="+")
    # Denormalised owners, fixed at sending time: the roll-up groups by them without joins.
    klass = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    grade_id = models.IntegerField(null=True)
    school_id = models.IntegerField()
    district_id = models.IntegerField(null=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    channel = models.CharField(max_length=5, choices=Channel.choices, blank=True)
    link = models.ForeignKey("GuardianLink", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answers = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=200, blank=True)
    ip = models.CharField(max_length=45, blank=True)

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        verbose_name = "回执"
        constraints = [models.UniqueConstraint(fields=["notice", "student"], name="receipt_once_per_student")]
        indexes = [
            models.Index(fields=["notice", "district_id", "school_id", "confirmed_at"], name="receipt_rollup_idx"),
            models.Index(fields=["notice", "school_id", "klass", "confirmed_at"], name="receipt_school_idx"),
            models.Index(fields=["notice", "klass", "confirmed_at"], name="receipt_class_idx"),
        ]

    def __str__(self) -> str:
        return f"receipt {self.notice_id}/{self.student_id}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class GuardianLink(models.Model):
    """A guardian's personal link to one notice. The token is signed (see `tokens`); revoking kills it."""

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="links")
    guardian = models.ForeignKey("orgs.Guardian", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["receipt", "guardian"], condition=models.Q(revoked_at__isnull=True), name="link_one_live"
            )
        ]

    def __str__(self) -> str:
        return f"link {self.pk}"


class ClassCode(models.Model):
    """The per-class QR code for the group chat: the parent picks the child and verifies the phone."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="class_codes")
    klass = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "klass"], condition=models.Q(revoked_at__isnull=True), name="class_code_one_live"
            )
        ]

    def __str__(self) -> str:
        return f"class code {self.pk}"


class VerifyAttempt(models.Model):
    """Failed phone-digit checks behind a class QR code, kept in the database so every server process agrees."""

    code = models.ForeignKey(ClassCode, on_delete=models.CASCADE, related_name="+")
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="+")
    ip = models.CharField(max_length=45, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["receipt", "created_at"], name="verify_receipt_idx"),
            models.Index(fields=["ip", "created_at"], name="verify_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"verify attempt {self.pk}"


class ReminderPlan(models.Model):
    """Repeat the notice daily to chosen groups until a date (e.g. 留守儿童 guardians all summer)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reminders")
    flags = models.JSONField(default=list, blank=True)
    only_pending = models.BooleanField("仅提醒未确认的家长", default=True)
    starts_on = models.DateField("提醒自")
    until = models.DateField("提醒至")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"reminder {self.pk} of notice {self.notice_id}"


class ReminderRun(models.Model):
    """One day's run of a plan; the unique key keeps the daily job idempotent."""

    plan = models.ForeignKey(ReminderPlan, on_delete=models.CASCADE, related_name="runs")
    day = models.DateField()
    messages = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "day"], name="reminder_run_once_a_day")]

    def __str__(self) -> str:
        return f"run of reminder {self.plan_id} on {self.day}"


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"


class OutboxMessage(models.Model):
    """短信发件箱: what the default SMS backend writes; a real gateway adapter marks rows sent or failed."""

    notice = models.ForeignKey(Notice, null=True, on_delete=models.CASCADE, related_name="+")
    link = models.ForeignKey(GuardianLink, null=True, on_delete=models.SET_NULL, related_name="+")
    phone = models.CharField(max_length=20)
    text = models.CharField(max_length=500)
    kind = models.CharField(max_length=10, default="notice")
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED)
    backend = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_status_idx")]

    def __str__(self) -> str:
        return f"sms {self.pk}"

"""学生欺凌防治: confidential bullying reports of a school, the students involved, the handling steps with their
deadlines, and the school's designated 防欺凌 people.

Who may read a report is decided per object (`selectors.reports_for`): the school's principal and the people the
principal designated, nobody above the school. Districts and the city see counts only. The description, the
reporter and every step's text are `EncryptedTextField`s."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dudao.core.crypto import EncryptedTextField
from dudao.orgs.models import OrgUnit, Student

User = settings.AUTH_USER_MODEL


class Kind(models.TextChoices):
    PHYSICAL = "physical", "肢体欺凌"
    VERBAL = "verbal", "言语欺凌"
    PROPERTY = "property", "财物欺凌"
    SOCIAL = "social", "社交排斥"
    CYBER = "cyber", "网络欺凌"


class Channel(models.TextChoices):
    GUARDIAN = "guardian", "家长反映（扫码/链接）"
    TEACHER = "teacher", "教师报告"
    SCHOOL = "school", "学校发现"


class Status(models.TextChoices):
    REPORTED = "reported", "待受理"
    ACCEPTED = "accepted", "调查中"
    INVESTIGATED = "investigated", "待认定"
    DETERMINED = "determined", "待处置"
    MEASURES = "measures", "跟踪回访中"
    FOLLOWED = "followed", "待结案"
    CLOSED = "closed", "已结案"


class Severity(models.TextChoices):
    GENERAL = "general", "一般欺凌"
    SERIOUS = "serious", "严重欺凌"


class StepKind(models.TextChoices):
    ACCEPT = "accept", "受理"
    INVESTIGATE = "investigate", "调查"
    DETERMINE = "determine", "认定"
    MEASURES = "measures", "处置措施"
    FOLLOW_UP = "follow_up", "跟踪回访"
    CLOSE = "close", "结案"


# The step that moves a report out of each status, and the status it leads to.
NEXT_STEP: dict[str, tuple[str, str]] = {
    Status.REPORTED: (StepKind.ACCEPT, Status.ACCEPTED),
    Status.ACCEPTED: (StepKind.INVESTIGATE, Status.INVESTIGATED),
    Status.INVESTIGATED: (StepKind.DETERMINE, Status.DETERMINED),
    Status.DETERMINED: (StepKind.MEASURES, Status.MEASURES),
    Status.MEASURES: (StepKind.FOLLOW_UP, Status.FOLLOWED),
    Status.FOLLOWED: (StepKind.CLOSE, Status.CLOSED),
}
OPEN_STATUSES = [s for s in Status.values if s != Status.CLOSED]
DETERMINED_STATUSES = [Status.DETERMINED, Status.MEASURES, Status.FOLLOWED, Status.CLOSED]


class Role(models.TextChoices):
    VICTIM = "victim", "被欺凌学生"
    BULLY = "bully", "实施欺凌学生"
    WITNESS = "witness", "目击学生"


def term_of(day: dt.date) -> str:
    """School term label: 2026秋 (Sept–Jan), 2027春 (Feb–Aug)."""
    if day.month >= 9:
        return f"{day.year}秋"
    if day.month == 1:
        return f"{day.year - 1}秋"
    return f"{day.year}春"


class Report(models.Model):
    """One bullying report of a school, from its intake (a guardian's link, a teacher, the school) to its closing."""

    school = models.ForeignKey(OrgUnit, verbose_name="学校", on_delete=models.PROTECT, related_name="+")
    term = models.CharField("学期", max_length=8)
    channel = models.CharField("来源", max_length=10, choices=Channel.choices)
    kind = models.CharField("欺凌类型", max_length=10, choices=Kind.choices)
    occurred_on = models.DateField("发生日期")
    place = models.CharField("发生地点", max_length=100)
    description = EncryptedTextField("事情经过")
    # Name, relation and phone of the person who reported: only the handling people see them.
    reporter = EncryptedTextField("报告人", blank=True, default="")
    reported_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reported_at = models.DateTimeField("报告时间", default=timezone.now)
    status = models.CharField("状态", max_length=14, choices=Status.choices, default=Status.REPORTED)
    # The deadline of the step now due (empty once closed); overdue is computed from it, never stored.
    due_on = models.DateField("当前环节期限", null=True, blank=True)
    is_bullying = models.BooleanField("认定为欺凌", null=True, blank=True)
    severity = models.CharField("严重程度", max_length=8, choices=Severity.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # A form's one-time key: the same submission twice returns the first report.
    request_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "欺凌报告"
        verbose_name_plural = "欺凌报告"
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["school", "term"], name="bullying_school_term_idx"),
            models.Index(fields=["status", "due_on"], name="bullying_due_idx"),
        ]

    def __str__(self) -> str:
        return f"欺凌报告 {self.number}"

    @property
    def number(self) -> str:
        """回执编号: QL2026-000123 (the year reported and the report's id)."""
        return f"QL{timezone.localtime(self.reported_at).year}-{self.pk:06d}"

    def is_overdue_on(self, today: dt.date) -> bool:
        return self.status != Status.CLOSED and self.due_on is not None and self.due_on < today

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())

    @property
    def next_step(self) -> str | None:
        found = NEXT_STEP.get(self.status)
        return found[0] if found else None

    @property
    def next_step_label(self) -> str:
        step = self.next_step
        return StepKind(step).label if step else ""

    @property
    def determination_label(self) -> str:
        if self.is_bullying is None:
            return "未认定"
        if not self.is_bullying:
            return "不构成欺凌"
        return self.get_severity_display() or "构成欺凌"


def overdue_q(today: dt.date) -> Q:
    return ~Q(status=Status.CLOSED) & Q(due_on__lt=today)


class Involvement(models.Model):
    """A roster student involved in a report: victim, alleged bully or witness."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="involvements")
    student = models.ForeignKey(Student, verbose_name="学生", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("身份", max_length=8, choices=Role.choices)
    added_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "涉及学生"
        ordering = ["role", "id"]
        constraints = [models.UniqueConstraint(fields=["report", "student"], name="bullying_student_once")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} #{self.student_id}"


class Step(models.Model):
    """One handling step done: who, when, against which deadline, and what was found or done (encrypted)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField("环节", max_length=12, choices=StepKind.choices)
    text = EncryptedTextField("记录")
    due_on = models.DateField("期限", null=True, blank=True)
    done_on = models.DateField("完成日期")
    done_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "处理环节"
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["report", "kind"], name="bullying_step_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.done_on}"

    @property
    def was_late(self) -> bool:
        return self.due_on is not None and self.done_on > self.due_on


class Designation(models.Model):
    """A school user the principal designated as 防欺凌 person: sees and handles every report of the school."""

    school = models.ForeignKey(OrgUnit, verbose_name="学校", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, verbose_name="人员", on_delete=models.CASCADE, related_name="+")
    duty = models.CharField("职责", max_length=40, blank=True)
    designated_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "防欺凌工作人员"
        ordering = ["school_id", "id"]
        constraints = [models.UniqueConstraint(fields=["school", "user"], name="bullying_designated_once")]

    def __str__(self) -> str:
        return f"防欺凌工作人员 #{self.user_id}"

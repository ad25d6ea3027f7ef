"""双重预防: the risk register (风险分级管控) and its periodic checks (隐患排查治理).

A unit (a school, or a bureau or district bureau for its own premises) lists its risk points with a grade, control
measures, a responsible person and a check frequency. Each check is recorded on a phone; one that finds a hazard
(隐患) hands it to the rectification ledger through `dudao.core.ledger` and keeps the ledger item's id, so the risk
point shows its open hazards. The next check date is stored (it moves with every check); whether a point is overdue
is computed from it and today.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import ScopedQuerySetMixin


class Category(models.TextChoices):
    BUILDING = "building", "建筑/校舍"
    ELECTRICAL = "electrical", "用电"
    FIRE = "fire", "消防"
    WATER = "water", "涉水"
    FOOD = "food", "食品"
    TRAFFIC = "traffic", "交通"
    CROWD = "crowd", "人员密集"
    LAB = "lab", "实验室危化品"
    SURROUNDINGS = "surroundings", "周边环境"


class Grade(models.TextChoices):
    """重大/较大/一般/低 = 红/橙/黄/蓝 (the national four-colour risk grading)."""

    MAJOR = "major", "重大风险"
    LARGE = "large", "较大风险"
    GENERAL = "general", "一般风险"
    LOW = "low", "低风险"


# The colour each grade is shown in, always beside its words.
GRADE_COLOURS = {Grade.MAJOR: "红", Grade.LARGE: "橙", Grade.GENERAL: "黄", Grade.LOW: "蓝"}
GRADE_ORDER = {Grade.MAJOR: 0, Grade.LARGE: 1, Grade.GENERAL: 2, Grade.LOW: 3}


class Frequency(models.TextChoices):
    DAILY = "daily", "每日"
    WEEKLY = "weekly", "每周"
    MONTHLY = "monthly", "每月"
    TERM = "term", "每学期"


def next_due(frequency: str, checked_on: dt.date) -> dt.date:
    """The day the next check is due after a check on `checked_on`: the next weekday (daily checks follow the school
    week), the Monday of next week, the first of next month, the start of the next term (1 March or 1 September)."""
    if frequency == Frequency.DAILY:
        ahead = 3 if checked_on.weekday() == 4 else 2 if checked_on.weekday() == 5 else 1
        return checked_on + dt.timedelta(days=ahead)
    if frequency == Frequency.WEEKLY:
        return checked_on + dt.timedelta(days=7 - checked_on.weekday())
    if frequency == Frequency.MONTHLY:
        return dt.date(checked_on.year + checked_on.month // 12, checked_on.month % 12 + 1, 1)
    if checked_on.month < 3:
        return dt.date(checked_on.year, 3, 1)
    if checked_on.month < 9:
        return dt.date(checked_on.year, 9, 1)
    return dt.date(checked_on.year + 1, 3, 1)


def period_end(frequency: str, due_on: dt.date) -> dt.date:
    """The last day a check due on `due_on` may still be done: the same day for daily checks, else the last day
    of its week, month or term. After that the check is overdue."""
    return next_due(frequency, due_on) - dt.timedelta(days=1)


class RiskPointQuerySet(ScopedQuerySetMixin, models.QuerySet["RiskPoint"]):
    scope_resource = "risk"
    scope_path = "unit__path"

    def active(self) -> RiskPointQuerySet:
        return self.filter(is_active=True)

    def overdue(self, today: dt.date | None = None) -> RiskPointQuerySet:
        """Active points whose check period has passed without a check."""
        return self.active().filter(check_deadline__lt=today or timezone.localdate())

    def due(self, today: dt.date | None = None) -> RiskPointQuerySet:
        """Active points whose check is due now and still in time."""
        today = today or timezone.localdate()
        return self.active().filter(next_check_on__lte=today, check_deadline__gte=today)


class RiskPoint(models.Model):
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="单位")
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    place = models.CharField("风险点（部位/场所）", max_length=100)
    description = models.CharField("风险描述", max_length=500)
    grade = models.CharField("风险等级", max_length=10, choices=Grade.choices)
    measures = models.TextField("管控措施", max_length=2000)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="责任人"
    )
    frequency = models.CharField("排查频次", max_length=10, choices=Frequency.choices)
    next_check_on = models.DateField("下次排查日期")
    # The last day the due check may be done (the end of its day, week, month or term); stored with
    # next_check_on so that overdue points are one indexed comparison for a whole city.
    check_deadline = models.DateField("排查截止日期")
    last_checked_on = models.DateField("最近排查日期", null=True, blank=True)
    is_active = models.BooleanField("在用", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = RiskPointQuerySet.as_manager()

    class Meta:
        verbose_name = "风险点"
        ordering = ["unit__path", "grade", "id"]
        indexes = [
            models.Index(fields=["unit", "grade"], name="riskpoint_unit_grade_idx"),
            models.Index(fields=["check_deadline"], name="riskpoint_deadline_idx", condition=models.Q(is_active=True)),
            models.Index(fields=["responsible", "next_check_on"], name="riskpoint_responsible_idx"),
        ]

    def __str__(self) -> str:
        return self.place

    @property
    def grade_colour(self) -> str:
        return GRADE_COLOURS[Grade(self.grade)]

    def is_overdue_on(self, today: dt.date) -> bool:
        return self.is_active and self.check_deadline < today

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())

    @property
    def is_due(self) -> bool:
        today = timezone.localdate()
        return self.is_active and self.next_check_on <= today <= self.check_deadline


class CheckResult(models.TextChoices):
    NORMAL = "normal", "正常"
    HAZARD = "hazard", "发现隐患"


class HazardLevel(models.TextChoices):
    GENERAL = "general", "一般隐患"
    SERIOUS = "serious", "重大隐患"


class RiskCheckQuerySet(ScopedQuerySetMixin, models.QuerySet["RiskCheck"]):
    scope_resource = "risk"
    scope_path = "point__unit__path"


class RiskCheck(models.Model):
    """One periodic check of a risk point: at most one per point and day (a second tap finds the first)."""

    point = models.ForeignKey(RiskPoint, on_delete=models.PROTECT, related_name="checks")
    checked_on = models.DateField("排查日期")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="排查人"
    )
    result = models.CharField("排查结果", max_length=10, choices=CheckResult.choices)
    note = models.CharField("情况说明", max_length=500, blank=True)
    hazard_level = models.CharField("隐患等级", max_length=10, choices=HazardLevel.choices, blank=True)
    photo = models.ForeignKey(
        "core.StoredFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="照片"
    )
    # The ledger item the hazard became (dudao.core.ledger): an id, not a foreign key, since the ledger sits on the
    # same floor and is reached only through the port.
    ledger_item_id = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = RiskCheckQuerySet.as_manager()

    class Meta:
        verbose_name = "风险点排查记录"
        ordering = ["-checked_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["point", "checked_on"], name="riskcheck_one_per_day")]
        indexes = [models.Index(fields=["checked_on"], name="riskcheck_date_idx")]

    def __str__(self) -> str:
        return f"{self.point} {self.checked_on}"

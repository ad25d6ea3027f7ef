"""校历: school years with terms published by a bureau, and calendar entries (holidays, breaks, 调休 make-up days,
exam weeks, local days) that any unit adds for its own subtree. Entries inherit down the org path."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import ScopedQuerySetMixin


class EntryKind(models.TextChoices):
    # Published by the bureau with the year.
    HOLIDAY = "holiday", "节假日"
    BREAK = "break", "寒暑假"
    MAKEUP = "makeup", "调休上课日"
    EXAM = "exam", "考试周"
    # Local days of a district, a school or a grade.
    LOCAL_OFF = "local_off", "本地放假"
    LATE_OPENING = "late_opening", "错时开学"
    SUSPENSION = "suspension", "停课"


YEAR_KINDS = (EntryKind.HOLIDAY, EntryKind.BREAK, EntryKind.MAKEUP, EntryKind.EXAM)
LOCAL_KINDS = (EntryKind.LOCAL_OFF, EntryKind.LATE_OPENING, EntryKind.MAKEUP, EntryKind.SUSPENSION)


class SchoolYearQuerySet(ScopedQuerySetMixin, models.QuerySet["SchoolYear"]):
    scope_resource = "calendar"
    scope_path = "unit__path"


class SchoolYear(models.Model):
    """学年: published by a bureau for its whole subtree (the nearest bureau's year wins)."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="发布单位")
    name = models.CharField("学年", max_length=40)
    starts_on = models.DateField("学年开始")
    ends_on = models.DateField("学年结束")
    is_published = models.BooleanField("已发布", default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = SchoolYearQuerySet.as_manager()

    class Meta:
        verbose_name = "学年校历"
        verbose_name_plural = "学年校历"
        ordering = ["-starts_on"]
        constraints = [models.UniqueConstraint(fields=["unit", "starts_on"], name="calendar_year_unit_start")]

    def __str__(self) -> str:
        return self.name


class Term(models.Model):
    year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField("学期", max_length=40)
    starts_on = models.DateField("开学日期")
    ends_on = models.DateField("结束日期")

    class Meta:
        verbose_name = "学期"
        verbose_name_plural = "学期"
        ordering = ["starts_on"]

    def __str__(self) -> str:
        return self.name


class CalendarEntryQuerySet(ScopedQuerySetMixin, models.QuerySet["CalendarEntry"]):
    scope_resource = "calendar"
    scope_path = "unit__path"


class CalendarEntry(models.Model):
    """A run of days of one kind for `unit` and everything under it."""

    year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="entries")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="适用单位")
    kind = models.CharField("类型", max_length=20, choices=EntryKind.choices)
    name = models.CharField("名称", max_length=60)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = CalendarEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "校历日程"
        verbose_name_plural = "校历日程"
        ordering = ["starts_on", "id"]
        indexes = [models.Index(fields=["unit", "starts_on"], name="calendar_entry_unit_start")]

    def __str__(self) -> str:
        return self.name

"""继续教育: training events (organiser, level, category, time, hours credited), who is enrolled, who attended.

An attendance credits hours to one person in the year of the event's start (local time): the yearly figures are
one GROUP BY over attendances and never walk events. Hours are kept in tenths (Decimal, one place)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Self

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.utils import timezone

from dudao.orgs.scoping import scope_root_path


class Level(models.TextChoices):
    NATIONAL = "national", "国家级"
    PROVINCIAL = "provincial", "省级"
    CITY = "city", "市级"
    DISTRICT = "district", "区县级"
    SCHOOL = "school", "校级"


class Category(models.TextChoices):
    NEW_TEACHER = "new_teacher", "新入职教师"
    CLASS_TEACHER = "class_teacher", "班主任"
    PRINCIPAL = "principal", "校长/后备干部"
    PSYCHOLOGY = "psychology", "心理健康"
    ETHICS = "ethics", "师德师风"
    SAFETY = "safety", "安全"
    IT = "it", "信息技术"
    SUBJECT = "subject", "学科教学"
    OTHER = "other", "其他"


class Method(models.TextChoices):
    QR = "qr", "现场扫码签到"
    IMPORT = "import", "导入"
    MANUAL = "manual", "主办单位登记"


class EventQuerySet(models.QuerySet["TrainingEvent"]):
    def for_user(self, user: Any | AnonymousUser, action: str = "read") -> Self:
        """Events organised inside the viewer's subtree or by a unit above it (a city training concerns every
        school of the city)."""
        root = scope_root_path(user, f"training.{action}")
        if root is None:
            return self.none()
        if action != "read":
            return self.filter(organiser__path__under=root)
        step = 4
        above = [root[:i] for i in range(step, len(root), step)]
        return self.filter(models.Q(organiser__path__under=root) | models.Q(organiser__path__in=above))


class TrainingEvent(models.Model):
    organiser = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name="主办单位")
    title = models.CharField("培训名称", max_length=100)
    level = models.CharField("级别", max_length=20, choices=Level.choices)
    category = models.CharField("类别", max_length=20, choices=Category.choices)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    venue = models.CharField("地点", max_length=100)
    hours = models.DecimalField("认定学时", max_digits=5, decimal_places=1)
    audience = models.CharField("培训对象", max_length=100, blank=True)
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = "培训"
        verbose_name_plural = "培训"
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["year", "organiser"], name="training_event_year_org_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def length_hours(self) -> Decimal:
        """The event's length in hours (the most hours it may credit)."""
        seconds = Decimal((self.ends_at - self.starts_at).total_seconds())
        return (seconds / Decimal(3600)).quantize(Decimal("0.1"))

    def window(self, margin: dt.timedelta) -> tuple[dt.datetime, dt.datetime]:
        return self.starts_at - margin, self.ends_at


class Enrolment(models.Model):
    event = models.ForeignKey(TrainingEvent, on_delete=models.CASCADE, related_name="enrolments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_enrolments")
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "报名"
        verbose_name_plural = "报名"
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="training_enrolment_unique")]

    def __str__(self) -> str:
        return f"{self.event} 报名"


class Attendance(models.Model):
    event = models.ForeignKey(TrainingEvent, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_attendances")
    year = models.PositiveSmallIntegerField("年度")
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    method = models.CharField("方式", max_length=10, choices=Method.choices)
    signed_at = models.DateTimeField("签到时间", default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "培训学时"
        verbose_name_plural = "培训学时"
        ordering = ["-signed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["event", "user"], name="training_attendance_unique")]
        indexes = [models.Index(fields=["year", "user"], name="training_attendance_year_idx")]

    def __str__(self) -> str:
        return f"{self.event} {self.hours} 学时"

    @property
    def certificate_no(self) -> str:
        return f"JXJY{self.year}{self.pk:07d}"

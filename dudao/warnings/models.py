"""气象与突发事件预警: a warning (type, level, area, period) entered by a clerk or imported from the weather
service's file, the schools it affects (proposed from the area and the schools' risk tags, adjusted by the clerk)
and, once dispatched, the one directive with 签收 that carries the plan's steps to those schools."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from dudao.orgs.scoping import ScopedQuerySetMixin


class WarningKind(models.TextChoices):
    RAINSTORM = "rainstorm", "暴雨"
    TYPHOON = "typhoon", "台风"
    HEAT = "heat", "高温"
    COLD_WAVE = "cold_wave", "寒潮"
    GALE = "gale", "大风"
    THUNDER = "thunder", "雷电"
    HAIL = "hail", "冰雹"
    GEOLOGICAL = "geological", "地质灾害"
    FOREST_FIRE = "forest_fire", "森林火险"
    BLIZZARD = "blizzard", "暴雪"
    FOG = "fog", "大雾"
    ICING = "icing", "道路结冰"


class WarningLevel(models.TextChoices):
    BLUE = "blue", "蓝色"
    YELLOW = "yellow", "黄色"
    ORANGE = "orange", "橙色"
    RED = "red", "红色"


class WarningStatus(models.TextChoices):
    DRAFT = "draft", "待下发"
    DISPATCHED = "dispatched", "已下发"
    CANCELLED = "cancelled", "已取消"


class WarningSource(models.TextChoices):
    MANUAL = "manual", "手工录入"
    IMPORT = "import", "气象部门文件导入"


class WarningQuerySet(ScopedQuerySetMixin, models.QuerySet["WeatherWarning"]):
    scope_resource = "warning"
    scope_path = "unit__path"


class WeatherWarning(models.Model):
    """One warning as the weather service (or the emergency office) issued it, kept by the unit that entered it."""

    unit = models.ForeignKey("orgs.OrgUnit", verbose_name="录入单位", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("预警类型", max_length=15, choices=WarningKind.choices)
    level = models.CharField("预警级别", max_length=10, choices=WarningLevel.choices)
    starts_at = models.DateTimeField("生效时间")
    ends_at = models.DateTimeField("解除时间")
    area = models.ManyToManyField("orgs.OrgUnit", verbose_name="影响区域", related_name="+")
    issuer = models.CharField("发布单位", max_length=60, blank=True)
    content = models.TextField("预警内容", max_length=2000, blank=True)
    source = models.CharField(max_length=10, choices=WarningSource.choices, default=WarningSource.MANUAL)
    status = models.CharField("状态", max_length=12, choices=WarningStatus.choices, default=WarningStatus.DRAFT)
    directive = models.ForeignKey(
        "directives.Directive", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    plan_title = models.CharField("所用预案", max_length=100, blank=True)
    rosters_raised = models.PositiveIntegerField(default=0)
    principals_notified = models.PositiveIntegerField(default=0)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = WarningQuerySet.as_manager()

    class Meta:
        verbose_name = "气象预警"
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["unit", "starts_at"], name="warning_unit_start_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return f"{self.get_kind_display()}{self.get_level_display()}预警"


class AffectedSchoolQuerySet(ScopedQuerySetMixin, models.QuerySet["AffectedSchool"]):
    scope_resource = "warning"
    scope_path = "school__path"


class AffectedSchool(models.Model):
    """A school the warning goes to: proposed by dudao (with the tags that matched) or added by the clerk."""

    warning = models.ForeignKey(WeatherWarning, on_delete=models.CASCADE, related_name="schools")
    school = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    matched_tags = models.CharField("匹配标签", max_length=200, blank=True)
    is_proposed = models.BooleanField("系统建议", default=True)

    objects = AffectedSchoolQuerySet.as_manager()

    class Meta:
        verbose_name = "受影响学校"
        ordering = ["school__path"]
        constraints = [models.UniqueConstraint(fields=["warning", "school"], name="unique_affected_school")]

    def __str__(self) -> str:
        return f"{self.warning_id}:{self.school_id}"

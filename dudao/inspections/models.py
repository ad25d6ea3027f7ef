"""测评体系 (versioned indicator frameworks), inspection rounds, per-school checklists, answers and findings."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from dudao.orgs.models import OrgUnit, SchoolType
from dudao.orgs.scoping import ScopedQuerySetMixin


class FrameworkQuerySet(ScopedQuerySetMixin, models.QuerySet["Framework"]):
    # Frameworks are read by everyone below the bureau that owns them.
    scope_resource = "framework"
    scope_path = "unit__path"


class Framework(models.Model):
    name = models.CharField("名称", max_length=100)
    # The bureau (or district) that maintains it; schools below it use it.
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="维护单位")
    description = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = FrameworkQuerySet.as_manager()

    class Meta:
        verbose_name = "测评体系"

    def __str__(self) -> str:
        return self.name


class FrameworkVersionQuerySet(ScopedQuerySetMixin, models.QuerySet["FrameworkVersion"]):
    scope_resource = "framework"
    scope_path = "framework__unit__path"


class FrameworkVersion(models.Model):
    """One edition of a framework. Once an inspection uses it, it is frozen; edits start the next edition."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    note = models.CharField("版本说明", max_length=200, blank=True)

    objects = FrameworkVersionQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["framework", "number"], name="framework_version_unique")]
        ordering = ["framework_id", "-number"]

    def __str__(self) -> str:
        return f"{self.framework.name}（第 {self.number} 版）"


class Section(models.Model):
    framework_version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveIntegerField(default=0)
    title = models.CharField("类别", max_length=100)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


class ScoringMethod(models.TextChoices):
    PASS_FAIL = "pass_fail", "达标/不达标"
    DEDUCT = "deduct", "每处扣分"
    SCALE = "scale", "0–N 分"


class Severity(models.TextChoices):
    GENERAL = "general", "一般"
    SERIOUS = "serious", "严重"


# Default days to fix, by severity (*default*, editable per finding within the inspector's limit).
DEFAULT_DAYS_TO_FIX = {Severity.GENERAL: 7, Severity.SERIOUS: 3}


class Indicator(models.Model):
    framework_version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="indicators")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="indicators")
    order = models.PositiveIntegerField(default=0)
    code = models.CharField("编号", max_length=20, blank=True)
    text = models.CharField("指标内容", max_length=300)
    method = models.CharField("评分方式", max_length=10, choices=ScoringMethod.choices, default=ScoringMethod.PASS_FAIL)
    max_score = models.DecimalField("满分", max_digits=6, decimal_places=2, default=Decimal(1))
    deduct_per = models.DecimalField("每处扣分", max_digits=6, decimal_places=2, default=Decimal(0))
    weight = models.DecimalField("权重", max_digits=6, decimal_places=2, default=Decimal(1))
    evidence_required = models.BooleanField("须拍照取证", default=False)
    severity = models.CharField("问题等级", max_length=10, choices=Severity.choices, default=Severity.GENERAL)
    # Empty: every school type. Otherwise a list of SchoolType values.
    school_types = models.JSONField("适用学校类型", default=list, blank=True)

    class Meta:
        ordering = ["section__order", "order", "id"]

    def __str__(self) -> str:
        return f"{self.code} {self.text}".strip()

    def applies_to(self, school_type: str) -> bool:
        return not self.school_types or school_type in self.school_types

    @property
    def school_type_labels(self) -> str:
        if not self.school_types:
            return "全部"
        return "、".join(str(SchoolType(t).label) for t in self.school_types if t in SchoolType.values)


class InspectionKind(models.TextChoices):
    FIELD = "field", "实地测评"
    REVISIT = "revisit", "回头看"
    UNANNOUNCED = "unannounced", "暗访"
    MOCK = "mock", "模拟测评"
    SELF = "self", "学校自查"


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", "已计划"
    IN_PROGRESS = "in_progress", "进行中"
    FINISHED = "finished", "已结束"
    PUBLISHED = "published", "结果已发布"


class InspectionQuerySet(ScopedQuerySetMixin, models.QuerySet["Inspection"]):
    scope_resource = "inspection"
    scope_path = "unit__path"


class Inspection(models.Model):
    """An inspection round (督查/测评轮次) organised by a unit over some of its schools."""

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=12, choices=InspectionKind.choices)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="组织单位")
    framework_version = models.ForeignKey(
        FrameworkVersion, on_delete=models.PROTECT, related_name="inspections", verbose_name="测评体系"
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="revisits", verbose_name="回头看的轮次"
    )
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    # The day of the real assessment this round prepares for: 倒排工期 counts down to it.
    assessment_on = models.DateField("正式测评日", null=True, blank=True)
    status = models.CharField(max_length=12, choices=InspectionStatus.choices, default=InspectionStatus.PLANNED)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = "督查轮次"
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_hidden_from_schools(self) -> bool:
        return self.kind == InspectionKind.UNANNOUNCED and self.status != InspectionStatus.PUBLISHED


class Team(models.Model):
    """分片包校: a team of inspectors with its share of the round's schools."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField("组名", max_length=50)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="inspection_teams", blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class TargetStatus(models.TextChoices):
    PENDING = "pending", "未开始"
    IN_PROGRESS = "in_progress", "填写中"
    SUBMITTED = "submitted", "已提交"


class TargetQuerySet(ScopedQuerySetMixin, models.QuerySet["Target"]):
    scope_resource = "inspection"
    scope_path = "school__path"


class Target(models.Model):
    """One school's checklist in a round."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="targets")
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="targets")
    status = models.CharField(max_length=12, choices=TargetStatus.choices, default=TargetStatus.PENDING)
    score = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    max_score = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    objects = TargetQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["inspection", "school"], name="target_unique_school")]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.inspection.name} · {self.school.name}"

    @property
    def percent(self) -> Decimal | None:
        if self.score is None or not self.max_score:
            return None
        return (self.score / self.max_score * 100).quantize(Decimal("0.1"))


class Result(models.TextChoices):
    PASS = "pass", "达标"
    FAIL = "fail", "不达标"
    NOT_APPLICABLE = "na", "不适用"


class Answer(models.Model):
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="answers")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(max_length=4, choices=Result.choices, blank=True)
    # Deduct method: occurrences found. Scale method: the points given.
    occurrences = models.PositiveIntegerField(default=0)
    value = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    note = models.CharField("说明", max_length=500, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    # 回头看: the earlier round's open finding this answer re-checks.
    previous_finding = models.ForeignKey(
        "Finding", null=True, blank=True, on_delete=models.PROTECT, related_name="rechecks"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["target", "indicator"], name="answer_unique_indicator")]

    def __str__(self) -> str:
        return f"{self.target_id}/{self.indicator_id}: {self.result}"


class AnswerPhoto(models.Model):
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="photos")
    indicator = models.ForeignKey(Indicator, null=True, on_delete=models.PROTECT, related_name="+")
    file = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT, related_name="+")
    # Where the phone said it was when the photo was taken (browser geolocation), besides EXIF GPS.
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"photo {self.file_id}"


class FindingQuerySet(ScopedQuerySetMixin, models.QuerySet["Finding"]):
    scope_resource = "inspection"
    scope_path = "school__path"


class Finding(models.Model):
    """A problem found at a school: a failed indicator, one the inspector added, or one handed over in Excel."""

    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="findings")
    target = models.ForeignKey(Target, null=True, blank=True, on_delete=models.PROTECT, related_name="findings")
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    category = models.CharField("类别", max_length=100)
    description = models.CharField("问题描述", max_length=500)
    severity = models.CharField("等级", max_length=10, choices=Severity.choices, default=Severity.GENERAL)
    # The latest date the school may set for fixing it.
    due_limit = models.DateField("最迟整改期限")
    source = models.CharField("来源", max_length=100, blank=True)
    photos = models.ManyToManyField("core.StoredFile", related_name="+", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = "问题"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.description

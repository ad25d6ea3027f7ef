"""维修改造项目: a repair or renovation of a school building or installation that needs money, often a hazard of
the rectification ledger that cannot be fixed without funding. A project runs 立项 → 备案 → 施工 → 完工 → 验收;
works estimated at ¥10,000 or more must be filed (备案/审批 number and date) before they may start
(`rules.FILING_THRESHOLD`); below it they are flagged for the simple procedure."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from dudao.orgs.scoping import ScopedQuerySetMixin


class ProjectKind(models.TextChoices):
    BUILDING = "building", "校舍维修加固"
    RENOVATION = "renovation", "改造提升"
    FIRE = "fire", "消防设施"
    SECURITY = "security", "安防设施"
    UTILITIES = "utilities", "水电线路"
    SPORTS = "sports", "运动场地"
    OTHER = "other", "其他"


class Funding(models.TextChoices):
    FISCAL = "fiscal", "财政资金"
    SELF = "self", "学校自筹"
    SPECIAL = "special", "专项资金"


class ProjectStatus(models.TextChoices):
    PROPOSED = "proposed", "立项"
    FILED = "filed", "备案"
    BUILDING = "building", "施工"
    COMPLETED = "completed", "完工"
    ACCEPTED = "accepted", "验收"


STATUS_ORDER = [s.value for s in ProjectStatus]


class ProjectQuerySet(ScopedQuerySetMixin, models.QuerySet["Project"]):
    scope_resource = "project"
    scope_path = "school__path"


class Project(models.Model):
    school = models.ForeignKey("orgs.OrgUnit", verbose_name="学校", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("项目名称", max_length=100)
    kind = models.CharField("项目类别", max_length=12, choices=ProjectKind.choices)
    estimate = models.DecimalField("预算金额（元）", max_digits=12, decimal_places=2)
    funding = models.CharField("资金来源", max_length=10, choices=Funding.choices)
    description = models.CharField("建设内容", max_length=500, blank=True)
    filing_number = models.CharField("备案/审批文号", max_length=60, blank=True)
    filed_on = models.DateField("备案/审批日期", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.PROPOSED)
    deadline = models.DateField("投入使用期限", null=True, blank=True)
    deadline_note = models.CharField("期限说明", max_length=60, blank=True)
    # The hazard this project repairs: a ledger item's id, shown through rectification's selectors.
    hazard_item_id = models.PositiveBigIntegerField("关联隐患（整改项）", null=True, blank=True)
    started_on = models.DateField("开工日期", null=True, blank=True)
    completed_on = models.DateField("完工日期", null=True, blank=True)
    accepted_on = models.DateField("验收日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = "维修改造项目"
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="project_status_deadline_idx"),
            models.Index(fields=["hazard_item_id"], name="project_hazard_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def needs_filing(self) -> bool:
        from dudao.projects.rules import needs_filing

        return needs_filing(self.estimate)

    @property
    def is_filed(self) -> bool:
        return bool(self.filing_number) and self.filed_on is not None

    def is_overdue_on(self, today: dt.date) -> bool:
        """Not yet in use (完工/验收) and past its deadline; computed, never stored."""
        return (
            self.deadline is not None
            and self.deadline < today
            and self.status not in (ProjectStatus.COMPLETED, ProjectStatus.ACCEPTED)
        )

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())

    @property
    def estimate_label(self) -> str:
        """85,000.00: yuan grouped by thousands, as a finance office writes it."""
        return f"{self.estimate:,.2f}"


class MilestoneQuerySet(ScopedQuerySetMixin, models.QuerySet["Milestone"]):
    scope_resource = "project"
    scope_path = "project__school__path"


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField("节点", max_length=60)
    planned_on = models.DateField("计划日期")
    actual_on = models.DateField("实际日期", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        verbose_name = "项目节点"
        ordering = ["project_id", "planned_on", "id"]

    def __str__(self) -> str:
        return self.name

    def is_late_on(self, today: dt.date) -> bool:
        return self.actual_on is None and self.planned_on < today


class PhotoStage(models.TextChoices):
    COMPLETION = "completion", "完工照片"
    ACCEPTANCE = "acceptance", "验收照片"


class ProjectPhoto(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField("类别", max_length=12, choices=PhotoStage.choices)
    file = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "项目照片"
        ordering = ["project_id", "stage", "id"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.pk}"

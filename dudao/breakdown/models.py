"""Saved analyses of a speech or notice (任务分解) and their editable rows.

The source text kept is the cleaned text in its original characters; row offsets point into it, so the page
can highlight a row's sentence. A row that became a draft directive links to it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import ScopedQuerySetMixin


class AnalysisQuerySet(ScopedQuerySetMixin, models.QuerySet["Analysis"]):
    scope_resource = "breakdown"
    scope_path = "unit__path"


class Analysis(models.Model):
    title = models.CharField("标题", max_length=200)
    unit = models.ForeignKey(OrgUnit, verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    doc_date = models.DateField("发文日期")
    source_text = models.TextField("原文")
    filename = models.CharField("文件名", max_length=200, blank=True)
    encoding = models.CharField("编码", max_length=20, blank=True)
    warnings = models.JSONField(default=list)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = AnalysisQuerySet.as_manager()

    class Meta:
        verbose_name = "任务分解"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class RowKind(models.TextChoices):
    """A speech also looks back, greets and exhorts: those rows are kept, marked and hidden by default."""

    TASK = "task", "任务"
    REVIEW = "review", "回顾"
    OTHER = "other", "非任务"


class RowQuerySet(ScopedQuerySetMixin, models.QuerySet["Row"]):
    scope_resource = "breakdown"
    scope_path = "analysis__unit__path"


class Row(models.Model):
    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField()
    section = models.CharField("层次", max_length=60, blank=True)
    task = models.CharField("任务", max_length=300)
    responsible = models.JSONField("责任主体", default=list)
    responsible_text = models.JSONField(default=list)
    deadline_text = models.CharField("时限原文", max_length=60, blank=True)
    deadline_start = models.DateField("开始", null=True, blank=True)
    deadline_end = models.DateField("截止", null=True, blank=True)
    recurrence = models.CharField("重复", max_length=10, blank=True)
    targets = models.JSONField("量化指标", default=list)
    mechanisms = models.JSONField("工作机制", default=list)
    module = models.CharField("对应模块", max_length=20, blank=True)
    needs_report = models.BooleanField(default=False)
    kind = models.CharField("类别", max_length=10, choices=RowKind.choices, default=RowKind.TASK)
    # The paragraph lost converter debris (pinyin with tone marks, mis-decoded characters): check the original.
    damaged = models.BooleanField("原文有残缺", default=False)
    # A person changed the row (its kind or its fields): `manage.py breakdown_corrections --export` collects these.
    corrected = models.BooleanField("经人工修改", default=False)
    source_start = models.PositiveIntegerField(default=0)
    source_end = models.PositiveIntegerField(default=0)
    directive = models.ForeignKey(
        "directives.Directive", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    objects = RowQuerySet.as_manager()

    class Meta:
        ordering = ["analysis_id", "position", "pk"]

    def __str__(self) -> str:
        return self.task

    @property
    def is_task(self) -> bool:
        return self.kind == RowKind.TASK

    @property
    def module_label(self) -> str:
        from dudao.breakdown.parser import MODULES

        return MODULES.get(self.module, self.module)

"""The precomputed indicator figures (监测指标汇总): one row per (indicator, unit, day).

A row holds the indicator's figure for the unit over the 30 days up to `day` (the default period of every reader:
the cockpit, briefings, the API without dates), as the indicator's own `compute` gave it at `computed_at`. The rows
of past days are kept: they are the cockpit's 30-day trends. They are derived data, rebuilt by
`dudao.command.summary.refresh` (huey, every 10 minutes in the day and at night, and soon after relevant writes);
nothing edits them by hand, so they carry no version and leave no audit event.
"""

from __future__ import annotations

from django.db import models

from dudao.orgs.models import OrgUnit


class IndicatorFigure(models.Model):
    code = models.CharField("指标代码", max_length=80)
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    day = models.DateField("统计截止日")
    value = models.FloatField(null=True)
    numerator = models.FloatField(null=True)
    denominator = models.FloatField(null=True)
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "监测指标汇总"
        constraints = [models.UniqueConstraint(fields=["day", "code", "unit"], name="indicator_figure_unique")]
        indexes = [models.Index(fields=["unit", "code", "day"], name="indicator_figure_trend")]

    def __str__(self) -> str:
        return f"{self.code} {self.unit_id} {self.day}"


class SummaryState(models.Model):
    """One row: when the figures were last computed, and whether a write has made them stale since (the debounce:
    the first write after a refresh marks `stale_since` and queues one refresh; later writes find it marked)."""

    key = models.CharField(max_length=20, unique=True, default="indicators")
    computed_at = models.DateTimeField(null=True)
    stale_since = models.DateTimeField(null=True)
    duration_ms = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "监测指标汇总状态"

    def __str__(self) -> str:
        return f"{self.key} {self.computed_at}"

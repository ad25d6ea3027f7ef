"""考评: appraisal schemes and their items, stored results (排位), objections (申诉) and 目标管理责任书.

A scheme is run by a bureau (the city bureau for district bureaus or schools, a district bureau for its schools)
for one period and one kind of unit. Its items are live indicators from the registry, manual scores, deductions or
one-vote vetoes; results are stored per unit so that ranking, the change since the last period and the export
read one table. A frozen scheme is never edited: a change copies it to a new edition.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Self

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dudao.core.models import StoredFile
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import ScopedQuerySetMixin, acting_assignment, scope_root_path


class PeriodKind(models.TextChoices):
    MONTH = "month", "月度"
    TERM = "term", "学期"
    YEAR = "year", "年度"


class AppraisedKind(models.TextChoices):
    DISTRICT = UnitKind.DISTRICT.value, "区县教育局"
    SCHOOL = UnitKind.SCHOOL.value, "学校"


class SchemeStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    ANNOUNCED = "announced", "已公布规则，考评中"
    FROZEN = "frozen", "成绩已冻结，待发布"
    PUBLISHED = "published", "成绩已发布"


class ItemKind(models.TextChoices):
    LIVE = "live", "监测指标"
    MANUAL = "manual", "人工评分"
    DEDUCTION = "deduction", "扣分项"
    TARGETS = "targets", "目标责任书完成情况"
    VETO = "veto", "一票否决"


class ScoringRule(models.TextChoices):
    LINEAR = "linear", "线性计分"
    BANDED = "banded", "分档计分"


class Comparison(models.TextChoices):
    GT = "gt", "大于"
    GE = "ge", "不低于"
    LT = "lt", "小于"
    LE = "le", "不高于"
    EQ = "eq", "等于"

    def holds(self, value: float, threshold: float) -> bool:
        return {
            "gt": value > threshold,
            "ge": value >= threshold,
            "lt": value < threshold,
            "le": value <= threshold,
            "eq": value == threshold,
        }[self.value]


class Band(models.TextChoices):
    GREEN = "green", "绿牌"
    YELLOW = "yellow", "黄牌"
    RED = "red", "红牌"


def ancestor_paths(path: str, steplen: int = OrgUnit.steplen) -> list[str]:
    return [path[:end] for end in range(steplen, len(path) + 1, steplen)]


# Schemes run above the viewer that it follows: a district bureau those appraising districts or schools (its own
# schools among them), a school those appraising schools.
APPRAISED_BELOW: dict[str, list[str]] = {
    UnitKind.DISTRICT: [UnitKind.DISTRICT, UnitKind.SCHOOL],
    UnitKind.SCHOOL: [UnitKind.SCHOOL],
}


class SchemeQuerySet(models.QuerySet["AppraisalScheme"]):
    def for_user(self, user: Any | AnonymousUser, action: str = "read") -> Self:
        """Reading: schemes run inside the viewer's subtree, and announced schemes run above it that appraise the
        viewer's kind of unit or the kind below it (a school sees the rules it is scored by, a district bureau how
        its schools are scored). Other actions: run inside the subtree."""
        root = scope_root_path(user, f"appraisal.{action}")
        if root is None:
            return self.none()
        own = Q(unit__path__under=root)
        if action != "read":
            return self.filter(own)
        acting = acting_assignment(user)
        kinds = APPRAISED_BELOW.get(acting.unit.kind if acting is not None else "", [])
        above = Q(unit__path__in=ancestor_paths(root)[:-1], unit_kind__in=kinds) & ~Q(status=SchemeStatus.DRAFT)
        return self.filter(own | above)


class AppraisalScheme(models.Model):
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="考评单位")
    name = models.CharField("方案名称", max_length=100)
    period_kind = models.CharField("考评周期", max_length=10, choices=PeriodKind.choices, default=PeriodKind.YEAR)
    period_start = models.DateField("考评期开始")
    period_end = models.DateField("考评期结束")
    unit_kind = models.CharField("被考评单位", max_length=10, choices=AppraisedKind.choices)
    # School types (SchoolType values) the scheme applies to; empty: every school.
    school_types = models.JSONField("学段类型", default=list, blank=True)
    green_from = models.DecimalField("绿牌分数线", max_digits=5, decimal_places=1, default=Decimal("90"))
    yellow_from = models.DecimalField("黄牌分数线", max_digits=5, decimal_places=1, default=Decimal("75"))
    # A one-vote veto caps the total at this score (below the yellow line, so the band is red).
    veto_cap = models.DecimalField("否决后最高得分", max_digits=5, decimal_places=1, default=Decimal("59"))
    objection_days = models.PositiveSmallIntegerField("申诉期（天）", default=5)
    objection_until = models.DateField("申诉截止日期", null=True, blank=True)
    # Whether the units appraised see the whole ranking once published, or only their own rank and score.
    publish_ranking = models.BooleanField("向被考评单位公开完整排位", default=True)
    status = models.CharField("状态", max_length=10, choices=SchemeStatus.choices, default=SchemeStatus.DRAFT)
    edition = models.PositiveSmallIntegerField("版本", default=1)
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="所替代的版本"
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="上一期方案"
    )
    computed_at = models.DateTimeField("最近计算时间", null=True, blank=True)
    frozen_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = SchemeQuerySet.as_manager()

    class Meta:
        verbose_name = "考评方案"
        ordering = ["-period_start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="scheme_period_order")
        ]

    def __str__(self) -> str:
        return self.name if self.edition == 1 else f"{self.name}（第{self.edition}版）"

    @property
    def is_editable(self) -> bool:
        return self.status in (SchemeStatus.DRAFT, SchemeStatus.ANNOUNCED)

    @property
    def is_objection_open(self) -> bool:
        return (
            self.status == SchemeStatus.PUBLISHED
            and self.objection_until is not None
            and timezone.localdate() <= self.objection_until
        )


class SchemeItem(models.Model):
    scheme = models.ForeignKey(AppraisalScheme, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=1)
    name = models.CharField("考评项目", max_length=60)
    kind = models.CharField("计分方式", max_length=10, choices=ItemKind.choices)
    weight = models.DecimalField("分值", max_digits=5, decimal_places=1, default=Decimal("0"))
    # live items and indicator vetoes: the registry code
    indicator_code = models.CharField("监测指标", max_length=60, blank=True)
    rule = models.CharField("计分规则", max_length=10, choices=ScoringRule.choices, blank=True)
    # linear: nothing at `floor`, full marks at `target` (floor above target for lower-is-better figures)
    floor = models.DecimalField("零分线", max_digits=10, decimal_places=2, null=True, blank=True)
    target = models.DecimalField("满分线", max_digits=10, decimal_places=2, null=True, blank=True)
    # banded: [[threshold, percent of the weight], ...], best band first
    bands = models.JSONField("分档", default=list, blank=True)
    # vetoes on an indicator: vetoed when `value <comparison> threshold`
    comparison = models.CharField("条件", max_length=2, choices=Comparison.choices, blank=True)
    threshold = models.DecimalField("阈值", max_digits=10, decimal_places=2, null=True, blank=True)
    # deductions: a registered adjustment source (core.adjustments) besides the entries recorded here
    source_code = models.CharField("扣分来源", max_length=60, blank=True)
    # manual items: the scoring standard and who scores
    criteria = models.TextField("评分标准", blank=True)
    assessors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name="评分人")

    class Meta:
        verbose_name = "考评项目"
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class ManualScore(models.Model):
    item = models.ForeignKey(SchemeItem, on_delete=models.CASCADE, related_name="manual_scores")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField("得分", max_digits=5, decimal_places=1)
    note = models.CharField("评分说明", max_length=500, blank=True)
    evidence = models.ManyToManyField(StoredFile, blank=True, related_name="+")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scored_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "unit"], name="manual_score_unique")]

    def __str__(self) -> str:
        return f"{self.item_id}/{self.unit_id}: {self.score}"


class Deduction(models.Model):
    """A deduction recorded by an assessor (an accountability record kept outside dudao, for now)."""

    item = models.ForeignKey(SchemeItem, on_delete=models.CASCADE, related_name="deductions")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField("扣分", max_digits=5, decimal_places=1)
    reason = models.CharField("扣分事由", max_length=500)
    evidence = models.ManyToManyField(StoredFile, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.reason[:30]}（-{self.points}）"


class VetoFlag(models.Model):
    """A one-vote veto set by an assessor for a unit, with the evidence (a concealed outbreak, a 师德 case…)."""

    item = models.ForeignKey(SchemeItem, on_delete=models.CASCADE, related_name="veto_flags")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("否决事由", max_length=500)
    evidence = models.ManyToManyField(StoredFile, blank=True, related_name="+")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "unit"], name="veto_flag_unique")]

    def __str__(self) -> str:
        return self.reason[:30]


class Result(models.Model):
    """One unit's result under one scheme (a scheme is one period and edition): item scores with their
    explanations, total, rank and band. Recomputed in place; `version` moves with every recomputation."""

    scheme = models.ForeignKey(AppraisalScheme, on_delete=models.CASCADE, related_name="results")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    # {item id (str): {"score", "max", "value", "numerator", "denominator", "note", "hint", "lost"}}
    items = models.JSONField(default=dict)
    total = models.DecimalField("总分", max_digits=6, decimal_places=2, default=Decimal("0"))
    rank = models.PositiveIntegerField("排名", null=True)
    previous_rank = models.PositiveIntegerField("上期排名", null=True)
    band = models.CharField("色牌", max_length=6, choices=Band.choices, default=Band.GREEN)
    vetoed = models.BooleanField("一票否决", default=False)
    veto_reason = models.CharField(max_length=500, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "考评结果"
        ordering = ["rank", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["scheme", "unit"], name="result_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.total}"

    @property
    def rank_change(self) -> int | None:
        """Places gained since the last period (negative: lost)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", "待处理"
    ACCEPTED = "accepted", "已采纳"
    REJECTED = "rejected", "未采纳"


class Objection(models.Model):
    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="objections")
    item = models.ForeignKey(SchemeItem, on_delete=models.CASCADE, related_name="+", verbose_name="申诉项目")
    reason = models.TextField("申诉理由")
    evidence = models.ManyToManyField(StoredFile, blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.PENDING)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("处理意见", max_length=500, blank=True)
    # The item's score before, and the corrected score when accepted.
    score_before = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    corrected_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "申诉"
        ordering = ["-filed_at", "-id"]

    def __str__(self) -> str:
        return f"申诉 {self.pk}（{self.get_status_display()}）"


class TargetBookQuerySet(ScopedQuerySetMixin, models.QuerySet["TargetBook"]):
    scope_resource = "target"
    scope_path = "unit__path"


class TargetBookStatus(models.TextChoices):
    ISSUED = "issued", "待签订"
    SIGNED = "signed", "已签订"


class TargetBook(models.Model):
    """目标管理责任书: a unit's targets for a year, issued by the bureau above it and signed by the unit head."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="责任单位")
    issuer = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="下达单位")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("名称", max_length=100)
    status = models.CharField(max_length=10, choices=TargetBookStatus.choices, default=TargetBookStatus.ISSUED)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = TargetBookQuerySet.as_manager()

    class Meta:
        verbose_name = "目标管理责任书"
        ordering = ["-year", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="target_book_unique")]

    def __str__(self) -> str:
        return self.title


class Target(models.Model):
    book = models.ForeignKey(TargetBook, on_delete=models.CASCADE, related_name="targets")
    position = models.PositiveSmallIntegerField(default=1)
    text = models.CharField("目标", max_length=300)
    # An indicator target (`indicator_code comparison value`) is checked live; a free-text one by hand.
    indicator_code = models.CharField("监测指标", max_length=60, blank=True)
    comparison = models.CharField(max_length=2, choices=Comparison.choices, blank=True)
    value = models.DecimalField("目标值", max_digits=10, decimal_places=2, null=True, blank=True)
    is_met = models.BooleanField("是否达成", null=True, blank=True)
    check_note = models.CharField("核查说明", max_length=300, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "责任目标"
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text

"""调度通报: briefings generated from the live indicators, edited, published with a 发文字号, confirmed read."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import ScopedQuerySetMixin


class BriefingStatus(models.TextChoices):
    GENERATING = "generating", "生成中"
    FAILED = "failed", "生成失败"
    DRAFT = "draft", "待发布"
    PUBLISHED = "published", "已发布"


class Trigger(models.TextChoices):
    WEEKLY = "weekly", "每周定时生成"
    MANUAL = "manual", "手动生成"


class BriefingQuerySet(ScopedQuerySetMixin, models.QuerySet["Briefing"]):
    scope_resource = "briefing"
    scope_path = "unit__path"


class Briefing(models.Model):
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="发文单位")
    # A campaign briefing covers the campaign's units; without one it covers the issuing unit's whole subtree.
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="专项工作",
    )
    trigger = models.CharField("生成方式", max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    period_start = models.DateField("统计开始日期")
    period_end = models.DateField("统计结束日期")
    title = models.CharField("标题", max_length=200, blank=True)
    addressee = models.CharField("主送机关", max_length=300, blank=True)
    # [{"heading": "一、总体情况", "text": "…"}]: the generated sections, rewritten by the writer.
    sections = models.JSONField("正文", default=list)
    copy_to = models.CharField("抄送", max_length=300, blank=True)
    # The figures the text was generated from, frozen: next week's briefing compares with them.
    figures = models.JSONField(default=dict)
    status = models.CharField("状态", max_length=12, choices=BriefingStatus.choices, default=BriefingStatus.GENERATING)
    progress = models.PositiveSmallIntegerField("进度", default=0)
    progress_note = models.CharField("进度说明", max_length=200, blank=True)
    # 发文字号, given at publication: prefix, year and number (临教督〔2026〕12号).
    doc_prefix = models.CharField("发文字号前缀", max_length=20, blank=True)
    doc_year = models.PositiveSmallIntegerField(null=True, blank=True)
    doc_number = models.PositiveIntegerField(null=True, blank=True)
    masthead = models.CharField("发文机关标志", max_length=60, blank=True)
    printer = models.CharField("印发机关", max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    generated_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = BriefingQuerySet.as_manager()

    class Meta:
        verbose_name = "调度通报"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="briefing_period"),
            models.UniqueConstraint(
                fields=["doc_prefix", "doc_year", "doc_number"],
                condition=Q(doc_number__isnull=False),
                name="briefing_doc_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"调度通报 {self.period_end:%Y-%m-%d}"

    @property
    def number_text(self) -> str:
        if self.doc_number is None or self.doc_year is None:
            return ""
        return f"{self.doc_prefix}〔{self.doc_year}〕{self.doc_number}号"

    @property
    def body_text(self) -> str:
        """The sections as one text: each heading on its own line, then its paragraphs."""
        parts: list[str] = []
        for section in self.sections:
            heading, text = str(section.get("heading", "")).strip(), str(section.get("text", "")).strip()
            if heading:
                parts.append(heading)
            if text:
                parts.append(text)
        return "\n".join(parts)

    @property
    def is_editable(self) -> bool:
        return self.status == BriefingStatus.DRAFT


class RecipientQuerySet(ScopedQuerySetMixin, models.QuerySet["BriefingRecipient"]):
    scope_resource = "briefing"
    scope_path = "unit__path"


class BriefingRecipient(models.Model):
    """A unit the published briefing went to; its head (principal, district head) confirms reading it."""

    briefing = models.ForeignKey(Briefing, on_delete=models.CASCADE, related_name="recipients")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    # Named in the text (late, lowest 知晓率 …), not only addressed.
    is_named = models.BooleanField(default=False)
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = RecipientQuerySet.as_manager()

    class Meta:
        verbose_name = "调度通报接收单位"
        ordering = ["unit__path"]
        constraints = [models.UniqueConstraint(fields=["briefing", "unit"], name="briefing_recipient_unique")]

    def __str__(self) -> str:
        return f"{self.briefing_id} → {self.unit_id}"


class IssuingProfile(models.Model):
    """How a unit issues its briefings: 发文字号 prefix, masthead, 印发机关, default addressees, the weekly run."""

    unit = models.OneToOneField(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="发文单位")
    doc_prefix = models.CharField("发文字号前缀", max_length=20)
    masthead = models.CharField("发文机关标志", max_length=60)
    printer = models.CharField("印发机关", max_length=100)
    addressee = models.CharField("主送机关", max_length=300, blank=True)
    copy_to = models.CharField("抄送", max_length=300, blank=True)
    # The weekly briefing is generated on the schedule of settings (DUDAO_BRIEFING_WEEKDAY / _TIME) as this writer,
    # whose scope and permissions bound its figures.
    is_weekly = models.BooleanField("每周自动生成", default=False)
    writer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="撰稿人",
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "发文设置"

    def __str__(self) -> str:
        return f"{self.unit_id} {self.doc_prefix}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "doc_prefix": self.doc_prefix,
            "masthead": self.masthead,
            "printer": self.printer,
            "addressee": self.addressee,
            "copy_to": self.copy_to,
            "is_weekly": self.is_weekly,
        }

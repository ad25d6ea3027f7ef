"""专项工作: a campaign (创城迎检, 开学疫情防控, 暑期防溺水…), its key dates and the units it involves.

A campaign is run by a unit (the city bureau or a district bureau) and involves units below it. Its 责任清单
(who answers for each unit) and the module objects attached to it (rounds, directives, notices, drills…) hang
off these rows.
"""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import scope_root_path


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "筹备中"
    ACTIVE = "active", "进行中"
    CLOSED = "closed", "已结束"


def ancestor_paths(path: str, steplen: int = OrgUnit.steplen) -> list[str]:
    """`path` and the paths of every unit above it."""
    return [path[:end] for end in range(steplen, len(path) + 1, steplen)]


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def for_user(self, user: Any | AnonymousUser, action: str = "read") -> Self:
        """Reading: campaigns run by a unit in the viewer's subtree, or run above it and involving a unit in the
        subtree or above it (a city campaign is seen by the schools of the districts it involves). Other actions:
        run inside the subtree."""
        root = scope_root_path(user, f"campaign.{action}")
        if root is None:
            return self.none()
        own = Q(unit__path__under=root)
        if action != "read":
            return self.filter(own)
        # Involving a unit inside the subtree, or a unit above it (a district involved: its schools take part).
        ancestors = ancestor_paths(root)
        involved = CampaignUnit.objects.filter(Q(unit__path__under=root) | Q(unit__path__in=ancestors))
        above = Q(unit__path__in=ancestors) & Q(pk__in=involved.values("campaign_id"))
        return self.filter(own | above)


class Campaign(models.Model):
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="发起单位")
    name = models.CharField("专项工作名称", max_length=100)
    summary = models.TextField("工作目标", blank=True)
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")
    status = models.CharField("状态", max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.ACTIVE)
    # 一把手 and 分管领导: the leaders who answer for the campaign.
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="主要负责领导",
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="分管领导",
    )
    # 牵头科室: an office of the running unit.
    office = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="牵头科室"
    )
    # The monitoring figures (codes of `dudao.core.indicators`) shown on the campaign page.
    indicator_codes = models.JSONField("关注的监测指标", default=list, blank=True)
    # 红黄绿: a component at or above `green_at` % is green, at or above `yellow_at` % yellow, below that red.
    green_at = models.PositiveSmallIntegerField("绿灯线（%）", default=90)
    yellow_at = models.PositiveSmallIntegerField("黄灯线（%）", default=60)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "专项工作"
        ordering = ["-start", "-id"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="campaign_period_order")]

    def __str__(self) -> str:
        return self.name


class KeyDate(models.Model):
    """A date the campaign works towards: 迎检日, 材料报送截止, 自查完成…; the cockpit counts down to the next."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="key_dates")
    name = models.CharField("节点名称", max_length=60)
    date = models.DateField("日期")
    # The date the whole campaign is judged on (the assessment day): shown first.
    is_assessment = models.BooleanField("考核验收日", default=False)

    class Meta:
        verbose_name = "关键节点"
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.name} {self.date:%Y-%m-%d}"


class CampaignUnit(models.Model):
    """A unit the campaign involves (a district bureau or a school): one line of the 责任清单."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="责任单位")
    # 责任清单: people of the unit (role holders on it or below it, or staff whose home unit is inside it).
    first_responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="第一责任人",
    )
    deputy_responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="分管负责人",
    )
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="具体联系人",
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "责任单位"
        ordering = ["unit__path"]
        constraints = [models.UniqueConstraint(fields=["campaign", "unit"], name="campaign_unit_unique")]

    def __str__(self) -> str:
        return f"{self.campaign_id} → {self.unit_id}"


class ItemKind(models.TextChoices):
    """What a module object attached to a campaign counts as: one line of the campaign page each."""

    ROUND = "round", "督查测评"
    DIRECTIVE = "directive", "工作部署"
    NOTICE = "notice", "家长告知书"
    PLAN = "plan", "应急预案"
    DRILL = "drill", "应急演练"
    RESPONSE = "response", "迎检响应"
    LEAVE = "leave", "管控期"
    BREAKDOWN = "breakdown", "任务分解"
    LEDGER = "ledger", "整改问题"


# The module page of an attached object, from its id alone (the list of attached objects reads no module rows).
_PAGES: dict[str, tuple[str, bool]] = {
    ItemKind.ROUND: ("inspections:round", True),
    ItemKind.DIRECTIVE: ("directives:detail", True),
    ItemKind.NOTICE: ("notices:detail", True),
    ItemKind.PLAN: ("duty:plan", True),
    ItemKind.DRILL: ("duty:coverage", False),
    ItemKind.RESPONSE: ("duty:response", True),
    ItemKind.LEAVE: ("duty:leave", False),
    ItemKind.BREAKDOWN: ("breakdown:detail", True),
    ItemKind.LEDGER: ("rectification:item", True),
}


def page_of(kind: str, object_id: int) -> str:
    name, takes_id = _PAGES[kind]
    return reverse(name, args=[object_id]) if takes_id else reverse(name)


class CampaignItem(models.Model):
    """A module object attached to a campaign (a round, a directive, a notice…), by content type and id: domain
    apps never import campaigns, so the link lives here."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField("类别", max_length=12, choices=ItemKind.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    # The object's name when attached, for lists and the audit trail.
    title = models.CharField("名称", max_length=200)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "专项工作关联事项"
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "content_type", "object_id"], name="campaign_item_unique")
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="campaign_item_object_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def url(self) -> str:
        return page_of(self.kind, self.object_id)

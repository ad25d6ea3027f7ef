"""部门协同: outside departments (公安派出所, 交警, 城管, 市场监管 …) kept by a bureau or district as partner units,
tasks (or ledger hazards) sent to them through a signed link they open without an account, and joint campaigns on
the school surroundings (校园周边综合治理) whose problems are tasks to partners, tracked to closure."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from dudao.orgs.scoping import ScopedQuerySetMixin


class PartnerKind(models.TextChoices):
    POLICE = "police", "公安派出所"
    TRAFFIC = "traffic", "交警"
    URBAN = "urban", "城管"
    MARKET = "market", "市场监管"
    HEALTH = "health", "卫健/疾控"
    EMERGENCY = "emergency", "应急管理"
    SAFETY_COMMITTEE = "safety_committee", "安委办"
    TOWNSHIP = "township", "乡镇/街道"
    CIVIL = "civil", "民政"
    YOUTH = "youth", "团委"
    WOMEN = "women", "妇联"
    OTHER = "other", "其他"


class PartnerQuerySet(ScopedQuerySetMixin, models.QuerySet["Partner"]):
    scope_resource = "partner"
    scope_path = "owner__path"


class Partner(models.Model):
    """An outside department the bureau or district works with; `owner` is the unit that keeps it (scoping)."""

    owner = models.ForeignKey("orgs.OrgUnit", verbose_name="维护单位", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("单位名称", max_length=80)
    kind = models.CharField("类别", max_length=20, choices=PartnerKind.choices)
    address = models.CharField("地址", max_length=120, blank=True)
    note = models.CharField("协作事项", max_length=300, blank=True)
    covers = models.ManyToManyField(
        "orgs.OrgUnit", verbose_name="辖区内单位/学校", blank=True, related_name="partners_covering"
    )
    is_active = models.BooleanField("合作中", default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        verbose_name = "协作单位"
        ordering = ["owner__path", "kind", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="partner_unique_name")]

    def __str__(self) -> str:
        return self.name


class PartnerContact(models.Model):
    """A person at the partner: the task link goes to them (by SMS or 微信, outside dudao)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField("姓名", max_length=40)
    post = models.CharField("职务", max_length=40, blank=True)
    phone = models.CharField("电话", max_length=20)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "联系人"
        ordering = ["partner_id", "id"]

    def __str__(self) -> str:
        return self.name


class CampaignStatus(models.TextChoices):
    ACTIVE = "active", "进行中"
    CLOSED = "closed", "已结束"


class CampaignQuerySet(ScopedQuerySetMixin, models.QuerySet["JointCampaign"]):
    scope_resource = "partner"
    scope_path = "owner__path"


class JointCampaign(models.Model):
    """校园周边综合治理 and the like: partner departments and target schools; each problem found is a task."""

    owner = models.ForeignKey("orgs.OrgUnit", verbose_name="牵头单位", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("行动名称", max_length=100)
    description = models.CharField("工作内容", max_length=1000, blank=True)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    partners = models.ManyToManyField(Partner, verbose_name="参与部门", related_name="campaigns")
    schools = models.ManyToManyField("orgs.OrgUnit", verbose_name="目标学校", related_name="+")
    status = models.CharField(max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "联合行动"
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.title


class TaskStatus(models.TextChoices):
    SENT = "sent", "待签收"
    ACKNOWLEDGED = "acknowledged", "已签收"
    REPORTED = "reported", "已反馈"
    CLOSED = "closed", "已办结"


OPEN_STATES = (TaskStatus.SENT, TaskStatus.ACKNOWLEDGED)


class PartnerTask(models.Model):
    """A matter sent to a partner through a signed link: 签收 (acknowledged), 反馈 (report with photos), 办结
    (closed by the sender after review). `link_key` is part of the link: resending changes it (old links die),
    revoking sets `link_revoked_at` (the link answers 404)."""

    owner = models.ForeignKey("orgs.OrgUnit", verbose_name="交办单位", on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(Partner, verbose_name="协作单位", on_delete=models.PROTECT, related_name="tasks")
    campaign = models.ForeignKey(
        JointCampaign, verbose_name="联合行动", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    school = models.ForeignKey(
        "orgs.OrgUnit", verbose_name="涉及学校", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A hazard of the rectification ledger (整改台账), shown through rectification's selectors.
    hazard_id = models.PositiveIntegerField("关联隐患", null=True, blank=True)
    title = models.CharField("事项", max_length=100)
    description = models.CharField("具体情况和要求", max_length=1000)
    location = models.CharField("地点", max_length=120, blank=True)
    due_on = models.DateField("办理时限")
    status = models.CharField(max_length=14, choices=TaskStatus.choices, default=TaskStatus.SENT)
    link_key = models.CharField(max_length=16)
    link_revoked_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    resent_count = models.PositiveSmallIntegerField(default=0)
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    acknowledged_by = models.CharField("签收人", max_length=40, blank=True)
    reported_at = models.DateTimeField("反馈时间", null=True, blank=True)
    reported_by = models.CharField("反馈人", max_length=40, blank=True)
    report = models.CharField("办理情况", max_length=2000, blank=True)
    report_count = models.PositiveSmallIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_note = models.CharField("审核意见", max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "协同任务"
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["partner", "status"], name="partner_task_partner_idx"),
            models.Index(fields=["status", "due_on"], name="partner_task_status_due_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_link_live(self) -> bool:
        return self.link_revoked_at is None

    def is_overdue(self, today: dt.date) -> bool:
        return self.due_on < today and self.status in OPEN_STATES


class TaskPhoto(models.Model):
    """A photo of the partner's report; a new report replaces the photos of the earlier one."""

    task = models.ForeignKey(PartnerTask, on_delete=models.CASCADE, related_name="photos")
    file = models.ForeignKey("core.StoredFile", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "反馈照片"
        ordering = ["task_id", "id"]

    def __str__(self) -> str:
        return f"反馈照片 {self.pk}"

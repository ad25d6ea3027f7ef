"""通报: bulletins on an inspection round, published to the schools concerned."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import ScopedQuerySetMixin


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"


class BulletinQuerySet(ScopedQuerySetMixin, models.QuerySet["Bulletin"]):
    scope_resource = "bulletin"
    scope_path = "unit__path"


class Bulletin(models.Model):
    inspection = models.ForeignKey("inspections.Inspection", on_delete=models.PROTECT, related_name="bulletins")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="发文单位")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文")
    # Schools with at least this many problems are listed by name.
    threshold = models.PositiveSmallIntegerField("点名通报问题数", default=3)
    # The figures the text was generated from, frozen at generation time.
    figures = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    # 发文字号 given on publishing (core.docnumbers), e.g. 临江教督通〔2026〕3号; empty while a draft.
    number_text = models.CharField("发文字号", max_length=40, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = BulletinQuerySet.as_manager()

    class Meta:
        verbose_name = "通报"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class RecipientQuerySet(ScopedQuerySetMixin, models.QuerySet["BulletinRecipient"]):
    scope_resource = "bulletin"
    scope_path = "school__path"


class BulletinRecipient(models.Model):
    """A school the published bulletin went to; the principal confirms reading it."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="recipients")
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = RecipientQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bulletin", "school"], name="bulletin_recipient_unique")]

    def __str__(self) -> str:
        return f"{self.bulletin_id} → {self.school_id}"


class BulletinNumbering(models.Model):
    """The 发文字号 prefix an issuing unit gives its bulletins (default: its short name + 教督通)."""

    unit = models.OneToOneField(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="发文单位")
    prefix = models.CharField("发文字号前缀", max_length=20)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "通报发文字号设置"

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.prefix}"

"""门卫登记: one row per visit at a school's gate. The visitor's ID number and phone are personal data: shown
masked, revealed only to the roles that trace contacts (with an access event), purged after the retention period."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import ScopedQuerySetMixin

# 体温 at or above this is a fever (the 晨午检 threshold).
FEVER = Decimal("37.3")


class VisitReason(models.TextChoices):
    PARENT = "parent", "家长来访"
    OFFICIAL = "official", "公务检查"
    DELIVERY = "delivery", "送货/快递"
    REPAIR = "repair", "维修/施工"
    MEETING = "meeting", "会议/交流"
    INTERVIEW = "interview", "应聘/面试"
    OTHER = "other", "其他"


class VisitQuerySet(ScopedQuerySetMixin, models.QuerySet["Visit"]):
    scope_resource = "visitor"
    scope_path = "school__path"


class Visit(models.Model):
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name="学校")
    name = models.CharField("姓名", max_length=40)
    id_card_no = models.CharField("身份证号", max_length=18)
    phone = models.CharField("手机号", max_length=11)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="被访人",
    )
    host_text = models.CharField("被访人（校外或未登记）", max_length=60, blank=True)
    reason = models.CharField("来访事由", max_length=12, choices=VisitReason.choices)
    reason_other = models.CharField("其他事由", max_length=60, blank=True)
    has_symptoms = models.BooleanField("有发热、咳嗽等症状", default=False)
    temperature = models.DecimalField("体温（℃）", max_digits=3, decimal_places=1)
    travel_history = models.CharField("近14天旅居史", max_length=100, blank=True)
    checked_in_at = models.DateTimeField("进校时间")
    checked_out_at = models.DateTimeField("离校时间", null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = "来访登记"
        ordering = ["-checked_in_at", "-id"]
        indexes = [
            models.Index(fields=["school", "checked_in_at"], name="visit_school_time_idx"),
            models.Index(fields=["checked_in_at"], name="visit_time_idx"),
            models.Index(fields=["phone", "checked_in_at"], name="visit_phone_idx"),
            models.Index(fields=["id_card_no"], name="visit_id_card_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.checked_in_at:%Y-%m-%d %H:%M}"

    @property
    def is_inside(self) -> bool:
        return self.checked_out_at is None

    @property
    def reason_label(self) -> str:
        if self.reason == VisitReason.OTHER and self.reason_other:
            return f"其他：{self.reason_other}"
        return str(self.get_reason_display())

    @property
    def host_label(self) -> str:
        return self.host.display_name if self.host is not None else self.host_text

    @property
    def health_flag(self) -> bool:
        """A visitor to tell the school doctor about: symptoms, a temperature of 37.3 ℃ or more, or travel."""
        return self.has_symptoms or self.temperature >= FEVER or bool(self.travel_history)

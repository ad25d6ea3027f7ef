"""师德师风: the yearly commitment (师德承诺书) and who acknowledged it, incidents (师德失范事件) from report to measure
with the one-vote veto (一票否决) for a period, and commendations (优秀教师, 模范教师, 师德标兵 …).

Incidents are confidential like case files: object-level visibility (`selectors.incidents_for`), the facts and the
investigation encrypted (`core.crypto.EncryptedTextField`), every detail read an access event."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from dudao.core.crypto import EncryptedTextField
from dudao.orgs.scoping import ScopedQuerySetMixin


class Source(models.TextChoices):
    COMPLAINT = "complaint", "投诉"
    INSPECTION = "inspection", "督查发现"
    REPORT = "report", "举报"
    MEDIA = "media", "媒体"


class Category(models.TextChoices):
    """《新时代中小学教师职业行为十项准则》的常见失范行为."""

    PAID_TUTORING = "paid_tutoring", "有偿补课"
    GIFTS = "gifts", "收受礼品礼金"
    CORPORAL = "corporal", "体罚或变相体罚学生"
    VERBAL = "verbal", "侮辱歧视学生"
    HARASSMENT = "harassment", "性骚扰或不当关系"
    SPEECH = "speech", "不当言行"
    DUTY = "duty", "敷衍教学、失职"
    OTHER = "other", "其他"


class IncidentStatus(models.TextChoices):
    ACCEPTED = "accepted", "已受理"
    INVESTIGATING = "investigating", "调查中"
    DECIDED = "decided", "已认定"
    HANDLED = "handled", "已处理"
    CLOSED = "closed", "已办结"


class Finding(models.TextChoices):
    SUBSTANTIATED = "substantiated", "成立"
    UNSUBSTANTIATED = "unsubstantiated", "不成立"


class Measure(models.TextChoices):
    CRITICISM = "criticism", "批评教育"
    NOTICE = "notice", "通报批评"
    NO_HONOURS = "no_honours", "取消评优"
    SANCTION = "sanction", "处分"


class IncidentQuerySet(ScopedQuerySetMixin, models.QuerySet["Incident"]):
    scope_resource = "ethics"
    scope_path = "school__path"


class Incident(models.Model):
    """One 师德失范 report about one teacher, walked 受理 → 调查 → 认定 → 处理 → 办结."""

    school = models.ForeignKey(
        "orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name="所在单位"
    )  # the teacher's unit when reported: the incident stays with it after a transfer
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ethics_incidents", verbose_name="教师"
    )
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    source_ref = models.CharField("来源编号", max_length=40, blank=True, help_text="如投诉件编号、督查通报文号")
    category = models.CharField("问题类别", max_length=20, choices=Category.choices)
    reported_on = models.DateField("受理日期")
    facts = EncryptedTextField("反映的问题")
    investigation = EncryptedTextField("调查情况", blank=True)
    status = models.CharField(max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.ACCEPTED)
    finding = models.CharField("认定结论", max_length=20, choices=Finding.choices, blank=True)
    found_on = models.DateField("认定日期", null=True, blank=True)
    measure = models.CharField("处理方式", max_length=20, choices=Measure.choices, blank=True)
    measure_body = models.CharField("处理决定机关", max_length=60, blank=True)
    measure_on = models.DateField("处理决定日期", null=True, blank=True)
    measure_ref = models.CharField("处理决定文号", max_length=60, blank=True)
    is_veto = models.BooleanField("一票否决", default=False)
    veto_from = models.DateField("否决期起", null=True, blank=True)
    veto_until = models.DateField("否决期止", null=True, blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    request_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    version = models.PositiveIntegerField(default=1)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = "师德失范事件"
        verbose_name_plural = "师德失范事件"
        ordering = ["-reported_on", "-id"]
        indexes = [
            models.Index(fields=["teacher", "is_veto"], name="ethics_incident_teacher_idx"),
            models.Index(fields=["is_veto", "veto_from", "veto_until"], name="ethics_incident_veto_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_veto=False)
                | models.Q(veto_from__isnull=False, veto_until__isnull=False, veto_from__lte=models.F("veto_until")),
                name="ethics_veto_has_period",
            )
        ]

    def __str__(self) -> str:
        return f"师德事件 #{self.pk}"

    def veto_active_on(self, day: dt.date) -> bool:
        if not self.is_veto or self.veto_from is None or self.veto_until is None:
            return False
        return self.veto_from <= day <= self.veto_until


class Commitment(models.Model):
    """The year's 师德承诺书, published by a bureau for every staff member of its subtree."""

    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name="发布单位")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("标题", max_length=80)
    text = models.TextField("承诺内容")
    due_on = models.DateField("签署截止日期", null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "师德承诺书"
        verbose_name_plural = "师德承诺书"
        ordering = ["-year", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="ethics_commitment_unique_year")]

    def __str__(self) -> str:
        return self.title


class Acknowledgement(models.Model):
    """A staff member read and acknowledged the year's commitment (once)."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="acknowledgements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "承诺书签署"
        constraints = [models.UniqueConstraint(fields=["commitment", "user"], name="ethics_ack_once")]

    def __str__(self) -> str:
        return f"{self.commitment} · {self.user_id}"


class Honour(models.TextChoices):
    EXCELLENT_TEACHER = "excellent_teacher", "优秀教师"
    MODEL_TEACHER = "model_teacher", "模范教师"
    ETHICS_MODEL = "ethics_model", "师德标兵"
    EXCELLENT_CLASS_TEACHER = "excellent_class_teacher", "优秀班主任"
    EXCELLENT_EDUCATOR = "excellent_educator", "优秀教育工作者"
    OTHER = "other", "其他荣誉"


class Level(models.TextChoices):
    NATIONAL = "national", "国家级"
    PROVINCIAL = "provincial", "省级"
    CITY = "city", "市级"
    DISTRICT = "district", "区县级"
    SCHOOL = "school", "校级"


class CommendationQuerySet(ScopedQuerySetMixin, models.QuerySet["Commendation"]):
    scope_resource = "ethics"
    scope_path = "school__path"


class Commendation(models.Model):
    school = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name="所在单位")
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ethics_commendations", verbose_name="教师"
    )
    honour = models.CharField("荣誉称号", max_length=30, choices=Honour.choices)
    name = models.CharField("称号全称", max_length=60, blank=True, help_text="“其他荣誉”时填写")
    level = models.CharField("级别", max_length=20, choices=Level.choices)
    awarded_on = models.DateField("授予日期")
    awarded_by = models.CharField("授予机关", max_length=60)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = CommendationQuerySet.as_manager()

    class Meta:
        verbose_name = "师德表彰"
        verbose_name_plural = "师德表彰"
        ordering = ["-awarded_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "honour", "level", "awarded_on"], name="ethics_commendation_unique"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        honour = self.name if self.honour == Honour.OTHER and self.name else self.get_honour_display()
        return f"{self.get_level_display()}{honour}"

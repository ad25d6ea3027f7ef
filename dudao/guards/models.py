"""校园安保与三防: a school's guards (保安) with their 保安员证 and training, its security equipment with check dates,
and a small per-school profile (寄宿制, 封闭化管理) that the 三防 card (人防 物防 技防) is computed from.

The card itself is never stored: `rules.card_for` computes it from these rows (docs/校园安保三防.md)."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone

from dudao.orgs.scoping import ScopedQuerySetMixin


class Employer(models.TextChoices):
    SCHOOL = "school", "学校自聘"
    COMPANY = "company", "保安服务公司派驻"


class EquipmentKind(models.TextChoices):
    ALARM = "alarm", "一键报警装置"
    VIDEO = "video", "视频监控系统"
    BARRIER = "barrier", "防冲撞设施"
    GEAR = "gear", "护卫器械"


# 技防 (technical) and 物防 (physical) equipment; the card reads each group.
TECHNICAL_KINDS = (EquipmentKind.ALARM, EquipmentKind.VIDEO)
PHYSICAL_KINDS = (EquipmentKind.BARRIER, EquipmentKind.GEAR)
DEFAULT_INTERVALS = {
    EquipmentKind.ALARM: 30,
    EquipmentKind.VIDEO: 30,
    EquipmentKind.BARRIER: 90,
    EquipmentKind.GEAR: 90,
}


class ProfileQuerySet(ScopedQuerySetMixin, models.QuerySet["SecurityProfile"]):
    scope_resource = "guard"
    scope_path = "school__path"


class SecurityProfile(models.Model):
    """What the guard rule needs to know of a school beyond its enrolment: boarding (guards at night too)."""

    school = models.OneToOneField(
        "orgs.OrgUnit", verbose_name="学校", on_delete=models.PROTECT, related_name="security_profile"
    )
    is_boarding = models.BooleanField("寄宿制学校", default=False)
    is_closed_campus = models.BooleanField("封闭化管理", default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ProfileQuerySet.as_manager()

    class Meta:
        verbose_name = "学校安保概况"

    def __str__(self) -> str:
        return f"{self.school_id} 安保概况"


class GuardQuerySet(ScopedQuerySetMixin, models.QuerySet["Guard"]):
    scope_resource = "guard"
    scope_path = "school__path"


class Guard(models.Model):
    """One guard of a school. The ID number is stored whole and shown masked; revealing it needs
    `guard.unmask_id` and leaves an access event."""

    school = models.ForeignKey("orgs.OrgUnit", verbose_name="学校", on_delete=models.PROTECT, related_name="guards")
    name = models.CharField("姓名", max_length=40)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    id_card_no = models.CharField("身份证号", max_length=18, blank=True)
    licence_number = models.CharField("保安员证编号", max_length=40, blank=True)
    licence_expires_on = models.DateField("保安员证有效期至", null=True, blank=True)
    trained_on = models.DateField("最近培训日期", null=True, blank=True)
    employer = models.CharField("用工方式", max_length=10, choices=Employer.choices, default=Employer.SCHOOL)
    company = models.CharField("保安服务公司", max_length=100, blank=True)
    works_nights = models.BooleanField("承担夜间值守", default=False)
    is_active = models.BooleanField("在岗", default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    objects = GuardQuerySet.as_manager()

    class Meta:
        verbose_name = "保安员"
        ordering = ["school_id", "-is_active", "name", "id"]
        indexes = [models.Index(fields=["school", "is_active"], name="guard_school_active_idx")]

    def __str__(self) -> str:
        return self.name


class EquipmentQuerySet(ScopedQuerySetMixin, models.QuerySet["Equipment"]):
    scope_resource = "guard"
    scope_path = "school__path"


class Equipment(models.Model):
    """One item (or set) of security equipment, checked every `check_interval_days`."""

    school = models.ForeignKey(
        "orgs.OrgUnit", verbose_name="学校", on_delete=models.PROTECT, related_name="security_equipment"
    )
    kind = models.CharField("设施类别", max_length=10, choices=EquipmentKind.choices)
    description = models.CharField("说明", max_length=100, blank=True)
    quantity = models.PositiveIntegerField("数量", default=1)
    # Video: the share of the campus's key places covered (0-100); others leave it empty.
    coverage = models.PositiveSmallIntegerField("覆盖率（%）", null=True, blank=True)
    linked_to_police = models.BooleanField("与公安联网", default=False)
    is_working = models.BooleanField("运行正常", default=True)
    last_checked_on = models.DateField("最近检查日期", null=True, blank=True)
    check_interval_days = models.PositiveSmallIntegerField("检查周期（天）", default=30)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    objects = EquipmentQuerySet.as_manager()

    class Meta:
        verbose_name = "安防设施"
        ordering = ["school_id", "kind", "id"]
        indexes = [models.Index(fields=["school", "kind"], name="guard_equipment_kind_idx")]

    def __str__(self) -> str:
        return self.get_kind_display()

    def next_check_on(self) -> dt.date | None:
        if self.last_checked_on is None:
            return None
        return self.last_checked_on + dt.timedelta(days=self.check_interval_days)

    def is_check_overdue(self, today: dt.date) -> bool:
        due = self.next_check_on()
        return due is None or due < today

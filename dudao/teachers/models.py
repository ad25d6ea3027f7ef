"""教师档案: one profile per staff account, its certificates, and the units the person was posted to.

The account (`accounts.User`) keeps what logging in needs (name, phone, unit); the profile keeps the personnel
facts a school's 人事 clerk keeps in Excel today. The ID number is stored whole and shown masked
(`orgs.text.mask_id_card`); revealing it needs `teacher.unmask_id` and leaves an access event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.utils import timezone

from dudao.orgs.scoping import scope_root_path


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class Post(models.TextChoices):
    TEACHING = "teaching", "专任教师"
    MANAGEMENT = "management", "管理人员"
    SUPPORT = "support", "工勤人员"
    AUXILIARY = "auxiliary", "教辅人员"


class Employment(models.TextChoices):
    ESTABLISHED = "established", "在编"
    CONTRACT = "contract", "聘用"
    PURCHASED = "purchased", "政府购买服务"


class Title(models.TextChoices):
    SENIOR_PROFESSOR = "senior_professor", "正高级教师"
    SENIOR = "senior", "高级教师"
    FIRST = "first", "一级教师"
    SECOND = "second", "二级教师"
    THIRD = "third", "三级教师"
    NONE = "none", "未定级"


class Qualification(models.TextChoices):
    """教师资格证 by school stage (教师资格条例)."""

    NONE = "", "无"
    KINDERGARTEN = "kindergarten", "幼儿园教师资格"
    PRIMARY = "primary", "小学教师资格"
    JUNIOR = "junior", "初级中学教师资格"
    SENIOR = "senior", "高级中学教师资格"
    VOCATIONAL = "vocational", "中等职业学校教师资格"
    VOCATIONAL_PRACTICE = "vocational_practice", "中等职业学校实习指导教师资格"


class CertificateKind(models.TextChoices):
    PSYCH_A = "psych_a", "心理健康教育 A 证"
    PSYCH_B = "psych_b", "心理健康教育 B 证"
    PSYCH_C = "psych_c", "心理健康教育 C 证"
    FIRST_AID = "first_aid", "急救员证"
    GUARD = "guard", "保安员证"
    HEALTH = "health", "健康证"
    MANDARIN = "mandarin", "普通话水平测试等级证书"
    OTHER = "other", "其他证书"


class ProfileQuerySet(models.QuerySet["StaffProfile"]):
    def for_user(self, user: Any | AnonymousUser, action: str = "read") -> Self:
        """Profiles of people whose unit lies in the viewer's subtree for `teacher.<action>`."""
        root = scope_root_path(user, f"teacher.{action}")
        if root is None:
            return self.none()
        return self.filter(user__unit__path__under=root)


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile", verbose_name="人员"
    )
    gender = models.CharField("性别", max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    id_card_no = models.CharField("身份证号", max_length=18, blank=True)
    post = models.CharField("岗位类别", max_length=20, choices=Post.choices, default=Post.TEACHING)
    employment = models.CharField("用工形式", max_length=20, choices=Employment.choices, default=Employment.ESTABLISHED)
    subjects = models.CharField("任教学科", max_length=100, blank=True, help_text="多个学科用顿号分隔")
    is_class_teacher = models.BooleanField("担任班主任", default=False)
    title = models.CharField("职称", max_length=20, choices=Title.choices, default=Title.NONE)
    title_date = models.DateField("职称取得时间", null=True, blank=True)
    qualification = models.CharField("教师资格", max_length=30, choices=Qualification.choices, blank=True)
    qualification_no = models.CharField("教师资格证号", max_length=30, blank=True)
    work_started_on = models.DateField("参加工作时间", null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = ProfileQuerySet.as_manager()

    class Meta:
        verbose_name = "教师档案"
        verbose_name_plural = "教师档案"
        constraints = [
            models.UniqueConstraint(
                fields=["id_card_no"], condition=~models.Q(id_card_no=""), name="staff_profile_id_card_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user.display_name}的档案"

    def age(self, today: dt.date) -> int | None:
        if self.birth_date is None:
            return None
        return (
            today.year
            - self.birth_date.year
            - ((today.month, today.day) < (self.birth_date.month, self.birth_date.day))
        )

    def years_of_service(self, today: dt.date) -> int | None:
        if self.work_started_on is None:
            return None
        start = self.work_started_on
        return max(0, today.year - start.year - ((today.month, today.day) < (start.month, start.day)))


class Certificate(models.Model):
    profile = models.ForeignKey(StaffProfile, on_delete=models.CASCADE, related_name="certificates")
    kind = models.CharField("证书", max_length=20, choices=CertificateKind.choices)
    name = models.CharField("证书名称", max_length=60, blank=True, help_text="“其他证书”时填写")
    number = models.CharField("证书编号", max_length=40, blank=True)
    issued_on = models.DateField("发证日期", null=True, blank=True)
    expires_on = models.DateField("有效期至", null=True, blank=True, help_text="长期有效的不填")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "证书"
        verbose_name_plural = "证书"
        ordering = ["kind", "-issued_on", "id"]
        indexes = [models.Index(fields=["kind", "expires_on"], name="teacher_cert_kind_expiry_idx")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name if self.kind == CertificateKind.OTHER and self.name else self.get_kind_display()


class Posting(models.Model):
    """One stretch of a person's work in one unit: a transfer ends one and starts the next."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="postings")
    unit = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name="单位")
    started_on = models.DateField("起始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    note = models.CharField("说明", max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "任职经历"
        verbose_name_plural = "任职经历"
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(ended_on__isnull=True), name="teacher_one_open_posting"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.started_on}"

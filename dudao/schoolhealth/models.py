"""免疫接种与学校卫生: vaccination doses and contraindications per student or staff member, annual health exams,
the school's health room and staff, disinfection logs, and the bureau's coverage targets.

A dose row names its unit (the student's class, or the school for a staff member) for scoping; coverage itself is
counted through the student's current class, so a transfer moves the student's doses with them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dudao.orgs.models import OrgUnit, Student
from dudao.orgs.scoping import ScopedQuerySetMixin
from dudao.schoolhealth.vaccines import CHOICES as VACCINE_CHOICES


class DoseQuerySet(ScopedQuerySetMixin, models.QuerySet["VaccinationRecord"]):
    scope_resource = "schoolhealth"
    scope_path = "unit__path"


class VaccinationRecord(models.Model):
    """One dose, or a documented contraindication (禁忌证: `dose_number` empty, `contraindication` filled)."""

    student = models.ForeignKey(Student, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    vaccine = models.CharField("疫苗", max_length=20, choices=VACCINE_CHOICES)
    dose_number = models.PositiveSmallIntegerField("剂次", null=True, blank=True)
    date = models.DateField("接种日期", null=True, blank=True)
    # The dose that completes the vaccine's course: what coverage counts (one row per person and vaccine at most).
    completes_course = models.BooleanField(default=False)
    contraindication = models.CharField("禁忌证", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = DoseQuerySet.as_manager()

    class Meta:
        verbose_name = "接种记录"
        constraints = [
            models.CheckConstraint(
                condition=Q(student__isnull=False, staff__isnull=True) | Q(student__isnull=True, staff__isnull=False),
                name="vaccination_one_person",
            ),
            models.UniqueConstraint(
                fields=["student", "vaccine", "dose_number"],
                condition=Q(student__isnull=False, dose_number__isnull=False),
                name="vaccination_student_dose_once",
            ),
            models.UniqueConstraint(
                fields=["staff", "vaccine", "dose_number"],
                condition=Q(staff__isnull=False, dose_number__isnull=False),
                name="vaccination_staff_dose_once",
            ),
            models.UniqueConstraint(
                fields=["student", "vaccine"],
                condition=Q(student__isnull=False, dose_number__isnull=True),
                name="vaccination_student_contra_once",
            ),
            models.UniqueConstraint(
                fields=["staff", "vaccine"],
                condition=Q(staff__isnull=False, dose_number__isnull=True),
                name="vaccination_staff_contra_once",
            ),
        ]
        indexes = [models.Index(fields=["vaccine", "completes_course"], name="vaccination_coverage")]

    def __str__(self) -> str:
        label = f"第{self.dose_number}剂" if self.dose_number else "禁忌证"
        return f"{self.get_vaccine_display()} {label}"


class VaccineTarget(models.Model):
    """The bureau's coverage target (%) for one vaccine; without a row the table's default applies."""

    vaccine = models.CharField("疫苗", max_length=20, choices=VACCINE_CHOICES, unique=True)
    rate = models.DecimalField("目标接种率", max_digits=4, decimal_places=1)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "接种率目标"

    def __str__(self) -> str:
        return f"{self.get_vaccine_display()} {self.rate}%"


class TbResult(models.TextChoices):
    NEGATIVE = "negative", "阴性"
    POSITIVE = "positive", "阳性（已转诊）"
    NOT_SCREENED = "not_screened", "未筛查"


class ExamQuerySet(ScopedQuerySetMixin, models.QuerySet["HealthExam"]):
    scope_resource = "schoolhealth"
    scope_path = "klass__path"


class HealthExam(models.Model):
    """One student's annual check (学年体检). Vision on the 5-point logarithmic chart (标准对数视力表, 3.0–5.3)."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    klass = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    school_year = models.PositiveSmallIntegerField("学年")
    exam_date = models.DateField("体检日期")
    is_new_student = models.BooleanField("新生", default=False)
    tb_result = models.CharField("结核筛查", max_length=20, choices=TbResult.choices, blank=True)
    vision_left = models.DecimalField("左眼视力", max_digits=2, decimal_places=1, null=True, blank=True)
    vision_right = models.DecimalField("右眼视力", max_digits=2, decimal_places=1, null=True, blank=True)
    is_myopic = models.BooleanField("近视", default=False)
    has_caries = models.BooleanField("龋齿", default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = ExamQuerySet.as_manager()

    class Meta:
        verbose_name = "学生体检"
        constraints = [models.UniqueConstraint(fields=["student", "school_year"], name="health_exam_once_a_year")]

    def __str__(self) -> str:
        return f"{self.school_year}学年体检"


class RoomKind(models.TextChoices):
    CLINIC = "clinic", "卫生室"
    CARE_ROOM = "care_room", "保健室"
    NONE = "none", "未设置"


class RoomQuerySet(ScopedQuerySetMixin, models.QuerySet["HealthRoom"]):
    scope_resource = "schoolhealth"
    scope_path = "school__path"


class HealthRoom(models.Model):
    """The school's 卫生室 (licensed, with a doctor) or 保健室 (a health teacher)."""

    school = models.OneToOneField(OrgUnit, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类型", max_length=20, choices=RoomKind.choices, default=RoomKind.NONE)
    licence_no = models.CharField("执业许可证号", max_length=50, blank=True)
    licence_expires = models.DateField("许可证有效期至", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = RoomQuerySet.as_manager()

    class Meta:
        verbose_name = "卫生室/保健室"

    def __str__(self) -> str:
        return self.get_kind_display()


class StaffPost(models.TextChoices):
    DOCTOR = "doctor", "专职校医"
    NURSE = "nurse", "专职护士"
    HEALTH_TEACHER = "health_teacher", "兼职保健老师"


class StaffQuerySet(ScopedQuerySetMixin, models.QuerySet["HealthStaff"]):
    scope_resource = "schoolhealth"
    scope_path = "school__path"


class HealthStaff(models.Model):
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=50)
    post = models.CharField("岗位", max_length=20, choices=StaffPost.choices)
    qualification = models.CharField("资格证书", max_length=50, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = StaffQuerySet.as_manager()

    class Meta:
        verbose_name = "卫生保健人员"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class DisinfectionMethod(models.TextChoices):
    CHLORINE = "chlorine", "含氯消毒剂擦拭/喷洒"
    ULTRAVIOLET = "uv", "紫外线灯照射"
    ALCOHOL = "alcohol", "75% 酒精擦拭"
    VENTILATION = "ventilation", "开窗通风"
    OTHER = "other", "其他"


class LogQuerySet(ScopedQuerySetMixin, models.QuerySet["DisinfectionLog"]):
    scope_resource = "schoolhealth"
    scope_path = "school__path"


class DisinfectionLog(models.Model):
    school = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    date = models.DateField("日期")
    place = models.CharField("场所", max_length=100)
    method = models.CharField("方式", max_length=20, choices=DisinfectionMethod.choices)
    person = models.CharField("消毒人", max_length=50)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = LogQuerySet.as_manager()

    class Meta:
        verbose_name = "消毒记录"
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "date", "place", "method"], name="disinfection_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.place}"

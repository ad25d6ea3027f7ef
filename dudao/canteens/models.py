"""食堂与食品安全: a school's canteens with their licence and 明厨亮灶 status, canteen staff with health
certificates, suppliers with their qualifications, and the daily records: 留样 (food samples, kept 48 hours),
陪餐 (a school leader eating with the students) and the staff's morning health check (晨检)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from dudao.orgs.scoping import ScopedQuerySetMixin

# A sample is kept 48 hours after it was taken (《学校食品安全与营养健康管理规定》), each dish at least 125 g.
SAMPLE_KEEP = dt.timedelta(hours=48)
SAMPLE_MIN_GRAMS = 125


class OpenKitchen(models.TextChoices):
    NONE = "none", "未实施"
    PARTIAL = "partial", "部分实施"
    FULL = "full", "全面实施"


class Meal(models.TextChoices):
    BREAKFAST = "breakfast", "早餐"
    LUNCH = "lunch", "午餐"
    DINNER = "dinner", "晚餐"


class CanteenQuerySet(ScopedQuerySetMixin, models.QuerySet["Canteen"]):
    scope_resource = "canteen"
    scope_path = "school__path"


class Canteen(models.Model):
    """One canteen of a school (a school with two campuses may have two)."""

    school = models.ForeignKey("orgs.OrgUnit", verbose_name="学校", on_delete=models.PROTECT, related_name="canteens")
    name = models.CharField("食堂名称", max_length=60)
    licence_number = models.CharField("食品经营许可证编号", max_length=40, blank=True)
    licence_expires_on = models.DateField("许可证有效期至", null=True, blank=True)
    open_kitchen = models.CharField("明厨亮灶", max_length=10, choices=OpenKitchen.choices, default=OpenKitchen.NONE)
    open_kitchen_checked_on = models.DateField("明厨亮灶核查日期", null=True, blank=True)
    serves_breakfast = models.BooleanField("供应早餐", default=False)
    serves_dinner = models.BooleanField("供应晚餐", default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = CanteenQuerySet.as_manager()

    class Meta:
        verbose_name = "食堂"
        ordering = ["school__path", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="canteen_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def meals(self) -> list[str]:
        """The meals this canteen serves, in the order of the day (lunch always)."""
        return [
            m
            for m, served in (
                (Meal.BREAKFAST, self.serves_breakfast),
                (Meal.LUNCH, True),
                (Meal.DINNER, self.serves_dinner),
            )
            if served
        ]


class WorkerQuerySet(ScopedQuerySetMixin, models.QuerySet["CanteenWorker"]):
    scope_resource = "canteen"
    scope_path = "canteen__school__path"


class CanteenWorker(models.Model):
    """A person working in the canteen: often a contractor's cook without a login (`account` empty)."""

    canteen = models.ForeignKey(Canteen, on_delete=models.CASCADE, related_name="workers")
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="系统账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField("姓名", max_length=40)
    post = models.CharField("岗位", max_length=30, blank=True)
    certificate_number = models.CharField("健康证编号", max_length=40, blank=True)
    certificate_expires_on = models.DateField("健康证有效期至")
    is_active = models.BooleanField("在职", default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    objects = WorkerQuerySet.as_manager()

    class Meta:
        verbose_name = "食堂从业人员"
        ordering = ["canteen_id", "name", "id"]
        indexes = [models.Index(fields=["certificate_expires_on"], name="canteen_worker_cert_idx")]

    def __str__(self) -> str:
        return self.name


class SupplierQuerySet(ScopedQuerySetMixin, models.QuerySet["Supplier"]):
    scope_resource = "canteen"
    scope_path = "canteen__school__path"


class Supplier(models.Model):
    """A supplier of the canteen and its qualification (营业执照/食品经营许可证)."""

    canteen = models.ForeignKey(Canteen, on_delete=models.CASCADE, related_name="suppliers")
    name = models.CharField("供应商名称", max_length=100)
    licence_number = models.CharField("许可证/营业执照编号", max_length=40)
    licence_expires_on = models.DateField("资质有效期至")
    supplies = models.CharField("供应品种", max_length=100)
    contact = models.CharField("联系人及电话", max_length=60, blank=True)
    is_active = models.BooleanField("合作中", default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    objects = SupplierQuerySet.as_manager()

    class Meta:
        verbose_name = "供应商"
        ordering = ["canteen_id", "name", "id"]
        indexes = [models.Index(fields=["licence_expires_on"], name="canteen_supplier_expiry_idx")]

    def __str__(self) -> str:
        return self.name


class SampleQuerySet(ScopedQuerySetMixin, models.QuerySet["FoodSample"]):
    scope_resource = "canteen"
    scope_path = "canteen__school__path"


class FoodSample(models.Model):
    """留样: one meal's dishes kept in the sample fridge, with a photo. One record per canteen, day and meal."""

    canteen = models.ForeignKey(Canteen, on_delete=models.CASCADE, related_name="samples")
    served_on = models.DateField("日期")
    meal = models.CharField("餐次", max_length=10, choices=Meal.choices)
    # [{"name": "红烧肉", "grams": 150}, ...]
    dishes = models.JSONField("菜品", default=list)
    sampled_at = models.DateTimeField("留样时间")
    sampled_by = models.CharField("留样人", max_length=40)
    photo = models.ForeignKey("core.StoredFile", verbose_name="留样照片", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = SampleQuerySet.as_manager()

    class Meta:
        verbose_name = "留样记录"
        ordering = ["-served_on", "canteen_id", "meal"]
        constraints = [
            models.UniqueConstraint(fields=["canteen", "served_on", "meal"], name="canteen_sample_once_per_meal")
        ]
        indexes = [models.Index(fields=["served_on", "meal"], name="canteen_sample_day_idx")]

    def __str__(self) -> str:
        return f"{self.served_on:%m-%d} {self.get_meal_display()}留样"

    @property
    def discard_after(self) -> dt.datetime:
        return self.sampled_at + SAMPLE_KEEP


class CompanionQuerySet(ScopedQuerySetMixin, models.QuerySet["CompanionMeal"]):
    scope_resource = "canteen"
    scope_path = "canteen__school__path"


class CompanionMeal(models.Model):
    """陪餐: a school leader ate the meal with the students and says how it was."""

    canteen = models.ForeignKey(Canteen, on_delete=models.CASCADE, related_name="companion_meals")
    served_on = models.DateField("日期")
    meal = models.CharField("餐次", max_length=10, choices=Meal.choices)
    leader_name = models.CharField("陪餐人", max_length=40)
    leader_title = models.CharField("职务", max_length=30, blank=True)
    note = models.CharField("陪餐情况", max_length=300)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = CompanionQuerySet.as_manager()

    class Meta:
        verbose_name = "陪餐记录"
        ordering = ["-served_on", "canteen_id", "meal"]
        constraints = [
            models.UniqueConstraint(fields=["canteen", "served_on", "meal"], name="canteen_companion_once_per_meal")
        ]
        indexes = [models.Index(fields=["served_on", "meal"], name="canteen_companion_day_idx")]

    def __str__(self) -> str:
        return f"{self.served_on:%m-%d} {self.get_meal_display()}陪餐"


class CheckQuerySet(ScopedQuerySetMixin, models.QuerySet["MorningCheck"]):
    scope_resource = "canteen"
    scope_path = "canteen__school__path"


class MorningCheck(models.Model):
    """晨检 of one canteen worker on one day: well and on duty, or unwell and sent home."""

    canteen = models.ForeignKey(Canteen, on_delete=models.CASCADE, related_name="morning_checks")
    worker = models.ForeignKey(CanteenWorker, on_delete=models.CASCADE, related_name="checks")
    checked_on = models.DateField("日期")
    is_well = models.BooleanField("身体状况正常")
    symptoms = models.CharField("症状", max_length=100, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = CheckQuerySet.as_manager()

    class Meta:
        verbose_name = "从业人员晨检"
        ordering = ["-checked_on", "worker_id"]
        constraints = [models.UniqueConstraint(fields=["worker", "checked_on"], name="canteen_check_once_per_day")]

    def __str__(self) -> str:
        return f"{self.checked_on:%m-%d} 晨检"

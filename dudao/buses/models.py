"""校车 (school buses): vehicles, drivers, routes with ordered stops and the riding teacher (随车照管人员), and the
daily pre-trip safety check (出车前安全检查), one per vehicle per trip.

Documents that expire (a vehicle's 年检 and insurance, a driver's licence and no-violation check) are plain dates;
"expiring" (30 days ahead) and "expired" are computed from today, never stored."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from dudao.orgs.scoping import ScopedQuerySetMixin


class VehicleQuerySet(ScopedQuerySetMixin, models.QuerySet["Vehicle"]):
    scope_resource = "bus"
    scope_path = "school__path"


class Vehicle(models.Model):
    school = models.ForeignKey("orgs.OrgUnit", verbose_name="学校", on_delete=models.PROTECT, related_name="+")
    plate = models.CharField("车牌号", max_length=10)
    seats = models.PositiveSmallIntegerField("核载人数")
    operator = models.CharField("车辆所有人/运营单位", max_length=100)
    inspection_due = models.DateField("年检有效期至")
    insurance_due = models.DateField("保险到期日")
    is_active = models.BooleanField("在用", default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = VehicleQuerySet.as_manager()

    class Meta:
        verbose_name = "校车"
        ordering = ["plate", "id"]
        constraints = [models.UniqueConstraint(fields=["plate"], name="bus_vehicle_plate_unique")]

    def __str__(self) -> str:
        return self.plate

    def documents(self) -> list[tuple[str, dt.date]]:
        return [("年检", self.inspection_due), ("保险", self.insurance_due)]


class LicenceClass(models.TextChoices):
    A1 = "A1", "A1 大型客车"
    A3 = "A3", "A3 城市公交车"
    B1 = "B1", "B1 中型客车"


class DriverQuerySet(ScopedQuerySetMixin, models.QuerySet["Driver"]):
    scope_resource = "bus"
    scope_path = "school__path"


class Driver(models.Model):
    """A school-bus driver. Drivers have no login (they are often the operator's employees): the riding teacher
    records the driver's alcohol test in the pre-trip check."""

    school = models.ForeignKey("orgs.OrgUnit", verbose_name="学校", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=30)
    phone = models.CharField("手机号", max_length=11)
    licence_class = models.CharField("准驾车型", max_length=2, choices=LicenceClass.choices)
    licence_expires = models.DateField("驾驶证有效期至")
    violation_checked_on = models.DateField("无违法记录核查日期")
    is_active = models.BooleanField("在岗", default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = DriverQuerySet.as_manager()

    class Meta:
        verbose_name = "校车驾驶人"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def violation_check_due(self) -> dt.date:
        """The no-violation check is redone yearly (`VIOLATION_CHECK_VALID_DAYS`)."""
        return self.violation_checked_on + dt.timedelta(days=VIOLATION_CHECK_VALID_DAYS)

    def documents(self) -> list[tuple[str, dt.date]]:
        return [("驾驶证", self.licence_expires), ("无违法记录核查", self.violation_check_due)]


VIOLATION_CHECK_VALID_DAYS = 365


class RouteQuerySet(ScopedQuerySetMixin, models.QuerySet["Route"]):
    scope_resource = "bus"
    scope_path = "school__path"


class Route(models.Model):
    """A bus route of one school: the vehicle and driver assigned, the riding teacher, the morning departure (a
    missing pre-trip check turns red after it) and the afternoon departure."""

    school = models.ForeignKey("orgs.OrgUnit", verbose_name="服务学校", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("线路名称", max_length=50)
    vehicle = models.ForeignKey(
        Vehicle, verbose_name="车辆", on_delete=models.PROTECT, null=True, blank=True, related_name="routes"
    )
    driver = models.ForeignKey(
        Driver, verbose_name="驾驶人", on_delete=models.PROTECT, null=True, blank=True, related_name="routes"
    )
    attendant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="随车照管人员",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    morning_departure = models.TimeField("早班发车时间")
    afternoon_departure = models.TimeField("午班发车时间")
    is_active = models.BooleanField("运行中", default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = RouteQuerySet.as_manager()

    class Meta:
        verbose_name = "校车线路"
        ordering = ["morning_departure", "name", "id"]

    def __str__(self) -> str:
        return self.name


class RouteStop(models.Model):
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="stops")
    position = models.PositiveSmallIntegerField("顺序")
    name = models.CharField("站点", max_length=50)
    time = models.TimeField("到站时间")

    class Meta:
        verbose_name = "站点"
        ordering = ["route", "position"]
        constraints = [models.UniqueConstraint(fields=["route", "position"], name="bus_stop_position_unique")]

    def __str__(self) -> str:
        return self.name


class Trip(models.TextChoices):
    MORNING = "morning", "早班（上学）"
    AFTERNOON = "afternoon", "午班（放学）"


# The checklist of a pre-trip check, in the order the phone form shows it.
CHECK_ITEMS: tuple[tuple[str, str], ...] = (
    ("brakes", "制动（刹车）"),
    ("tyres", "轮胎"),
    ("lights", "灯光"),
    ("doors", "车门与应急门"),
    ("extinguisher", "灭火器"),
    ("first_aid", "急救箱"),
    ("seat_belts", "安全带"),
)
CHECK_LABELS = dict(CHECK_ITEMS)


class CheckQuerySet(ScopedQuerySetMixin, models.QuerySet["PreTripCheck"]):
    scope_resource = "bus"
    scope_path = "school__path"


class PreTripCheck(models.Model):
    """出车前安全检查: one per vehicle per trip and day. A failed item or a failed alcohol test blocks the trip."""

    school = models.ForeignKey("orgs.OrgUnit", on_delete=models.PROTECT, related_name="+")
    route = models.ForeignKey(Route, on_delete=models.PROTECT, related_name="checks")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="checks")
    driver = models.ForeignKey(Driver, on_delete=models.PROTECT, related_name="checks")
    day = models.DateField("日期")
    trip = models.CharField("趟次", max_length=10, choices=Trip.choices)
    failed_items = models.JSONField("不合格项", default=list)
    alcohol_passed = models.BooleanField("酒精测试合格")
    head_count = models.PositiveSmallIntegerField("乘车学生人数")
    note = models.CharField("说明", max_length=200, blank=True)
    passed = models.BooleanField("准予出车")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(default=timezone.now)

    objects = CheckQuerySet.as_manager()

    class Meta:
        verbose_name = "出车前安全检查"
        ordering = ["-day", "-checked_at"]
        constraints = [
            models.UniqueConstraint(fields=["vehicle", "day", "trip"], name="bus_check_once_per_trip"),
        ]
        indexes = [models.Index(fields=["day", "route"], name="bus_check_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.get_trip_display()}"

    @property
    def failed_labels(self) -> list[str]:
        labels = [CHECK_LABELS.get(k, k) for k in self.failed_items]
        if not self.alcohol_passed:
            labels.append("驾驶人酒精测试")
        return labels

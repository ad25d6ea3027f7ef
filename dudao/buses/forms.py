"""Forms of the school-bus pages: they bind and type the input; the rules live in `services` and `rules`."""

from __future__ import annotations

from typing import Any

from django import forms

from dudao.accounts.models import User
from dudao.buses.models import CHECK_ITEMS, Driver, LicenceClass, Route, Trip, Vehicle
from dudao.orgs.models import OrgUnit
from dudao.orgs.selectors import active_staff_under

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"})
TIME = forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M")
TEXT = forms.TextInput(attrs={"class": "form-control"})


class VehicleForm(forms.Form):
    plate = forms.CharField(
        label="车牌号",
        max_length=12,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "湘A12345"}),
    )
    seats = forms.IntegerField(
        label="核载人数", min_value=1, max_value=99, widget=forms.NumberInput(attrs={"class": "form-control"})
    )
    operator = forms.CharField(label="车辆所有人/运营单位", max_length=100, widget=TEXT)
    inspection_due = forms.DateField(label="年检有效期至", widget=DATE)
    insurance_due = forms.DateField(label="保险到期日", widget=DATE)
    is_active = forms.BooleanField(label="在用", required=False, initial=True)


class DriverForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=30, widget=TEXT)
    phone = forms.CharField(
        label="手机号", max_length=20, widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "tel"})
    )
    licence_class = forms.ChoiceField(
        label="准驾车型", choices=LicenceClass.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    licence_expires = forms.DateField(label="驾驶证有效期至", widget=DATE)
    violation_checked_on = forms.DateField(label="无违法记录核查日期", widget=DATE)
    is_active = forms.BooleanField(label="在岗", required=False, initial=True)


class RouteForm(forms.Form):
    name = forms.CharField(label="线路名称", max_length=50, widget=TEXT)
    vehicle = forms.ModelChoiceField(
        label="车辆",
        queryset=Vehicle.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    driver = forms.ModelChoiceField(
        label="驾驶人",
        queryset=Driver.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    attendant = forms.ModelChoiceField(
        label="随车照管人员",
        queryset=User.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    morning_departure = forms.TimeField(label="早班发车时间", widget=TIME)
    afternoon_departure = forms.TimeField(label="午班发车时间", widget=TIME)
    stops = forms.CharField(
        label="站点（每行一站：到站时间 站名）",
        required=False,
        widget=forms.Textarea(
            attrs={"class": "form-control", "rows": 5, "placeholder": "06:50 李家村口\n07:05 王家湾\n07:25 学校"}
        ),
    )
    is_active = forms.BooleanField(label="运行中", required=False, initial=True)

    def __init__(self, *args: Any, school: OrgUnit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        vehicle: Any = self.fields["vehicle"]
        vehicle.queryset = Vehicle.objects.filter(school=school, is_active=True)
        vehicle.label_from_instance = lambda v: f"{v.plate}（核载 {v.seats} 人）"
        driver: Any = self.fields["driver"]
        driver.queryset = Driver.objects.filter(school=school, is_active=True)
        driver.label_from_instance = lambda d: f"{d.name}（{d.licence_class}）"
        attendant: Any = self.fields["attendant"]
        attendant.queryset = active_staff_under(school)
        attendant.label_from_instance = lambda u: u.display_name


def route_initial(route: Route) -> dict[str, Any]:
    return {
        "name": route.name,
        "vehicle": route.vehicle_id,
        "driver": route.driver_id,
        "attendant": route.attendant_id,
        "morning_departure": route.morning_departure,
        "afternoon_departure": route.afternoon_departure,
        "stops": "\n".join(f"{s.time:%H:%M} {s.name}" for s in route.stops.all()),
        "is_active": route.is_active,
    }


class CheckForm(forms.Form):
    """Every item is answered 合格/不合格 on the phone; none is preselected, so nothing passes by default."""

    trip = forms.ChoiceField(label="趟次", choices=Trip.choices, widget=forms.RadioSelect)
    alcohol = forms.ChoiceField(
        label="驾驶人酒精测试", choices=[("pass", "合格（未检出）"), ("fail", "不合格")], widget=forms.RadioSelect
    )
    head_count = forms.IntegerField(
        label="乘车学生人数（清点）",
        min_value=0,
        max_value=99,
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
    )
    note = forms.CharField(
        label="说明（有不合格项时必填）",
        required=False,
        max_length=200,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in CHECK_ITEMS:
            self.fields[f"item_{key}"] = forms.ChoiceField(
                label=label, choices=[("ok", "合格"), ("fail", "不合格")], widget=forms.RadioSelect
            )

    def item_fields(self) -> list[forms.BoundField]:
        return [self[f"item_{key}"] for key, _ in CHECK_ITEMS]

    def failed_items(self) -> list[str]:
        return [key for key, _ in CHECK_ITEMS if self.cleaned_data.get(f"item_{key}") == "fail"]

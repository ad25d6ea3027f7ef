from __future__ import annotations

from django import forms

from dudao.core.forms import DatePicker, StyledForm
from dudao.guards.models import Employer, EquipmentKind


class ProfileForm(StyledForm):
    is_boarding = forms.BooleanField(label="寄宿制学校（夜间须有保安值守）", required=False)
    is_closed_campus = forms.BooleanField(label="实行封闭化管理", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class GuardForm(StyledForm):
    name = forms.CharField(label="姓名", max_length=40)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    id_card_no = forms.CharField(label="身份证号", max_length=18, required=False)
    licence_number = forms.CharField(label="保安员证编号", max_length=40, required=False)
    licence_expires_on = forms.DateField(label="保安员证有效期至", widget=DatePicker(), required=False)
    trained_on = forms.DateField(label="最近培训日期", widget=DatePicker(), required=False)
    employer = forms.ChoiceField(label="用工方式", choices=Employer.choices)
    company = forms.CharField(label="保安服务公司", max_length=100, required=False)
    works_nights = forms.BooleanField(label="承担夜间值守", required=False)
    is_active = forms.BooleanField(label="在岗", required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class EquipmentForm(StyledForm):
    kind = forms.ChoiceField(label="设施类别", choices=EquipmentKind.choices)
    description = forms.CharField(label="说明（位置、型号）", max_length=100, required=False)
    quantity = forms.IntegerField(label="数量", min_value=1, max_value=10000, initial=1)
    coverage = forms.IntegerField(label="视频重点部位覆盖率（%）", min_value=0, max_value=100, required=False)
    linked_to_police = forms.BooleanField(label="与公安联网", required=False)
    is_working = forms.BooleanField(label="运行正常", required=False, initial=True)
    last_checked_on = forms.DateField(label="最近检查日期", widget=DatePicker(), required=False)
    check_interval_days = forms.IntegerField(
        label="检查周期（天，空则按类别默认）", min_value=1, max_value=366, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

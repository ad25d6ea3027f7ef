from __future__ import annotations

from django import forms

from dudao.canteens.models import Meal, OpenKitchen
from dudao.core.forms import DatePicker, StyledForm


class CanteenForm(StyledForm):
    name = forms.CharField(label="食堂名称", max_length=60)
    licence_number = forms.CharField(label="食品经营许可证编号", max_length=40, required=False)
    licence_expires_on = forms.DateField(label="许可证有效期至", widget=DatePicker(), required=False)
    open_kitchen = forms.ChoiceField(label="明厨亮灶", choices=OpenKitchen.choices)
    open_kitchen_checked_on = forms.DateField(label="明厨亮灶核查日期", widget=DatePicker(), required=False)
    serves_breakfast = forms.BooleanField(label="供应早餐", required=False)
    serves_dinner = forms.BooleanField(label="供应晚餐", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class WorkerForm(StyledForm):
    name = forms.CharField(label="姓名", max_length=40)
    post = forms.CharField(label="岗位", max_length=30, required=False)
    certificate_number = forms.CharField(label="健康证编号", max_length=40, required=False)
    certificate_expires_on = forms.DateField(label="健康证有效期至", widget=DatePicker())
    is_active = forms.BooleanField(label="在职", required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class SupplierForm(StyledForm):
    name = forms.CharField(label="供应商名称", max_length=100)
    licence_number = forms.CharField(label="许可证/营业执照编号", max_length=40)
    licence_expires_on = forms.DateField(label="资质有效期至", widget=DatePicker())
    supplies = forms.CharField(label="供应品种", max_length=100)
    contact = forms.CharField(label="联系人及电话", max_length=60, required=False)


class SampleForm(StyledForm):
    served_on = forms.DateField(label="日期", widget=DatePicker())
    meal = forms.ChoiceField(label="餐次", choices=Meal.choices)
    sampled_time = forms.TimeField(label="留样时间", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    sampled_by = forms.CharField(
        label="留样人", max_length=40, widget=forms.TextInput(attrs={"list": "canteen-workers"})
    )
    photo = forms.FileField(
        label="留样照片",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )


class CompanionForm(StyledForm):
    served_on = forms.DateField(label="日期", widget=DatePicker())
    meal = forms.ChoiceField(label="餐次", choices=Meal.choices)
    leader_name = forms.CharField(label="陪餐人", max_length=40)
    leader_title = forms.CharField(label="职务", max_length=30, required=False)
    note = forms.CharField(
        label="陪餐情况（饭菜质量、分量、学生反映）", max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )

from __future__ import annotations

from django import forms

from dudao.core.forms import StyledForm
from dudao.training.models import Category, Level

DATETIME = {"type": "datetime-local"}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class EventForm(StyledForm):
    title = forms.CharField(label="培训名称", max_length=100)
    level = forms.ChoiceField(label="级别", choices=Level.choices)
    category = forms.ChoiceField(label="类别", choices=Category.choices)
    starts_at = forms.DateTimeField(
        label="开始时间", widget=forms.DateTimeInput(attrs=DATETIME, format=DATETIME_FORMAT)
    )
    ends_at = forms.DateTimeField(label="结束时间", widget=forms.DateTimeInput(attrs=DATETIME, format=DATETIME_FORMAT))
    venue = forms.CharField(label="地点", max_length=100)
    hours = forms.DecimalField(label="认定学时", min_value=0.1, max_digits=5, decimal_places=1)
    audience = forms.CharField(label="培训对象", max_length=100, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class EnrolForm(StyledForm):
    unit = forms.IntegerField(label="单位")
    class_teachers_only = forms.BooleanField(label="只报名班主任", required=False)


class AttendForm(StyledForm):
    person = forms.IntegerField(label="人员")
    hours = forms.DecimalField(label="学时", min_value=0.1, max_digits=5, decimal_places=1, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件")

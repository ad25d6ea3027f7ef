from __future__ import annotations

from django import forms
from django.utils import timezone

from dudao.schoolhealth.models import DisinfectionMethod, RoomKind, StaffPost
from dudao.schoolhealth.vaccines import CHOICES as VACCINE_CHOICES


class TickForm(forms.Form):
    """A class (or staff) list: one vaccine, one dose number and date for everyone ticked."""

    vaccine = forms.ChoiceField(label="疫苗", choices=VACCINE_CHOICES)
    dose_number = forms.IntegerField(label="剂次", min_value=1, max_value=9)
    date = forms.DateField(label="接种日期", widget=forms.DateInput(attrs={"type": "date"}))


class TargetForm(forms.Form):
    vaccine = forms.ChoiceField(label="疫苗", choices=VACCINE_CHOICES)
    rate = forms.DecimalField(label="目标接种率（%）", max_digits=4, decimal_places=1, min_value=1, max_value=100)


class RoomForm(forms.Form):
    kind = forms.ChoiceField(
        label="类型", choices=RoomKind.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    licence_no = forms.CharField(label="执业许可证号", max_length=50, required=False)
    licence_expires = forms.DateField(
        label="许可证有效期至", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class StaffForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    post = forms.ChoiceField(
        label="岗位", choices=StaffPost.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    qualification = forms.CharField(label="资格证书", max_length=50, required=False)


class DisinfectionForm(forms.Form):
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate)
    place = forms.CharField(label="场所", max_length=100, widget=forms.TextInput(attrs={"list": "places"}))
    method = forms.ChoiceField(
        label="方式", choices=DisinfectionMethod.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    person = forms.CharField(label="消毒人", max_length=50)

from __future__ import annotations

from django import forms

from dudao.calendars.models import LOCAL_KINDS, YEAR_KINDS

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"})
TEXT = forms.TextInput(attrs={"class": "form-control form-control-sm"})
SELECT = forms.Select(attrs={"class": "form-select form-select-sm"})


class YearForm(forms.Form):
    name = forms.CharField(label="学年名称", max_length=40, widget=TEXT)
    starts_on = forms.DateField(label="学年开始", widget=DATE)
    ends_on = forms.DateField(label="学年结束", widget=DATE)


class TermForm(forms.Form):
    name = forms.CharField(label="学期名称", max_length=40, widget=TEXT)
    starts_on = forms.DateField(label="开学日期", widget=DATE)
    ends_on = forms.DateField(label="结束日期", widget=DATE)


class YearEntryForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=[(k.value, k.label) for k in YEAR_KINDS], widget=SELECT)
    name = forms.CharField(label="名称", max_length=60, widget=TEXT)
    starts_on = forms.DateField(label="开始日期", widget=DATE)
    ends_on = forms.DateField(label="结束日期", widget=DATE)


class LocalDayForm(forms.Form):
    unit = forms.TypedChoiceField(label="适用单位", coerce=int, widget=SELECT)
    kind = forms.ChoiceField(label="类型", choices=[(k.value, k.label) for k in LOCAL_KINDS], widget=SELECT)
    name = forms.CharField(label="名称", max_length=60, widget=TEXT)
    starts_on = forms.DateField(label="开始日期", widget=DATE)
    ends_on = forms.DateField(label="结束日期", widget=DATE)

    def __init__(self, *args: object, units: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].choices = units  # type: ignore[attr-defined]

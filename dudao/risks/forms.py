"""Forms of the risk register: a risk point, a check (made for a phone), retiring a point."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from dudao.accounts.models import User
from dudao.orgs.models import OrgUnit
from dudao.risks.models import Category, CheckResult, Frequency, Grade, HazardLevel


class PersonChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        title = f"（{obj.title}）" if obj.title else ""
        return f"{obj.display_name}{title}"


class PointForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label="单位", empty_label=None)
    category = forms.ChoiceField(label="风险类别", choices=Category.choices)
    place = forms.CharField(label="风险点（部位/场所）", max_length=100)
    description = forms.CharField(label="风险描述", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    grade = forms.ChoiceField(label="风险等级", choices=Grade.choices, widget=forms.RadioSelect)
    measures = forms.CharField(label="管控措施", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    responsible = PersonChoice(queryset=User.objects.none(), label="责任人")
    frequency = forms.ChoiceField(label="排查频次", choices=Frequency.choices)

    def __init__(
        self, *args: Any, units: list[OrgUnit], people: QuerySet[User], with_unit: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = OrgUnit.objects.filter(pk__in=[u.pk for u in units]).order_by("path")
        if not with_unit:
            del self.fields["unit"]
        responsible = self.fields["responsible"]
        assert isinstance(responsible, forms.ModelChoiceField)
        responsible.queryset = people
        for name, field in self.fields.items():
            if name != "grade":
                field.widget.attrs.setdefault(
                    "class",
                    "form-select" if name in {"unit", "category", "responsible", "frequency"} else "form-control",
                )


class CheckForm(forms.Form):
    checked_on = forms.DateField(
        label="排查日期",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    result = forms.ChoiceField(label="排查结果", choices=CheckResult.choices, widget=forms.RadioSelect)
    hazard_level = forms.ChoiceField(
        label="隐患等级", choices=[("", "—"), *HazardLevel.choices], required=False, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="情况说明",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control", "placeholder": "发现隐患时写明部位和情况"}),
    )
    photo = forms.FileField(
        label="现场照片（可不传）",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment", "class": "form-control"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["checked_on"].initial = timezone.localdate()
        self.fields["result"].initial = CheckResult.NORMAL


class RetireForm(forms.Form):
    reason = forms.CharField(label="销号原因", max_length=200)


class ImportForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label="导入到单位", empty_label=None)
    file = forms.FileField(label="Excel 文件（.xlsx）")

    def __init__(self, *args: Any, units: list[OrgUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = OrgUnit.objects.filter(pk__in=[u.pk for u in units]).order_by("path")
        unit_field.widget.attrs["class"] = "form-select"
        self.fields["file"].widget.attrs.update({"class": "form-control", "accept": ".xlsx"})

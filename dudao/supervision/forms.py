"""Forms of 督办与问责: field checks only; the rules (scope, deadlines, points) live in the services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from dudao.accounts.models import User
from dudao.orgs.models import OrgUnit
from dudao.supervision.models import AccountabilityForm

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
TEXT = {"class": "form-control"}


def _unit_choices(units: Sequence[OrgUnit], blank: str | None = None) -> list[tuple[str, str]]:
    choices = [("", blank)] if blank is not None else []
    return choices + [(str(u.pk), ("　" * max(0, u.depth - 2)) + u.name) for u in units]


class OrderForm(forms.Form):
    target = forms.ChoiceField(label="承办单位", widget=forms.Select(attrs={"class": "form-select"}))
    subject = forms.CharField(label="督办事项", max_length=120, widget=forms.TextInput(attrs=TEXT))
    body = forms.CharField(label="督办内容及要求", max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 6}))
    deadline = forms.DateField(label="办结时限", widget=DATE)
    request_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, targets: Sequence[OrgUnit] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["target"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _unit_choices(targets, "请选择承办单位")


class RespondForm(forms.Form):
    text = forms.CharField(label="办理情况", max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 5}))


class CloseForm(forms.Form):
    text = forms.CharField(label="办结意见（可选）", max_length=5000, required=False)


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回原因", max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 3}))
    new_deadline = forms.DateField(label="新的办结时限（可选）", required=False, widget=DATE)


class RevokeForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=300, widget=forms.TextInput(attrs=TEXT))


class _DecisionForm(forms.Form):
    subject_unit = forms.ChoiceField(
        label="对象单位", required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    person = forms.CharField(
        label="对象个人（账号，可选）",
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={**TEXT, "autocomplete": "off"}),
        help_text="填写个人的登录账号；个人记录仅其单位负责人及上级可见，每次查看都会记入审计。",
    )
    reason = forms.CharField(label="事由", max_length=2000, widget=forms.Textarea(attrs={**TEXT, "rows": 4}))
    decided_by = forms.ChoiceField(label="决定人", widget=forms.Select(attrs={"class": "form-select"}))
    decided_on = forms.DateField(label="决定日期", widget=DATE)

    def __init__(
        self, *args: Any, subjects: Sequence[OrgUnit] = (), deciders: Sequence[User] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["subject_unit"]
        assert isinstance(unit_field, forms.ChoiceField)
        unit_field.choices = _unit_choices(subjects, "（个人记录时可不选）")
        decider_field = self.fields["decided_by"]
        assert isinstance(decider_field, forms.ChoiceField)
        decider_field.choices = [(str(u.pk), f"{u.display_name}（{u.title or '—'}）") for u in deciders]


class AccountabilityRecordForm(_DecisionForm):
    form = forms.ModelChoiceField(
        label="问责形式",
        queryset=AccountabilityForm.objects.none(),
        empty_label="请选择",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    deduction = forms.DecimalField(
        label="考评扣分（可选）",
        required=False,
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={**TEXT, "step": "0.01", "min": "0"}),
    )
    field_order = ["form", "subject_unit", "person", "reason", "decided_by", "decided_on", "deduction"]

    def __init__(self, *args: Any, forms_qs: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["form"]
        assert isinstance(field, forms.ModelChoiceField)
        if forms_qs is not None:
            field.queryset = forms_qs


class CommendationForm(_DecisionForm):
    title = forms.CharField(label="表扬事项", max_length=120, widget=forms.TextInput(attrs=TEXT))
    bonus = forms.DecimalField(
        label="考评加分（可选）",
        required=False,
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={**TEXT, "step": "0.01", "min": "0"}),
    )
    field_order = ["title", "subject_unit", "person", "reason", "decided_by", "decided_on", "bonus"]


class FormNameForm(forms.Form):
    name = forms.CharField(label="问责形式名称", max_length=30, widget=forms.TextInput(attrs=TEXT))
    order = forms.IntegerField(
        label="排序", required=False, min_value=0, max_value=9999, widget=forms.NumberInput(attrs=TEXT)
    )

"""Forms of 师德师风; the checks that matter live in the services (shared with the API)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from dudao.core.forms import DatePicker, StyledForm
from dudao.ethics.models import Category, Finding, Honour, Level, Measure, Source


def _today(*_: Any) -> Any:
    return timezone.localdate()


class IncidentForm(StyledForm):
    teacher = forms.CharField(
        label="教师",
        max_length=150,
        help_text="填写账号或姓名（同名时请填账号）",
        widget=forms.TextInput({"list": "staff"}),
    )
    source = forms.ChoiceField(label="来源", choices=Source.choices)
    source_ref = forms.CharField(
        label="来源编号", max_length=40, required=False, help_text="如投诉件编号、督查通报文号"
    )
    category = forms.ChoiceField(label="问题类别", choices=Category.choices)
    reported_on = forms.DateField(label="受理日期", widget=DatePicker(), initial=_today)
    facts = forms.CharField(label="反映的问题", max_length=5000, widget=forms.Textarea({"rows": 5}))
    request_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


class InvestigationForm(StyledForm):
    investigation = forms.CharField(label="调查情况", max_length=5000, widget=forms.Textarea({"rows": 5}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class DecideForm(StyledForm):
    finding = forms.ChoiceField(label="认定结论", choices=Finding.choices, widget=forms.RadioSelect)
    found_on = forms.DateField(label="认定日期", widget=DatePicker(), initial=_today)
    version = forms.IntegerField(widget=forms.HiddenInput)


class MeasureForm(StyledForm):
    measure = forms.ChoiceField(label="处理方式", choices=Measure.choices)
    body = forms.CharField(label="处理决定机关", max_length=60)
    decided_on = forms.DateField(label="处理决定日期", widget=DatePicker(), initial=_today)
    reference = forms.CharField(label="处理决定文号", max_length=60, required=False)
    is_veto = forms.BooleanField(label="实行一票否决（期内不得参加评优评先、职称评聘）", required=False)
    veto_from = forms.DateField(label="否决期起", widget=DatePicker(), required=False, help_text="不填则为决定所在学年")
    veto_until = forms.DateField(label="否决期止", widget=DatePicker(), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class CommitmentForm(StyledForm):
    year = forms.IntegerField(label="年度")
    title = forms.CharField(label="标题", max_length=80)
    text = forms.CharField(label="承诺内容", max_length=10000, widget=forms.Textarea({"rows": 10}))
    due_on = forms.DateField(label="签署截止日期", widget=DatePicker(), required=False)


class CommendationForm(StyledForm):
    teacher = forms.CharField(
        label="教师",
        max_length=150,
        help_text="填写账号或姓名（同名时请填账号）",
        widget=forms.TextInput({"list": "staff"}),
    )
    honour = forms.ChoiceField(label="荣誉称号", choices=Honour.choices)
    name = forms.CharField(label="称号全称", max_length=60, required=False, help_text="“其他荣誉”时填写")
    level = forms.ChoiceField(label="级别", choices=Level.choices)
    awarded_on = forms.DateField(label="授予日期", widget=DatePicker())
    awarded_by = forms.CharField(label="授予机关", max_length=60)

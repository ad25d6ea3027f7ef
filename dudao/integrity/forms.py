"""Forms of the 党风廉政 pages. People are typed as accounts (the picker suggests "姓名（账号）")."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone

from dudao.core.forms import DatePicker, StyledForm
from dudao.integrity.models import Festival, MatterCategory, TalkKind, Vote
from dudao.orgs.models import OrgUnit


def _person(label: str, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=120,
        required=required,
        widget=forms.TextInput(
            attrs={
                "list": "integrity-people",
                "autocomplete": "off",
                "placeholder": "输入姓名或账号后从提示中选择",
                "hx-get": reverse_lazy("integrity:people"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#integrity-people",
                "hx-swap": "innerHTML",
            }
        ),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class DutyForm(StyledForm):
    leader = _person("领导干部")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    post = forms.CharField(label="职务", max_length=50)
    business_duties = forms.CharField(label="业务工作职责", widget=forms.Textarea(attrs={"rows": 4}))
    integrity_duties = forms.CharField(label="党风廉政建设职责", widget=forms.Textarea(attrs={"rows": 4}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class DutyEditForm(DutyForm):
    leader = forms.CharField(required=False, widget=forms.HiddenInput)


class TalkForm(StyledForm):
    kind = forms.ChoiceField(label="谈话类型", choices=TalkKind.choices)
    talker = _person("谈话人")
    subject = _person("谈话对象")
    held_on = forms.DateField(label="谈话日期", widget=DatePicker())
    place = forms.CharField(label="地点", max_length=60, required=False)
    summary = forms.CharField(label="谈话要点（加密保存）", widget=forms.Textarea(attrs={"rows": 5}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CheckForm(StyledForm):
    name = forms.CharField(label="名称", max_length=80)
    festival = forms.ChoiceField(label="节日", choices=Festival.choices)
    starts_on = forms.DateField(label="开始日期", widget=DatePicker())
    ends_on = forms.DateField(label="结束日期", widget=DatePicker())
    focus = forms.CharField(label="检查重点", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TargetForm(StyledForm):
    units = forms.ModelMultipleChoiceField(
        label="被检查单位",
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    person = _person("被检查人员", required=False)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["units"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = units


class FindingForm(StyledForm):
    target = forms.TypedChoiceField(label="检查对象", coerce=int, choices=())
    found_on = forms.DateField(label="发现日期", widget=DatePicker())
    text = forms.CharField(label="检查发现", widget=forms.Textarea(attrs={"rows": 3}))
    is_problem = forms.BooleanField(label="存在问题（未勾选表示未发现问题）", required=False, initial=True)
    photo = forms.FileField(
        label="照片",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def __init__(self, *args: Any, targets: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["target"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = targets


class MatterForm(StyledForm):
    category = forms.ChoiceField(label="事项类别", choices=MatterCategory.choices)
    title = forms.CharField(label="事项", max_length=120)
    decided_on = forms.DateField(label="决策日期", widget=DatePicker())
    meeting = forms.CharField(label="会议", max_length=80, help_text="如：局党组会议（2026年第12次）")
    participants = forms.CharField(label="参会人员", widget=forms.Textarea(attrs={"rows": 2}))
    vote = forms.ChoiceField(label="表决结果", choices=Vote.choices)
    vote_detail = forms.CharField(
        label="表决情况", max_length=80, required=False, help_text="如：同意7票，反对0票，弃权1票"
    )
    amount = forms.DecimalField(label="金额（万元）", max_digits=12, decimal_places=2, required=False)
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    documents = MultipleFileField(label="会议纪要、决策文件", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DocumentsForm(StyledForm):
    documents = MultipleFileField(label="上传文件")

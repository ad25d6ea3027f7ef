from __future__ import annotations

from typing import Any

from django import forms

from dudao.core.forms import DatePicker, StyledForm
from dudao.orgs.picker import UnitTreePicker
from dudao.rectification.rules import RESPONSIBLE_KINDS


class AssignForm(StyledForm):
    owner = forms.IntegerField(label="责任人")
    responsibility = forms.CharField(label="整改措施/职责", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    due_date = forms.DateField(label="整改时限", widget=DatePicker())
    version = forms.IntegerField(widget=forms.HiddenInput)


class ProgressForm(StyledForm):
    progress = forms.IntegerField(label="进度（%）", min_value=0, max_value=99)
    text = forms.CharField(label="本次进展", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class CloseoutForm(StyledForm):
    text = forms.CharField(label="整改完成情况", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class VerifyForm(StyledForm):
    text = forms.CharField(label="验收意见", max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class RejectForm(StyledForm):
    reason = forms.CharField(label="不通过原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class FindingsImportForm(StyledForm):
    file = forms.FileField(label="问题清单（Excel）")


class ProblemForm(StyledForm):
    """登记问题: the unit and source choices are the ones the person may use (`views.problem_new` sets them)."""

    unit = forms.TypedChoiceField(
        label="责任单位",
        coerce=int,
        error_messages={"invalid_choice": "所选单位不在您可以登记问题的范围内，请重新选择"},
        widget=UnitTreePicker(kinds=RESPONSIBLE_KINDS, placeholder="搜索学校、区县或科室：名称或拼音首字母"),
    )
    source = forms.ChoiceField(label="问题来源")
    source_ref = forms.CharField(
        label="来源说明",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "如：巡视组反馈意见第 3 条、督办单编号"}),
    )
    category = forms.CharField(
        label="问题类别", max_length=100, required=False, widget=forms.TextInput(attrs={"placeholder": "如：食品安全"})
    )
    description = forms.CharField(label="存在问题", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    severity = forms.ChoiceField(
        label="问题等级", choices=[("general", "一般"), ("serious", "严重")], initial="general"
    )
    due_limit = forms.DateField(label="整改时限", widget=DatePicker())

    def __init__(
        self, *args: Any, units: list[tuple[str, list[tuple[int, str]]]], sources: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        source_field = self.fields["source"]
        assert isinstance(unit_field, forms.TypedChoiceField) and isinstance(source_field, forms.ChoiceField)
        flat = [choice for _, group in units for choice in group]
        unit_field.choices = units if len(flat) > 1 else flat
        source_field.choices = sources


class RecheckConfirmForm(StyledForm):
    text = forms.CharField(label="复核意见", max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class RecheckReopenForm(StyledForm):
    reason = forms.CharField(label="退回原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)

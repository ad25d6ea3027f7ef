from __future__ import annotations

from typing import Any

from django import forms

from dudao.core.forms import DatePicker, StyledForm
from dudao.projects.models import Funding, ProjectKind


class ProjectForm(StyledForm):
    title = forms.CharField(label="项目名称", max_length=100)
    kind = forms.ChoiceField(label="项目类别", choices=ProjectKind.choices)
    estimate = forms.CharField(
        label="预算金额（元）", max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    funding = forms.ChoiceField(label="资金来源", choices=Funding.choices)
    deadline = forms.DateField(label="投入使用期限", widget=DatePicker(), required=False)
    deadline_note = forms.CharField(label="期限说明（如 秋季开学前投入使用）", max_length=60, required=False)
    hazard_item_id = forms.TypedChoiceField(label="关联隐患（整改台账）", coerce=int, required=False, empty_value=None)
    description = forms.CharField(
        label="建设内容", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, hazards: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["hazard_item_id"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "不关联"), *(hazards or [])]


class FilingForm(StyledForm):
    filing_number = forms.CharField(label="备案/审批文号", max_length=60)
    filed_on = forms.DateField(label="备案/审批日期", widget=DatePicker())
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class MilestoneForm(StyledForm):
    name = forms.CharField(label="节点名称", max_length=60)
    planned_on = forms.DateField(label="计划日期", widget=DatePicker())

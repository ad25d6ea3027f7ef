from __future__ import annotations

from django import forms

from dudao.core.forms import StyledForm
from dudao.warnings.models import WarningKind, WarningLevel


class DateTimePicker(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class WarningForm(StyledForm):
    kind = forms.ChoiceField(label="预警类型", choices=WarningKind.choices)
    level = forms.ChoiceField(label="预警级别", choices=WarningLevel.choices)
    starts_at = forms.DateTimeField(label="生效时间", widget=DateTimePicker(), input_formats=["%Y-%m-%dT%H:%M"])
    ends_at = forms.DateTimeField(label="解除时间", widget=DateTimePicker(), input_formats=["%Y-%m-%dT%H:%M"])
    issuer = forms.CharField(label="发布单位", max_length=60, required=False, initial="市气象台")
    content = forms.CharField(
        label="预警内容", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ImportForm(StyledForm):
    file = forms.FileField(label="气象部门预警文件（Excel 或 CSV）")

from __future__ import annotations

from typing import Any

from django import forms

from dudao.core.forms import DatePicker, StyledForm
from dudao.health.models import Disease, MeasureKind, SupplyKind


class FollowUpForm(StyledForm):
    diagnosis = forms.ModelChoiceField(Disease.objects.all(), label="诊断", required=False, empty_label="尚未明确")
    guardian_contacted = forms.BooleanField(label="已联系家长", required=False)
    clinic = forms.CharField(label="就诊机构", max_length=100, required=False)
    onset_date = forms.DateField(label="发病日期", required=False, widget=DatePicker())
    expected_return = forms.DateField(label="预计返校", required=False, widget=DatePicker())
    note = forms.CharField(label="备注", max_length=300, required=False)

    def __init__(self, *args: Any, absence: Any = None, **kwargs: Any) -> None:
        if absence is not None and not args:
            kwargs.setdefault(
                "initial",
                {
                    "diagnosis": absence.diagnosis_id or absence.suspected_id,
                    "guardian_contacted": absence.guardian_contacted,
                    "clinic": absence.clinic,
                    "onset_date": absence.onset_date or absence.date,
                    "expected_return": absence.expected_return,
                    "note": absence.note,
                },
            )
        super().__init__(*args, **kwargs)


class ClearanceForm(StyledForm):
    return_date = forms.DateField(label="复课日期", widget=DatePicker())
    symptoms_ended_on = forms.DateField(label="症状消失日期", required=False, widget=DatePicker())
    certificate_no = forms.CharField(label="复课证明编号/出具医院", max_length=100)
    certificate = forms.FileField(label="证明照片或扫描件", required=False)


class ReportForm(StyledForm):
    reference = forms.CharField(label="报告编号/疾控接报人", max_length=100)
    reported_at = forms.DateTimeField(
        label="报告时间（空 = 现在）",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )


class MeasureForm(StyledForm):
    kind = forms.ChoiceField(label="措施", choices=MeasureKind.choices)
    starts_on = forms.DateField(label="开始日期", widget=DatePicker())
    ends_on = forms.DateField(label="结束日期", required=False, widget=DatePicker())
    note = forms.CharField(label="说明", max_length=300, required=False)


class CloseForm(StyledForm):
    summary = forms.CharField(label="结案小结", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class SupplyForm(StyledForm):
    kind = forms.ChoiceField(label="物资", choices=SupplyKind.choices)
    date = forms.DateField(label="日期", widget=DatePicker())
    received = forms.IntegerField(label="入库", min_value=0, max_value=10_000_000, initial=0)
    used = forms.IntegerField(label="当日消耗", min_value=0, max_value=10_000_000, initial=0)
    stock = forms.IntegerField(label="当日库存", min_value=0, max_value=10_000_000)

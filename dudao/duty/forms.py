from __future__ import annotations

from django import forms

from dudao.core.forms import DatePicker, StyledForm
from dudao.duty.models import LogKind, LogOutcome, PlanType, ShiftRole


class DateTimePicker(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class RosterForm(StyledForm):
    title = forms.CharField(label="值班表名称", max_length=100)
    starts_on = forms.DateField(label="开始日期", widget=DatePicker())
    ends_on = forms.DateField(label="结束日期", widget=DatePicker())


class ShiftForm(StyledForm):
    person = forms.IntegerField(label="值班人")
    role = forms.ChoiceField(label="岗位", choices=ShiftRole.choices)
    starts_at = forms.DateTimeField(label="开始", widget=DateTimePicker(), input_formats=["%Y-%m-%dT%H:%M"])
    ends_at = forms.DateTimeField(label="结束", widget=DateTimePicker(), input_formats=["%Y-%m-%dT%H:%M"])
    phone = forms.CharField(label="值班电话（默认本人手机）", max_length=20, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class LogForm(StyledForm):
    kind = forms.ChoiceField(label="类型", choices=LogKind.choices)
    text = forms.CharField(label="内容", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    outcome = forms.ChoiceField(label="处理结果", choices=LogOutcome.choices)
    escalated_to = forms.CharField(label="上报对象（上报时必填）", max_length=100, required=False)


class DrillForm(StyledForm):
    held_on = forms.DateField(label="演练日期", widget=DatePicker())
    participants = forms.IntegerField(label="参与人数", min_value=1)
    duration_minutes = forms.IntegerField(label="时长（分钟）", min_value=1, max_value=1440)
    evaluation = forms.CharField(
        label="评估", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PlanForm(StyledForm):
    plan_type = forms.ChoiceField(label="类型", choices=PlanType.choices)
    title = forms.CharField(label="预案名称", max_length=100)
    summary = forms.CharField(
        label="总体要求", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TriggerForm(StyledForm):
    title = forms.CharField(label="名称", max_length=100)
    expected_on = forms.DateField(label="预计检查日期", widget=DatePicker())
    note = forms.CharField(label="说明", max_length=500, required=False)


class CampaignForm(StyledForm):
    title = forms.CharField(label="管控期名称", max_length=100)
    starts_on = forms.DateField(label="开始日期", widget=DatePicker())
    ends_on = forms.DateField(label="结束日期", widget=DatePicker())


class LeaveForm(StyledForm):
    starts_on = forms.DateField(label="离开日期", widget=DatePicker())
    ends_on = forms.DateField(label="返回日期", widget=DatePicker())
    destination = forms.CharField(label="目的地", max_length=100)
    reason = forms.CharField(label="事由", max_length=300)
    deputy = forms.IntegerField(label="代管负责人")

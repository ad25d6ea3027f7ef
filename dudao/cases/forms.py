from __future__ import annotations

from decimal import Decimal

from django import forms

from dudao.cases.models import (
    CaseKind,
    CaseSource,
    Certificate,
    DropoutReason,
    DropoutResult,
    Employment,
    NoteKind,
    ReferralStatus,
    RiskLevel,
    VisitMode,
)
from dudao.core.forms import DatePicker, StyledForm

NOTE_KINDS = [(k, label) for k, label in NoteKind.choices if k not in (NoteKind.LEVEL, NoteKind.REVIEW)]


class DateTimePicker(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class OpenCaseForm(StyledForm):
    student_no = forms.CharField(label="学生学籍号", max_length=30)
    kind = forms.ChoiceField(label="个案类型", choices=CaseKind.choices)
    source = forms.ChoiceField(label="来源", choices=CaseSource.choices)
    risk_level = forms.ChoiceField(label="关注等级", choices=RiskLevel.choices)
    counsellor = forms.IntegerField(label="负责教师", required=False)
    plan = forms.CharField(
        label="干预/帮扶方案", required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )
    follow_up_days = forms.IntegerField(label="随访间隔（天）", min_value=1, max_value=365, initial=14)
    next_review_on = forms.DateField(label="下次评估日期", required=False, widget=DatePicker())
    dropout_reason = forms.ChoiceField(
        label="辍学原因（控辍保学）", choices=[("", "—"), *DropoutReason.choices], required=False
    )
    out_since = forms.DateField(label="离校日期（控辍保学）", required=False, widget=DatePicker())
    guardian_contacted_at = forms.DateTimeField(
        label="已联系监护人的时间（危机必填）", required=False, widget=DateTimePicker()
    )

    def clean_student_no(self) -> str:
        number = str(self.cleaned_data["student_no"]).strip()
        if "*" in number:
            # Pages show the 学籍号 masked (it carries the ID number); a copied masked number matches nobody.
            raise forms.ValidationError("页面上显示的学籍号已脱敏，请填写完整的学籍号")
        return number


class NoteForm(StyledForm):
    kind = forms.ChoiceField(label="记录类型", choices=NOTE_KINDS)
    occurred_on = forms.DateField(label="日期", widget=DatePicker())
    participants = forms.CharField(label="参与人员", max_length=200, required=False)
    text = forms.CharField(label="内容", max_length=20000, widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.CharField(label="结果", max_length=2000, required=False)


class LevelForm(StyledForm):
    level = forms.ChoiceField(label="新的关注等级", choices=RiskLevel.choices)
    reason = forms.CharField(label="调整理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    guardian_contacted_at = forms.DateTimeField(
        label="已联系监护人的时间（升为危机时必填）", required=False, widget=DateTimePicker()
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReferralForm(StyledForm):
    institution = forms.CharField(label="转介机构", max_length=100)
    referred_on = forms.DateField(label="转介日期", widget=DatePicker())
    status = forms.ChoiceField(label="状态", choices=ReferralStatus.choices, initial=ReferralStatus.REFERRED)
    note = forms.CharField(label="说明", max_length=2000, required=False)


class ReviewForm(StyledForm):
    text = forms.CharField(label="评估意见", max_length=20000, widget=forms.Textarea(attrs={"rows": 2}))
    next_review_on = forms.DateField(label="下次评估日期", widget=DatePicker())
    version = forms.IntegerField(widget=forms.HiddenInput)


class DropoutForm(StyledForm):
    result = forms.ChoiceField(label="劝返结果", choices=DropoutResult.choices)
    reason = forms.ChoiceField(label="辍学原因", choices=DropoutReason.choices)
    out_since = forms.DateField(label="离校日期", required=False, widget=DatePicker())
    returned_on = forms.DateField(label="返校/安置日期", required=False, widget=DatePicker())
    teacher_contact = forms.CharField(label="学校责任人及电话", max_length=80, required=False)
    cadre_contact = forms.CharField(label="教育局责任干部及电话", max_length=80, required=False)
    township_contact = forms.CharField(label="乡镇责任人及电话", max_length=80, required=False)
    village_contact = forms.CharField(label="村（社区）责任人及电话", max_length=80, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class CloseForm(StyledForm):
    summary = forms.CharField(label="结案小结", max_length=20000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class BreakGlassForm(StyledForm):
    case = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="紧急访问理由", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ScreeningForm(StyledForm):
    name = forms.CharField(label="筛查名称", max_length=100, initial="学期心理健康筛查")
    threshold = forms.DecimalField(
        label="建议建案分数线（≥）",
        min_value=Decimal(0),
        max_value=Decimal(10000),
        decimal_places=1,
        initial=Decimal(60),
    )
    file = forms.FileField(label="筛查结果（Excel）")


class DismissForm(StyledForm):
    reason = forms.CharField(label="排除理由", max_length=200)


class VisitForm(StyledForm):
    student = forms.IntegerField(widget=forms.HiddenInput)
    visited_on = forms.DateField(label="家访日期", required=False, widget=DatePicker())
    planned_on = forms.DateField(label="计划日期", required=False, widget=DatePicker())
    mode = forms.ChoiceField(label="方式", choices=VisitMode.choices)
    present = forms.CharField(label="在场人员", max_length=200, required=False)
    findings = forms.CharField(
        label="家访情况", max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    follow_ups = forms.CharField(label="后续跟进", max_length=20000, required=False)


class ProfileForm(StyledForm):
    user = forms.IntegerField(label="教师")
    employment = forms.ChoiceField(label="专兼职", choices=Employment.choices)
    certificate = forms.ChoiceField(label="证书等级", choices=Certificate.choices, required=False)


class RoomForm(StyledForm):
    name = forms.CharField(label="名称", max_length=60)
    area_m2 = forms.IntegerField(label="面积（平方米）", min_value=1, max_value=2000)
    meets_standard = forms.BooleanField(label="达到建设指南标准", required=False)

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms

from dudao.core.forms import DatePicker, StyledForm
from dudao.inspections.models import InspectionKind, ScoringMethod, Severity
from dudao.orgs.models import SchoolType


class FrameworkForm(StyledForm):
    name = forms.CharField(label="名称", max_length=100)
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FrameworkImportForm(StyledForm):
    name = forms.CharField(label="测评体系名称", max_length=100, help_text="与已有体系同名时，导入为它的新版本")
    file = forms.FileField(label="Excel 文件")


class IndicatorForm(StyledForm):
    section = forms.CharField(label="类别", max_length=100)
    code = forms.CharField(label="编号", max_length=20, required=False)
    text = forms.CharField(label="指标内容", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    method = forms.ChoiceField(label="评分方式", choices=ScoringMethod.choices)
    max_score = forms.DecimalField(label="满分", min_value=Decimal("0.01"), max_value=1000, initial=1)
    deduct_per = forms.DecimalField(label="每处扣分", min_value=0, max_value=1000, initial=0, required=False)
    weight = forms.DecimalField(label="权重", min_value=Decimal("0.01"), max_value=100, initial=1)
    evidence_required = forms.BooleanField(label="不达标须拍照取证", required=False)
    severity = forms.ChoiceField(label="问题等级", choices=Severity.choices)
    school_types = forms.MultipleChoiceField(
        label="适用学校类型（不选为全部）",
        choices=SchoolType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class PlanForm(StyledForm):
    name = forms.CharField(label="轮次名称", max_length=100)
    kind = forms.ChoiceField(label="类型", choices=InspectionKind.choices)
    framework = forms.TypedChoiceField(label="测评体系", coerce=int, required=False)
    previous = forms.TypedChoiceField(label="回头看的轮次", coerce=int, required=False, empty_value=None)
    starts_on = forms.DateField(label="开始日期", widget=DatePicker())
    ends_on = forms.DateField(label="结束日期", widget=DatePicker())
    assessment_on = forms.DateField(label="正式测评日（倒排工期）", required=False, widget=DatePicker())
    districts = forms.TypedMultipleChoiceField(
        label="按区县选择", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    school_types = forms.MultipleChoiceField(
        label="学校类型", choices=SchoolType.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    school_names = forms.CharField(
        label="或逐一列出学校",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一所，学校全称或单位代码；与上面的条件同时填写时取两者之和",
    )


class AnswerForm(StyledForm):
    indicator = forms.IntegerField()
    result = forms.CharField(max_length=4)
    occurrences = forms.IntegerField(required=False, min_value=0, max_value=999)
    value = forms.DecimalField(required=False, max_digits=6, decimal_places=2)
    note = forms.CharField(required=False, max_length=500)


class PhotoForm(StyledForm):
    indicator = forms.IntegerField(required=False)
    # Content checks (image type, size, EXIF) happen in the file service, with its messages.
    photo = forms.FileField(label="照片")
    latitude = forms.FloatField(required=False)
    longitude = forms.FloatField(required=False)


class ExtraFindingForm(StyledForm):
    category = forms.CharField(label="类别", max_length=100, required=False)
    description = forms.CharField(label="问题描述", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    severity = forms.ChoiceField(label="等级", choices=Severity.choices)


class TeamForm(StyledForm):
    """A team picked from the people of the inspecting unit (`selectors.team_candidates`), not typed names."""

    name = forms.CharField(label="组名", max_length=50)
    leader = forms.TypedChoiceField(label="组长", coerce=int)
    members = forms.TypedMultipleChoiceField(
        label="组员", coerce=int, required=False, widget=forms.CheckboxSelectMultiple, help_text="组长不必再勾选"
    )

    def __init__(self, *args: Any, candidates: Sequence[tuple[Any, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(person.pk, label) for person, label in candidates]
        leader = self.fields["leader"]
        members = self.fields["members"]
        assert isinstance(leader, forms.TypedChoiceField) and isinstance(members, forms.TypedMultipleChoiceField)
        leader.choices = [("", "请选择组长"), *choices]
        members.choices = choices

from __future__ import annotations

from typing import Any

from django import forms

from dudao.appraisal.models import AppraisedKind, Comparison, ItemKind, PeriodKind, ScoringRule
from dudao.core.forms import DatePicker, StyledForm
from dudao.orgs.models import SchoolType

EVIDENCE_HELP = "照片、PDF、Word、Excel，最多 9 个"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's recipe); views read them with `request.FILES.getlist`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data] or super().clean(None, initial)
        return super().clean(data, initial)


class SchemeForm(StyledForm):
    name = forms.CharField(label="方案名称", max_length=100)
    period_kind = forms.ChoiceField(label="考评周期", choices=PeriodKind.choices, initial=PeriodKind.YEAR)
    period_start = forms.DateField(label="考评期开始", widget=DatePicker())
    period_end = forms.DateField(label="考评期结束", widget=DatePicker())
    unit_kind = forms.ChoiceField(label="被考评单位", choices=AppraisedKind.choices)
    school_types = forms.MultipleChoiceField(
        label="学段类型（不选为全部学校）",
        choices=[c for c in SchoolType.choices if c[0] != SchoolType.UNIVERSITY],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    green_from = forms.DecimalField(label="绿牌分数线（≥）", initial=90, min_value=0, max_value=100)
    yellow_from = forms.DecimalField(label="黄牌分数线（≥，低于为红牌）", initial=75, min_value=0, max_value=100)
    veto_cap = forms.DecimalField(label="一票否决后最高得分", initial=59, min_value=0, max_value=100)
    objection_days = forms.IntegerField(label="申诉期（天）", initial=5, min_value=1, max_value=30)
    publish_ranking = forms.BooleanField(label="发布后向被考评单位公开完整排位", required=False, initial=True)
    previous = forms.TypedChoiceField(label="上一期方案（用于排位变化）", coerce=int, required=False, empty_value=None)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, previous_choices: list[tuple[Any, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["previous"].choices = [("", "（无）"), *(previous_choices or [])]  # type: ignore[attr-defined]


class ItemForm(StyledForm):
    name = forms.CharField(label="项目名称", max_length=60)
    kind = forms.ChoiceField(label="计分方式", choices=ItemKind.choices)
    weight = forms.DecimalField(label="分值", required=False, min_value=0, max_value=100)
    indicator_code = forms.ChoiceField(label="监测指标", required=False)
    rule = forms.ChoiceField(label="计分规则", choices=[("", "—"), *ScoringRule.choices], required=False)
    floor = forms.DecimalField(label="零分线", required=False)
    target = forms.DecimalField(label="满分线", required=False)
    bands = forms.CharField(label="分档（阈值:得分比例%）", required=False, max_length=200)
    comparison = forms.ChoiceField(label="否决条件", choices=[("", "—"), *Comparison.choices], required=False)
    threshold = forms.DecimalField(label="阈值", required=False)
    source_code = forms.ChoiceField(label="扣分来源", required=False)
    criteria = forms.CharField(
        label="评分标准", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    assessors = forms.TypedMultipleChoiceField(label="评分人", coerce=int, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        indicators: list[tuple[str, str]] | None = None,
        sources: list[tuple[str, str]] | None = None,
        assessors: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator_code"].choices = [("", "—"), *(indicators or [])]  # type: ignore[attr-defined]
        self.fields["source_code"].choices = [("", "只按登记的扣分事项"), *(sources or [])]  # type: ignore[attr-defined]
        self.fields["assessors"].choices = assessors or []  # type: ignore[attr-defined]


class ManualScoreForm(StyledForm):
    score = forms.DecimalField(label="得分", min_value=0)
    note = forms.CharField(label="评分说明", required=False, max_length=500)
    evidence = MultipleFileField(label="证据材料", required=False, help_text=EVIDENCE_HELP)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DeductionForm(StyledForm):
    points = forms.DecimalField(label="扣分", min_value=0)
    reason = forms.CharField(label="扣分事由", max_length=500)
    evidence = MultipleFileField(label="证据材料", help_text=EVIDENCE_HELP)


class VetoForm(StyledForm):
    reason = forms.CharField(label="否决事由", max_length=500)
    evidence = MultipleFileField(label="证据材料", help_text=EVIDENCE_HELP)


class ObjectionForm(StyledForm):
    item = forms.IntegerField(label="申诉项目")
    reason = forms.CharField(label="申诉理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    evidence = MultipleFileField(label="证据材料", required=False, help_text=EVIDENCE_HELP)


class DecideForm(StyledForm):
    decision = forms.ChoiceField(label="处理结果", choices=[("accept", "采纳"), ("reject", "不予采纳")])
    corrected_score = forms.DecimalField(label="更正后的得分（采纳时）", required=False, min_value=0)
    note = forms.CharField(label="处理意见", required=False, max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput)
    result_version = forms.IntegerField(widget=forms.HiddenInput)


TARGET_ROWS = 6


class IssueForm(StyledForm):
    title = forms.CharField(label="责任书名称", max_length=100)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    unit_kind = forms.ChoiceField(label="责任单位", choices=AppraisedKind.choices)

    def __init__(self, *args: Any, indicators: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, TARGET_ROWS + 1):
            self.fields[f"text_{n}"] = forms.CharField(label=f"目标 {n}", required=False, max_length=300)
            self.fields[f"indicator_{n}"] = forms.ChoiceField(
                label=f"目标 {n} 的监测指标", required=False, choices=[("", "人工核查"), *(indicators or [])]
            )
            self.fields[f"comparison_{n}"] = forms.ChoiceField(
                label=f"目标 {n} 的比较", required=False, choices=[("", "—"), *Comparison.choices]
            )
            self.fields[f"value_{n}"] = forms.DecimalField(label=f"目标 {n} 的目标值", required=False)
        for field in self.fields.values():  # the target rows were added after StyledForm styled the fields
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select form-select-sm"
            elif not isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-control form-control-sm"

    def target_rows(self) -> list[tuple[Any, Any, Any, Any]]:
        return [
            (self[f"text_{n}"], self[f"indicator_{n}"], self[f"comparison_{n}"], self[f"value_{n}"])
            for n in range(1, TARGET_ROWS + 1)
        ]


class CheckForm(StyledForm):
    is_met = forms.ChoiceField(
        label="核查结果", choices=[("1", "已完成"), ("0", "未完成"), ("", "待核查")], required=False
    )
    note = forms.CharField(label="核查说明", required=False, max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)

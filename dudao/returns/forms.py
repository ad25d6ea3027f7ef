from __future__ import annotations

from typing import Any

from django import forms

from dudao.core.forms import DatePicker, StyledForm
from dudao.returns.models import ScreeningAnswer, ScreeningRound
from dudao.returns.services import SYMPTOMS, AnswerIn

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class RoundForm(StyledForm):
    name = forms.CharField(label="筛查名称", max_length=60, initial="开学返校健康筛查")
    return_on = forms.DateField(
        label="返校日期", widget=DatePicker(), required=False, help_text="不填则取校历中的下一个开学日"
    )
    risk_areas = forms.CharField(label="风险地区（每行一个）", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    lookback_days = forms.IntegerField(label="追溯天数", min_value=1, max_value=60, initial=14)
    hold_days = forms.IntegerField(label="暂缓天数（离开或接触后）", min_value=0, max_value=30, initial=7)
    questions = forms.CharField(
        label="自定义问题（每行一个，可不填）", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class AnswerForm(StyledForm):
    """The questionnaire: the round's risk areas as a choice, the symptom list, close contact, free questions."""

    travel_area = forms.ChoiceField(label="近期是否到过以下风险地区", required=False)
    left_area_on = forms.DateField(label="离开该地区的日期", widget=DatePicker(), required=False)
    symptoms = forms.MultipleChoiceField(
        label="目前是否有以下症状（可多选）",
        choices=list(SYMPTOMS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    close_contact = forms.BooleanField(label="是否与确诊或疑似病例有密切接触", required=False)
    contact_on = forms.DateField(label="最后一次接触的日期", widget=DatePicker(), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, round: ScreeningRound, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.round = round
        field = self.fields["travel_area"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "没有到过"), *((a, a) for a in round.area_list)]
        field.label = f"近 {round.lookback_days} 天是否到过以下风险地区"
        for i, question in enumerate(round.questions):
            self.fields[f"q{i}"] = forms.CharField(
                label=question,
                max_length=200,
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )

    @classmethod
    def initial_of(cls, answer: ScreeningAnswer | None) -> dict[str, Any]:
        if answer is None:
            return {}
        initial: dict[str, Any] = {
            "travel_area": answer.travel_area,
            "left_area_on": answer.left_area_on,
            "symptoms": answer.symptoms,
            "close_contact": answer.close_contact,
            "contact_on": answer.contact_on,
            "version": answer.version,
        }
        for i, question in enumerate(answer.round.questions):
            initial[f"q{i}"] = answer.extra.get(question, "")
        return initial

    def answer_in(self) -> AnswerIn:
        d = self.cleaned_data
        extra = {q: d.get(f"q{i}", "") for i, q in enumerate(self.round.questions)}
        return AnswerIn(
            travel_area=d["travel_area"],
            left_area_on=d["left_area_on"],
            symptoms=tuple(d["symptoms"]),
            close_contact=d["close_contact"],
            contact_on=d["contact_on"],
            extra=extra,
        )


class ClearForm(StyledForm):
    cleared_on = forms.DateField(label="准予返校日期", widget=DatePicker())
    certificate_no = forms.CharField(label="证明编号/出具机构", max_length=100)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class SuspensionForm(StyledForm):
    unit = forms.TypedChoiceField(label="停课对象", coerce=int)
    starts_on = forms.DateField(label="停课开始", widget=DatePicker())
    ends_on = forms.DateField(label="停课结束", widget=DatePicker())
    reason = forms.CharField(label="停课原因", max_length=100)
    reference = forms.CharField(label="依据（疫情处置措施、文件号等）", max_length=100, required=False)
    online_plan = forms.CharField(label="线上教学安排", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    online_link = forms.CharField(label="线上课堂链接", max_length=300, required=False)
    teacher = forms.CharField(label="负责教师", max_length=40, required=False)
    teacher_phone = forms.CharField(label="联系电话", max_length=20, required=False)

    def __init__(self, *args: Any, units: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = units


class ArrangementForm(StyledForm):
    online_plan = forms.CharField(label="线上教学安排", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    online_link = forms.CharField(label="线上课堂链接", max_length=300, required=False)
    teacher = forms.CharField(label="负责教师", max_length=40, required=False)
    teacher_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class LiftForm(StyledForm):
    return_on = forms.DateField(label="复课日期", widget=DatePicker())
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ArrivalForm(StyledForm):
    grade = forms.TypedChoiceField(label="年级", coerce=int)
    day = forms.DateField(label="开学日期", widget=DatePicker())
    arrives_from = forms.TimeField(label="到校开始", widget=TIME)
    arrives_until = forms.TimeField(label="到校截止", widget=TIME)
    gate = forms.CharField(label="入校通道", max_length=40, required=False)
    note = forms.CharField(label="备注", max_length=100, required=False)

    def __init__(self, *args: Any, grades: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["grade"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = grades

from __future__ import annotations

from typing import Any

from django import forms

from dudao.bullying.models import Kind, Role, Severity
from dudao.core.forms import DatePicker, StyledForm


class ReportForm(StyledForm):
    """A teacher's or the school's report; students are added by name (and class where names repeat)."""

    kind = forms.ChoiceField(label="欺凌类型", choices=[("", "请选择"), *Kind.choices])
    occurred_on = forms.DateField(label="发生日期", widget=DatePicker())
    place = forms.CharField(label="发生地点", max_length=100)
    description = forms.CharField(label="事情经过", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    request_key = forms.CharField(widget=forms.HiddenInput, required=False)


class PublicReportForm(StyledForm):
    kind = forms.ChoiceField(label="欺凌类型", choices=[("", "请选择"), *Kind.choices])
    occurred_on = forms.DateField(label="发生日期", widget=DatePicker())
    place = forms.CharField(label="发生地点", max_length=100)
    description = forms.CharField(
        label="事情经过（涉及的学生姓名、班级，发生了什么）", widget=forms.Textarea(attrs={"rows": 6}), max_length=5000
    )
    reporter = forms.CharField(label="您的姓名、与学生的关系和联系电话", max_length=200)
    request_key = forms.CharField(widget=forms.HiddenInput, required=False)


class StudentForm(StyledForm):
    name = forms.CharField(label="学生姓名", max_length=50)
    klass = forms.TypedChoiceField(label="班级（同名时必选）", coerce=int, required=False, empty_value=None)
    role = forms.ChoiceField(label="身份", choices=Role.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, classes: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["klass"].choices = [("", "不限"), *(classes or [])]  # type: ignore[attr-defined]


class StepForm(StyledForm):
    text = forms.CharField(label="记录", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    done_on = forms.DateField(label="完成日期", widget=DatePicker())
    is_bullying = forms.TypedChoiceField(
        label="认定结论",
        choices=[("", "请选择"), ("yes", "构成欺凌"), ("no", "不构成欺凌")],
        coerce=lambda v: v == "yes",
        required=False,
        empty_value=None,
    )
    severity = forms.ChoiceField(label="严重程度", choices=[("", "—"), *Severity.choices], required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DesignateForm(StyledForm):
    user = forms.TypedChoiceField(label="人员", coerce=int)
    duty = forms.CharField(label="职责（如：德育主任、调查组成员）", max_length=40, required=False)

    def __init__(self, *args: Any, users: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "请选择"), *(users or [])]  # type: ignore[attr-defined]

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone

from dudao.core.errors import DomainError
from dudao.core.forms import DatePicker, StyledForm
from dudao.notices.audience import AUDIENCE_KINDS
from dudao.notices.models import Notice, StudentFlag
from dudao.notices.services.drafting import check_questions
from dudao.orgs.models import OrgUnit

QUESTION_HELP = (
    "每行一个问题：“单选：暑期是否外出？|是|否”、“多选：外出方式|自驾|火车|飞机”、"
    "“简答：外出去向”、“确认：我已履行监护责任”"
)
_KINDS = {"单选": "choice", "多选": "multi", "简答": "text", "填空": "text", "确认": "confirm"}


def parse_questions(text: str) -> list[dict[str, Any]]:
    """The one-question-per-line syntax of the notice form; bad lines raise ValidationError with the line."""
    questions = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        head, sep, rest = line.replace(":", "：").partition("：")
        kind = _KINDS.get(head.strip())
        if not sep or kind is None:
            raise forms.ValidationError(f"第 {number} 行应以“单选：”“多选：”“简答：”或“确认：”开头")
        parts = [p.strip() for p in rest.split("|")]
        optional = parts[0].endswith("（选填）")
        questions.append(
            {
                "kind": kind,
                "label": parts[0].removesuffix("（选填）").strip(),
                "options": parts[1:],
                "required": not optional and kind != "text",
            }
        )
    return questions


def questions_text(questions: list[dict[str, Any]]) -> str:
    """The stored questions written back in the form's syntax, so that editing a draft shows what was typed."""
    heads = {"choice": "单选", "multi": "多选", "text": "简答", "confirm": "确认"}
    lines = []
    for question in questions:
        label = question["label"]
        if question["kind"] != "text" and not question.get("required", True):
            label += "（选填）"
        lines.append("|".join([f"{heads.get(question['kind'], '确认')}：{label}", *question.get("options", [])]))
    return "\n".join(lines)


def editable_body(body_html: str) -> str:
    """The stored body as the clerk typed it: plain paragraphs back to text with blank lines between them; a body
    with other formatting stays the HTML it is (saved again unchanged, it stays the same)."""
    if set(re.findall(r"</?([a-zA-Z0-9]+)", body_html)) <= {"p"}:
        paragraphs = re.findall(r"<p>(.*?)</p>", body_html, flags=re.S)
        return "\n\n".join(html.unescape(p) for p in paragraphs)
    return body_html


def initial_of(notice: Notice) -> dict[str, Any]:
    """A draft's values as the form's initial data."""
    return {
        "title": notice.title,
        "body": editable_body(notice.body_html),
        "questions": json.dumps(notice.questions, ensure_ascii=False),
        "questions_text": questions_text(notice.questions),
        "audience_units": list(notice.audience_units.all()),
        "grade_names": "，".join(notice.audience_grade_names),
        "flags": notice.audience_flags,
        "links_expire_on": timezone.localtime(notice.links_expire_at).date(),
    }


def split_grade_names(raw: str) -> list[str]:
    raw = (raw or "").replace("，", ",").replace("、", ",")
    return [n.strip() for n in raw.split(",") if n.strip()]


def questions_from_json(raw: str) -> list[Any]:
    """The question builder's hidden field: a JSON list of {kind, label, options, required}."""
    try:
        questions = json.loads(raw or "[]")
    except ValueError:
        questions = None
    if not isinstance(questions, list):
        raise forms.ValidationError("回执问题的数据不完整，请刷新页面后重新填写")
    return questions


class NoticeForm(StyledForm):
    title = forms.CharField(label="标题", max_length=120)
    body = forms.CharField(
        label="正文",
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=(
            "可直接粘贴文字（空行分段）；支持 <b>加粗</b>、<i>斜体</i>、<h3>标题</h3>、"
            "<ul><li>列表</li></ul> 等简单格式"
        ),
    )
    # Written by the question builder (questions.js); checked here and again by the service.
    questions = forms.CharField(required=False, widget=forms.HiddenInput)
    # Without scripts the builder cannot run: the page offers the one-question-per-line text instead (<noscript>).
    questions_text = forms.CharField(
        label="回执问题（可选）", required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=QUESTION_HELP
    )
    audience_units = forms.ModelMultipleChoiceField(
        label="发送范围",
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.MultipleHiddenInput,
        error_messages={"invalid_choice": "发送范围中有单位不存在或不在发文单位之内，请重新勾选"},
    )
    grade_names = forms.CharField(
        label="只发给这些年级（可选，如 九年级，逗号分隔）",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"data-audience-input": ""}),
    )
    flags = forms.MultipleChoiceField(
        label="只发给这些学生群体（可选）",
        choices=StudentFlag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input", "data-audience-input": ""}),
    )
    links_expire_on = forms.DateField(label="链接有效期至", widget=DatePicker())
    attachments = forms.FileField(label="附件（可选，最多 5 个）", required=False)

    def __init__(self, *args: Any, issuer: OrgUnit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["audience_units"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = OrgUnit.objects.filter(
            path__under=issuer.path, kind__in=AUDIENCE_KINDS, is_closed=False
        ).exclude(pk=issuer.pk)
        self.fields["attachments"].widget.attrs["multiple"] = True
        if "links_expire_on" not in self.initial:
            self.fields["links_expire_on"].initial = timezone.localdate() + dt.timedelta(days=30)

    def clean_questions(self) -> list[dict[str, Any]]:
        if "questions_text" in self.data:  # the page without scripts
            questions: list[Any] = parse_questions(self.data.get("questions_text", ""))
        else:
            questions = questions_from_json(self.cleaned_data.get("questions", ""))
        try:
            return check_questions(questions)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean_grade_names(self) -> list[str]:
        return split_grade_names(self.cleaned_data.get("grade_names", ""))

    def chosen_units(self) -> list[OrgUnit]:
        """The units to show as ticked: the posted ones (valid or not yet checked), else the draft's."""
        if self.is_bound:
            posted = self.data.getlist("audience_units") if isinstance(self.data, QueryDict) else []
            ids = [int(v) for v in posted if str(v).isdigit()]
            field = self.fields["audience_units"]
            assert isinstance(field, forms.ModelMultipleChoiceField) and field.queryset is not None
            return list(field.queryset.filter(pk__in=ids).order_by("path"))
        return sorted(self.initial.get("audience_units", []), key=lambda u: u.path)


class ReminderForm(StyledForm):
    flags = forms.MultipleChoiceField(
        label="提醒对象（不选则为全部家长）",
        choices=StudentFlag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    starts_on = forms.DateField(label="开始日期（不填为今天）", widget=DatePicker(), required=False)
    until = forms.DateField(label="每天提醒至", widget=DatePicker())
    only_pending = forms.BooleanField(label="仅提醒尚未确认的家长", required=False, initial=True)


class PhoneConfirmForm(StyledForm):
    note = forms.CharField(label="备注", max_length=200, required=False)

"""Forms of 投诉与建议. They bind and type the input; the services check it (one place for the rules)."""

from __future__ import annotations

from django import forms

from dudao.complaints.models import Category, Channel, Kind, Rating
from dudao.complaints.services.handling import MAX_COMMENT, MAX_TEXT
from dudao.complaints.services.intake import MAX_ABOUT, MAX_CONTENT, MAX_NAME, MAX_TITLE

_CONTROL = {"class": "form-control"}
_SELECT = {"class": "form-select"}
_CHECK = {"class": "form-check-input"}


class SubmissionForm(forms.Form):
    kind = forms.ChoiceField(
        label="诉求类型", choices=Kind.choices, initial=Kind.COMPLAINT, widget=forms.RadioSelect(attrs=_CHECK)
    )
    category = forms.ChoiceField(
        label="问题类别", choices=[("", "请选择"), *Category.choices], widget=forms.Select(attrs=_SELECT)
    )
    title = forms.CharField(label="标题", max_length=MAX_TITLE * 2, widget=forms.TextInput(attrs=_CONTROL))
    about = forms.CharField(
        label="涉及学校或单位（可选）",
        required=False,
        max_length=MAX_ABOUT * 2,
        widget=forms.TextInput(attrs={**_CONTROL, "placeholder": "如：某某区第一中学"}),
    )
    content = forms.CharField(
        label="具体内容",
        max_length=MAX_CONTENT * 2,
        widget=forms.Textarea(attrs={**_CONTROL, "rows": 6, "placeholder": "请写明时间、地点、涉及人员和具体情况"}),
    )
    is_anonymous = forms.BooleanField(
        label="匿名提交（不留姓名和电话，只能通过查询链接看答复）",
        required=False,
        widget=forms.CheckboxInput(attrs=_CHECK),
    )
    name = forms.CharField(
        label="姓名", required=False, max_length=MAX_NAME * 2, widget=forms.TextInput(attrs=_CONTROL)
    )
    phone = forms.CharField(
        label="联系电话",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={**_CONTROL, "inputmode": "tel", "autocomplete": "tel"}),
    )
    request_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


class CallForm(SubmissionForm):
    channel = forms.ChoiceField(
        label="来源",
        choices=[(Channel.HOTLINE, Channel.HOTLINE.label), (Channel.HOTLINE_12345, Channel.HOTLINE_12345.label)],
        widget=forms.Select(attrs=_SELECT),
    )
    external_no = forms.CharField(
        label="12345 工单号（转办件填写）", required=False, max_length=40, widget=forms.TextInput(attrs=_CONTROL)
    )


class RouteForm(forms.Form):
    unit = forms.IntegerField(label="承办单位", min_value=1)
    deadline = forms.DateField(
        label="答复时限", required=False, widget=forms.DateInput(attrs={**_CONTROL, "type": "date"})
    )
    note = forms.CharField(
        label="分办意见（可选）",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={**_CONTROL, "rows": 2}),
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label="答复内容（将转达投诉人）", max_length=MAX_TEXT * 2, widget=forms.Textarea(attrs={**_CONTROL, "rows": 5})
    )
    measures = forms.CharField(
        label="整改措施（可选）",
        required=False,
        max_length=MAX_TEXT * 2,
        widget=forms.Textarea(attrs={**_CONTROL, "rows": 3}),
    )


class NoteForm(forms.Form):
    note = forms.CharField(label="审核意见（可选）", required=False, max_length=MAX_TEXT)


class SendBackForm(forms.Form):
    reason = forms.CharField(
        label="退回原因", max_length=MAX_TEXT, widget=forms.Textarea(attrs={**_CONTROL, "rows": 2})
    )
    new_deadline = forms.DateField(
        label="新的答复时限（可选）", required=False, widget=forms.DateInput(attrs={**_CONTROL, "type": "date"})
    )


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        label="您对本次答复是否满意", choices=Rating.choices, widget=forms.RadioSelect(attrs=_CHECK)
    )
    comment = forms.CharField(
        label="评价意见（选择“不满意”时必填）",
        required=False,
        max_length=MAX_COMMENT * 2,
        widget=forms.Textarea(attrs={**_CONTROL, "rows": 3}),
    )


class ImportForm(forms.Form):
    file = forms.FileField(label="12345 转办工单（Excel）")

"""Forms of the gate pages. They only bind and shape input; the rules (ID check digit, times, temperature) live in
services, whose messages are shown next to the field they concern."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from dudao.gate.models import VisitReason

HEALTH_CHOICES = [("no", "无"), ("yes", "有")]


class VisitForm(forms.Form):
    phone = forms.CharField(
        label="手机号",
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "off", "placeholder": "输入手机号可调出近期来访"}
        ),
    )
    previous = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(
        label="姓名", required=False, max_length=40, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    id_card_no = forms.CharField(
        label="身份证号",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    host = forms.TypedChoiceField(label="被访人（本校人员）", required=False, coerce=int, empty_value=None)
    host_text = forms.CharField(label="或填写被访人", required=False, max_length=60)
    reason = forms.ChoiceField(label="来访事由", required=False, choices=[("", "请选择"), *VisitReason.choices])
    reason_other = forms.CharField(label="其他事由", required=False, max_length=60)
    has_symptoms = forms.ChoiceField(
        label="发热、咳嗽等症状", required=False, choices=HEALTH_CHOICES, initial="no", widget=forms.RadioSelect
    )
    temperature = forms.CharField(
        label="体温（℃）",
        required=False,
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "36.5"}),
    )
    travel_history = forms.CharField(
        label="近14天旅居史",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "无则不填；有则写明去过的地区"}),
    )
    checked_in_at = forms.DateTimeField(
        label="进校时间（补登时填写）",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": "请按“年-月-日 时:分”填写进校时间"},
    )

    def __init__(self, *args: object, hosts: list[tuple[int, str]] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        host = self.fields["host"]
        assert isinstance(host, forms.TypedChoiceField)
        host.choices = [("", "请选择"), *(hosts or [])]
        for name, field in self.fields.items():
            if name == "has_symptoms":
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class TraceForm(forms.Form):
    q = forms.CharField(
        label="姓名、手机号或身份证号",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "留空则列出期间全部访客"}),
    )
    start = forms.DateField(
        label="开始日期",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
        error_messages={"required": "请选择开始日期", "invalid": "开始日期格式不对"},
    )
    end = forms.DateField(
        label="结束日期",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
        error_messages={"required": "请选择结束日期", "invalid": "结束日期格式不对"},
    )

    @staticmethod
    def defaults() -> dict[str, dt.date]:
        today = timezone.localdate()
        return {"start": today - dt.timedelta(days=13), "end": today}

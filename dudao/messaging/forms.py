from __future__ import annotations

from typing import Any

from django import forms

from dudao.core.forms import StyledForm
from dudao.messaging.models import Category, Channel

BIND_CHANNELS = [(Channel.WECOM.value, Channel.WECOM.label), (Channel.DINGTALK.value, Channel.DINGTALK.label)]


class PreferencesForm(StyledForm):
    """One checkbox group per category (`ch_<category>`), the quiet hours and the version the page showed."""

    quiet_enabled = forms.BooleanField(label="启用免打扰", required=False)
    quiet_start = forms.TimeField(label="免打扰开始", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    quiet_end = forms.TimeField(label="免打扰结束", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for category in Category:
            self.fields[f"ch_{category.value}"] = forms.MultipleChoiceField(
                label=category.label, choices=Channel.choices, required=False
            )


class BindForm(StyledForm):
    channel = forms.ChoiceField(label="渠道", choices=BIND_CHANNELS)
    external_id = forms.CharField(label="账号（UserID）", max_length=64)


class VerifyForm(StyledForm):
    channel = forms.ChoiceField(label="渠道", choices=BIND_CHANNELS)
    code = forms.RegexField(
        label="验证码", regex=r"^\s*\d{6}\s*$", error_messages={"invalid": "验证码是 6 位数字"}, max_length=12
    )


class UnbindForm(StyledForm):
    channel = forms.ChoiceField(label="渠道", choices=BIND_CHANNELS)

from __future__ import annotations

from django import forms

from dudao.core.forms import DatePicker, StyledForm


class AssignForm(StyledForm):
    owner = forms.IntegerField(label="责任人")
    responsibility = forms.CharField(label="整改措施/职责", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    due_date = forms.DateField(label="整改时限", widget=DatePicker())
    version = forms.IntegerField(widget=forms.HiddenInput)


class ProgressForm(StyledForm):
    progress = forms.IntegerField(label="进度（%）", min_value=0, max_value=99)
    text = forms.CharField(label="本次进展", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class CloseoutForm(StyledForm):
    text = forms.CharField(label="整改完成情况", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class VerifyForm(StyledForm):
    text = forms.CharField(label="验收意见", max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class RejectForm(StyledForm):
    reason = forms.CharField(label="不通过原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class FindingsImportForm(StyledForm):
    file = forms.FileField(label="问题清单（Excel）")

from __future__ import annotations

import datetime as dt

from django import forms

from dudao.core.forms import DatePicker, StyledForm

DOC_DATE_MIN, DOC_DATE_MAX = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


class AnalyseForm(StyledForm):
    title = forms.CharField(label="标题", max_length=200, required=False, help_text="留空则取第一行")
    doc_date = forms.DateField(
        label="发文日期", initial=dt.date.today, widget=DatePicker(), help_text="用于推算“本周五”“8月初”等时限"
    )

    def clean_doc_date(self) -> dt.date:
        value = self.cleaned_data["doc_date"]
        if not DOC_DATE_MIN <= value <= DOC_DATE_MAX:
            raise forms.ValidationError("发文日期应在 2000 年至 2099 年之间")
        return value

    text = forms.CharField(label="粘贴文字", required=False, widget=forms.Textarea(attrs={"rows": 10}))
    file = forms.FileField(
        label="或上传文件", required=False, help_text=".txt（UTF-8/GBK/Big5）、.docx 或带文字层的 .pdf，最大 5 MB"
    )


class RowForm(StyledForm):
    task = forms.CharField(label="任务", max_length=300)
    responsible = forms.CharField(label="责任主体", max_length=300, required=False, help_text="用顿号分隔")
    deadline_text = forms.CharField(label="时限原文", max_length=60, required=False)
    deadline_start = forms.DateField(label="开始", required=False, widget=DatePicker())
    deadline_end = forms.DateField(label="截止", required=False, widget=DatePicker())
    targets = forms.CharField(label="量化指标", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    mechanisms = forms.CharField(label="工作机制", max_length=300, required=False)

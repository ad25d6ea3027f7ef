from __future__ import annotations

from django import forms

from dudao.orgs.models import OrgUnit
from dudao.teachers.models import CertificateKind, Employment, Gender, Post, Qualification, Title

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}
DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class ProfileForm(forms.Form):
    id_card_no = forms.CharField(
        label="身份证号",
        max_length=18,
        required=False,
        help_text="填写后按身份证号校验并填入性别、出生日期；保存后只显示打码的号码",
        widget=forms.TextInput(attrs={**TEXT, "autocomplete": "off", "inputmode": "text"}),
    )
    gender = forms.ChoiceField(
        label="性别", choices=[("", "—"), *Gender.choices], required=False, widget=forms.Select(attrs=SELECT)
    )
    birth_date = forms.DateField(label="出生日期", required=False, widget=DATE)
    post = forms.ChoiceField(label="岗位类别", choices=Post.choices, widget=forms.Select(attrs=SELECT))
    employment = forms.ChoiceField(label="用工形式", choices=Employment.choices, widget=forms.Select(attrs=SELECT))
    subjects = forms.CharField(
        label="任教学科",
        max_length=100,
        required=False,
        help_text="多个学科用顿号分隔",
        widget=forms.TextInput(attrs=TEXT),
    )
    is_class_teacher = forms.BooleanField(
        label="担任班主任", required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )
    title = forms.ChoiceField(label="职称", choices=Title.choices, widget=forms.Select(attrs=SELECT))
    title_date = forms.DateField(label="职称取得时间", required=False, widget=DATE)
    qualification = forms.ChoiceField(
        label="教师资格", choices=Qualification.choices, required=False, widget=forms.Select(attrs=SELECT)
    )
    qualification_no = forms.CharField(
        label="教师资格证号", max_length=30, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    work_started_on = forms.DateField(label="参加工作时间", required=False, widget=DATE)


class CertificateForm(forms.Form):
    kind = forms.ChoiceField(label="证书", choices=CertificateKind.choices, widget=forms.Select(attrs=SELECT))
    name = forms.CharField(
        label="证书名称",
        max_length=60,
        required=False,
        help_text="“其他证书”时填写",
        widget=forms.TextInput(attrs=TEXT),
    )
    number = forms.CharField(label="证书编号", max_length=40, required=False, widget=forms.TextInput(attrs=TEXT))
    issued_on = forms.DateField(label="发证日期", required=False, widget=DATE)
    expires_on = forms.DateField(label="有效期至", required=False, help_text="长期有效的不填", widget=DATE)


class TransferForm(forms.Form):
    to_unit = forms.ModelChoiceField(
        label="调入单位", queryset=OrgUnit.objects.none(), widget=forms.Select(attrs=SELECT)
    )
    on = forms.DateField(label="调动日期", widget=DATE)
    note = forms.CharField(
        label="说明",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={**TEXT, "placeholder": "如：交流轮岗、组织调动"}),
    )

    def __init__(self, *args: object, units: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if units is not None:
            self.fields["to_unit"].queryset = units  # type: ignore[attr-defined]


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")

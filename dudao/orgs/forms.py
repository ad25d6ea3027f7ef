from __future__ import annotations

from django import forms

from dudao.orgs.models import SchoolType, UnitKind
from dudao.orgs.roles import Role


class UnitCreateForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=40, required=False)
    kind = forms.ChoiceField(label="类型", choices=UnitKind.choices)
    school_type = forms.ChoiceField(label="学段类型", choices=[("", "—"), *SchoolType.choices], required=False)
    code = forms.CharField(label="单位代码", max_length=30, required=False)


class UnitRenameForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    short_name = forms.CharField(label="简称", max_length=40, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class UnitMoveForm(forms.Form):
    new_parent = forms.IntegerField(label="新的上级单位")
    version = forms.IntegerField(widget=forms.HiddenInput)


class UnitCloseForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput)


class RosterUploadForm(forms.Form):
    file = forms.FileField(label="名册文件（.xlsx）")


class StaffCreateForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    full_name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机号", max_length=20, required=False)
    title = forms.CharField(label="职务", max_length=50, required=False)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput, help_text="至少 10 位")


class AssignRoleForm(forms.Form):
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    unit = forms.IntegerField(label="单位")

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings

from dudao.directives.models import FieldType, Recurrence, TargetMode
from dudao.orgs.models import SchoolType, UnitKind

APPROVAL_CHOICES = [(UnitKind.SCHOOL, "学校自审"), (UnitKind.DISTRICT, "区县教育局审核")]
TARGET_KIND_CHOICES = [(UnitKind.DISTRICT, "区县教育局"), (UnitKind.SCHOOL, "学校"), (UnitKind.CAMPUS, "校区")]


class UnitIdsField(forms.Field):
    """Ids of chosen units as posted by the unit-tree picker (`orgs/_tree_picker.html`). Only the form is checked
    here; whether each unit may receive the directive is the service's question (`resolve_targets`)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        if isinstance(value, str | int):
            value = [value]
        ids = []
        for item in value:
            text = str(item).strip()
            if not text.isdigit() or len(text) > 12:
                raise forms.ValidationError("所选单位不正确，请重新选择", code="invalid")
            ids.append(int(text))
        return list(dict.fromkeys(ids))


class TargetForm(forms.Form):
    """下发对象: the mode and the controls of each mode; `target_spec()` is what the services resolve."""

    target_mode = forms.ChoiceField(label="下发对象", choices=TargetMode.choices, initial=TargetMode.KIND)
    target_kind = forms.ChoiceField(label="单位类型", choices=TARGET_KIND_CHOICES, required=False)
    school_types = forms.MultipleChoiceField(
        label="学段类型", choices=SchoolType.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    units = UnitIdsField(label="指定单位", required=False)
    schools_of = UnitIdsField(label="区县的全部学校", required=False)
    group = forms.ChoiceField(label="常用分组", choices=[], required=False)

    def __init__(self, *args: Any, groups: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["group"]).choices = [("", "—"), *groups]

    def target_spec(self) -> dict[str, Any]:
        data = self.cleaned_data
        mode = data["target_mode"]
        if mode == TargetMode.KIND:
            return {"mode": mode, "kind": data["target_kind"]}
        if mode == TargetMode.SCHOOL_TYPE:
            return {"mode": mode, "school_types": data["school_types"]}
        if mode == TargetMode.LIST:
            spec: dict[str, Any] = {"mode": mode, "units": data["units"]}
            if data["schools_of"]:
                spec["schools_of"] = data["schools_of"]
            return spec
        if mode == TargetMode.GROUP:
            return {"mode": mode, "group": int(data["group"] or 0)}
        return {"mode": TargetMode.SUBTREE, "kinds": [UnitKind.DISTRICT, UnitKind.SCHOOL], "depth": "children"}


# A refusal of `resolve_targets` shown beside the control it is about.
TARGET_ERROR_FIELDS = {
    "target_mode_invalid": "target_mode",
    "targets_empty": "target_mode",
    "target_kind_invalid": "target_kind",
    "target_school_type_invalid": "school_types",
    "target_list_empty": "units",
    "target_out_of_scope": "units",
    "target_group_missing": "group",
}


class DirectiveForm(TargetForm):
    title = forms.CharField(label="标题", max_length=200)
    body = forms.CharField(label="正文", widget=forms.Textarea(attrs={"rows": 5}), required=False)
    deadline = forms.DateTimeField(
        label="截止时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    save_group_name = forms.CharField(label="把所选单位保存为常用分组", max_length=60, required=False)
    form_version = forms.ChoiceField(label="报送表单", choices=[], required=False)
    approval_kinds = forms.MultipleChoiceField(
        label="逐级审核（发文单位总是最后一级）",
        choices=APPROVAL_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    allow_late = forms.BooleanField(label="允许逾期报送（标记为逾期）", required=False, initial=True)
    recurrence = forms.ChoiceField(label="重复报送", choices=Recurrence.choices, initial=Recurrence.NONE)
    repeat_until = forms.DateField(label="重复至", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(
        self,
        *args: Any,
        groups: list[tuple[int, str]],
        versions: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, groups=groups, **kwargs)
        cast(forms.ChoiceField, self.fields["form_version"]).choices = [("", "不需要填表（仅签收）"), *versions]


def initial_from(directive: Any) -> dict[str, Any]:
    """The create form's fields filled from a draft, so editing uses the same form as creating."""
    spec = directive.target_spec or {}
    mode = spec.get("mode") or TargetMode.SUBTREE
    return {
        "title": directive.title,
        "body": directive.body,
        "deadline": local_datetime(directive.deadline.astimezone(ZoneInfo(settings.TIME_ZONE))),
        "target_mode": mode,
        "target_kind": spec.get("kind") or UnitKind.SCHOOL,
        "school_types": list(spec.get("school_types") or []),
        "units": [str(u) for u in spec.get("units") or []],
        "schools_of": [str(u) for u in spec.get("schools_of") or []],
        "group": str(spec.get("group") or ""),
        "form_version": str(directive.form_version_id or ""),
        "approval_kinds": list(directive.approval_kinds or []),
        "allow_late": directive.allow_late,
        "recurrence": directive.recurrence,
        "repeat_until": directive.repeat_until.isoformat() if directive.repeat_until else "",
    }


class IssueForm(forms.Form):
    doc_prefix = forms.CharField(label="发文字号前缀（可不填）", max_length=20, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤回原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class CorrectionForm(forms.Form):
    text = forms.CharField(label="更正内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    title = forms.CharField(label="更正后的标题（不改可不填）", max_length=200, required=False)
    deadline = forms.DateTimeField(
        label="新的截止时间（不改可不填）",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class CascadeForm(forms.Form):
    deadline = forms.DateTimeField(
        label="本区截止时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    body = forms.CharField(label="补充要求", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    approve_by_school = forms.BooleanField(label="学校自审后再报本区", required=False)


class FieldForm(forms.Form):
    label = forms.CharField(label="字段名称", max_length=60)
    key = forms.SlugField(label="编码（英文）", max_length=40, required=False)
    type = forms.ChoiceField(label="类型", choices=FieldType.choices)
    required = forms.BooleanField(label="必填", required=False)
    min = forms.DecimalField(label="最小值", required=False)
    max = forms.DecimalField(label="最大值", required=False)
    unit = forms.CharField(label="单位", max_length=10, required=False)
    help = forms.CharField(label="填写说明", max_length=200, required=False)
    choices = forms.CharField(label="选项（每行一个）", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    columns = forms.CharField(
        label="表格列（每行一列：名称:类型，类型可用 文本/整数/小数/日期/是否）",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    max_rows = forms.IntegerField(label="最多行数", required=False, min_value=1, max_value=1000)


class RuleForm(forms.Form):
    rule = forms.CharField(label="校验规则", max_length=100)


def local_datetime(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M")

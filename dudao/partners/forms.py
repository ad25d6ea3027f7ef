from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from dudao.core.forms import DatePicker, StyledForm
from dudao.orgs.models import OrgUnit
from dudao.partners.models import Partner, PartnerKind


class UnitChoice(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class SchoolChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class PartnerForm(StyledForm):
    name = forms.CharField(label="单位名称", max_length=80)
    kind = forms.ChoiceField(label="类别", choices=PartnerKind.choices)
    address = forms.CharField(label="地址", max_length=120, required=False)
    note = forms.CharField(label="协作事项", max_length=300, required=False)
    covers = UnitChoice(label="辖区内学校", queryset=OrgUnit.objects.none(), required=False)
    is_active = forms.BooleanField(label="合作中", required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, schools: QuerySet[OrgUnit] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["covers"]
        assert isinstance(field, UnitChoice)
        field.queryset = schools if schools is not None else OrgUnit.objects.none()
        field.widget.attrs["size"] = 6


class ContactForm(StyledForm):
    name = forms.CharField(label="姓名", max_length=40)
    post = forms.CharField(label="职务", max_length=40, required=False)
    phone = forms.CharField(label="电话", max_length=20)


class TaskForm(StyledForm):
    partner = forms.ModelChoiceField(label="协作单位", queryset=Partner.objects.none())
    title = forms.CharField(label="事项", max_length=100)
    description = forms.CharField(label="具体情况和要求", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    location = forms.CharField(label="地点", max_length=120, required=False)
    school = SchoolChoice(label="涉及学校", queryset=OrgUnit.objects.none(), required=False)
    due_on = forms.DateField(label="办理时限", widget=DatePicker())
    hazard = forms.IntegerField(label="关联隐患编号（整改台账，可不填）", min_value=1, required=False)
    campaign = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        partners: QuerySet[Partner] | None = None,
        schools: QuerySet[OrgUnit] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        partner = self.fields["partner"]
        school = self.fields["school"]
        assert isinstance(partner, forms.ModelChoiceField) and isinstance(school, forms.ModelChoiceField)
        partner.queryset = partners if partners is not None else Partner.objects.none()
        school.queryset = schools if schools is not None else OrgUnit.objects.none()


class CampaignForm(StyledForm):
    title = forms.CharField(label="行动名称", max_length=100)
    description = forms.CharField(
        label="工作内容", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    starts_on = forms.DateField(label="开始日期", widget=DatePicker())
    ends_on = forms.DateField(label="结束日期", widget=DatePicker())
    partners = UnitChoice(label="参与部门", queryset=Partner.objects.none())
    schools = UnitChoice(label="目标学校", queryset=OrgUnit.objects.none())

    def __init__(
        self,
        *args: Any,
        partners: QuerySet[Partner] | None = None,
        schools: QuerySet[OrgUnit] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        p, s = self.fields["partners"], self.fields["schools"]
        assert isinstance(p, UnitChoice) and isinstance(s, UnitChoice)
        p.queryset = partners if partners is not None else Partner.objects.none()
        s.queryset = schools if schools is not None else OrgUnit.objects.none()
        p.widget.attrs["size"] = 6
        s.widget.attrs["size"] = 6


class ReviewForm(StyledForm):
    note = forms.CharField(label="审核意见", max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AcknowledgeForm(StyledForm):
    name = forms.CharField(label="签收人姓名", max_length=40)


class ReportForm(StyledForm):
    name = forms.CharField(label="反馈人姓名", max_length=40)
    text = forms.CharField(label="办理情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))

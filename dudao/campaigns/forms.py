"""Forms of the campaign pages: they bind and type the input; the services judge it (dates, people, scope)."""

from __future__ import annotations

from typing import Any

from django import forms

from dudao.campaigns.models import CampaignStatus
from dudao.campaigns.services import KeyDateIn
from dudao.core.forms import DatePicker, StyledForm

KEY_DATE_ROWS = 4
_KEY_NAME = forms.TextInput(attrs={"placeholder": "节点名称，如：自查整改完成"})


class CampaignForm(StyledForm):
    name = forms.CharField(label="专项工作名称", max_length=100)
    summary = forms.CharField(
        label="工作目标", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    start = forms.DateField(label="开始日期", widget=DatePicker())
    end = forms.DateField(label="结束日期", widget=DatePicker())
    assessment_on = forms.DateField(
        label="考核验收日",
        required=False,
        widget=DatePicker(),
        help_text="页面倒计时以此为准",
    )
    lead = forms.TypedChoiceField(label="主要负责领导（一把手）", required=False, coerce=int, empty_value=None)
    deputy = forms.TypedChoiceField(label="分管领导", required=False, coerce=int, empty_value=None)
    office = forms.TypedChoiceField(label="牵头科室", required=False, coerce=int, empty_value=None)
    indicator_codes = forms.MultipleChoiceField(
        label="关注的监测指标", required=False, widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
    )
    key_name_1 = forms.CharField(label="关键节点 1", required=False, max_length=60, widget=_KEY_NAME)
    key_date_1 = forms.DateField(label="关键节点 1 日期", required=False, widget=DatePicker())
    key_name_2 = forms.CharField(label="关键节点 2", required=False, max_length=60, widget=_KEY_NAME)
    key_date_2 = forms.DateField(label="关键节点 2 日期", required=False, widget=DatePicker())
    key_name_3 = forms.CharField(label="关键节点 3", required=False, max_length=60, widget=_KEY_NAME)
    key_date_3 = forms.DateField(label="关键节点 3 日期", required=False, widget=DatePicker())
    key_name_4 = forms.CharField(label="关键节点 4", required=False, max_length=60, widget=_KEY_NAME)
    key_date_4 = forms.DateField(label="关键节点 4 日期", required=False, widget=DatePicker())
    green_at = forms.IntegerField(label="绿灯线（%）", min_value=0, max_value=100, initial=90)
    yellow_at = forms.IntegerField(label="黄灯线（%）", min_value=0, max_value=100, initial=60)

    def __init__(
        self,
        *args: Any,
        people: list[tuple[int, str]],
        offices: list[tuple[int, str]],
        indicators: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        blank: list[tuple[Any, str]] = [("", "（未指定）")]
        self.fields["lead"].choices = blank + people  # type: ignore[attr-defined]
        self.fields["deputy"].choices = blank + people  # type: ignore[attr-defined]
        self.fields["office"].choices = blank + offices  # type: ignore[attr-defined]
        self.fields["indicator_codes"].choices = indicators  # type: ignore[attr-defined]

    @property
    def key_date_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"key_name_{i}"], self[f"key_date_{i}"]) for i in range(1, KEY_DATE_ROWS + 1)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for index in range(1, KEY_DATE_ROWS + 1):
            name, date = data.get(f"key_name_{index}"), data.get(f"key_date_{index}")
            if name and not date:
                self.add_error(f"key_date_{index}", "请填写该节点的日期")
            if date and not name:
                self.add_error(f"key_name_{index}", "请填写该节点的名称")
        return data

    def key_dates(self) -> list[KeyDateIn]:
        data = self.cleaned_data
        dates = []
        if data.get("assessment_on"):
            dates.append(KeyDateIn(name="考核验收日", date=data["assessment_on"], is_assessment=True))
        for index in range(1, KEY_DATE_ROWS + 1):
            name, date = data.get(f"key_name_{index}"), data.get(f"key_date_{index}")
            if name and date:
                dates.append(KeyDateIn(name=name, date=date))
        return dates


class CampaignCreateForm(CampaignForm):
    units = forms.TypedMultipleChoiceField(
        label="责任单位",
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    items = forms.MultipleChoiceField(label="关联事项", required=False, widget=forms.SelectMultiple(attrs={"size": 10}))

    def __init__(
        self, *args: Any, units: list[tuple[int, str]], items: list[tuple[str, list[tuple[str, str]]]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].choices = units  # type: ignore[attr-defined]
        self.fields["items"].choices = items  # type: ignore[attr-defined]


class CampaignEditForm(CampaignForm):
    status = forms.ChoiceField(label="状态", choices=CampaignStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)


def initial_for(campaign: Any) -> dict[str, Any]:
    """The edit form's values from a campaign (key dates other than the assessment day fill the rows)."""
    data: dict[str, Any] = {
        "name": campaign.name,
        "summary": campaign.summary,
        "start": campaign.start,
        "end": campaign.end,
        "status": campaign.status,
        "lead": campaign.lead_id,
        "deputy": campaign.deputy_id,
        "office": campaign.office_id,
        "indicator_codes": campaign.indicator_codes,
        "green_at": campaign.green_at,
        "yellow_at": campaign.yellow_at,
        "version": campaign.version,
    }
    others = []
    for key in campaign.key_dates.order_by("date", "id"):
        if key.is_assessment and "assessment_on" not in data:
            data["assessment_on"] = key.date
        else:
            others.append(key)
    for index, key in enumerate(others[:KEY_DATE_ROWS], start=1):
        data[f"key_name_{index}"] = key.name
        data[f"key_date_{index}"] = key.date
    return data


class ResponsibilityForm(StyledForm):
    first_responsible = forms.TypedChoiceField(label="第一责任人", required=False, coerce=int, empty_value=None)
    deputy_responsible = forms.TypedChoiceField(label="分管负责人", required=False, coerce=int, empty_value=None)
    contact = forms.TypedChoiceField(label="具体联系人", required=False, coerce=int, empty_value=None)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any id is accepted here: the service says, in words, why a person does not belong to the unit.
        for name in ("first_responsible", "deputy_responsible", "contact"):
            field = self.fields[name]
            field.choices = [("", "（未指定）"), *people]  # type: ignore[attr-defined]
            field.valid_value = lambda value: True  # type: ignore[attr-defined]


class AttachForm(forms.Form):
    kind = forms.CharField(max_length=12)
    object_id = forms.IntegerField(min_value=1, max_value=2**63 - 1, error_messages={"required": "请选择要关联的事项"})


class ModuleAttachForm(AttachForm):
    campaign = forms.IntegerField(min_value=1, max_value=2**63 - 1, error_messages={"required": "请选择专项工作"})

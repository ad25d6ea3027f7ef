"""Forms of the meeting pages: they bind and check types; the services judge scope and rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from dudao.accounts.models import User
from dudao.meetings.models import Attendance, DecisionKind, MemberDuty, TaskForce
from dudao.orgs.models import OrgUnit

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M")
TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}


def person_label(person: User) -> str:
    unit = person.unit.short_name or person.unit.name if person.unit else ""
    title = f"，{person.title}" if person.title else ""
    return f"{person.display_name}（{unit}{title}）" if unit else person.display_name


class PersonChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


class PeopleChoice(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


class UnitChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class MeetingForm(forms.Form):
    title = forms.CharField(
        label="会议名称",
        max_length=120,
        widget=forms.TextInput(attrs={**TEXT, "placeholder": "如：创城迎检工作第五次调度会"}),
    )
    starts_at = forms.DateTimeField(label="会议时间", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    place = forms.CharField(label="会议地点", max_length=100, required=False, widget=forms.TextInput(attrs=TEXT))
    chair = PersonChoice(label="主持人", queryset=User.objects.none(), widget=forms.Select(attrs=SELECT))
    task_force = forms.ModelChoiceField(
        label="工作专班",
        queryset=TaskForce.objects.none(),
        required=False,
        empty_label="（不属于专班）",
        widget=forms.Select(attrs=SELECT),
    )
    campaign = forms.ModelChoiceField(
        label="专项工作",
        queryset=TaskForce.objects.none(),
        required=False,
        empty_label="（随专班，或不属于专项工作）",
        widget=forms.Select(attrs=SELECT),
    )
    submit_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        people: QuerySet[User],
        task_forces: QuerySet[TaskForce] | None = None,
        campaigns: QuerySet[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = people  # type: ignore[attr-defined]
        if task_forces is None or campaigns is None:
            del self.fields["task_force"], self.fields["campaign"]
        else:
            self.fields["task_force"].queryset = task_forces  # type: ignore[attr-defined]
            self.fields["campaign"].queryset = campaigns  # type: ignore[attr-defined]


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label="会议纪要", required=False, max_length=20000, widget=forms.Textarea(attrs={**TEXT, "rows": 8})
    )


class AddAttendeesForm(forms.Form):
    people = PeopleChoice(
        label="添加参会人员", queryset=User.objects.none(), widget=forms.SelectMultiple(attrs={**SELECT, "size": 6})
    )

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = people  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    text = forms.CharField(label="议定事项", max_length=1000, widget=forms.Textarea(attrs={**TEXT, "rows": 3}))
    owner_unit = UnitChoice(label="责任单位", queryset=OrgUnit.objects.none(), widget=forms.Select(attrs=SELECT))
    owner_person = PersonChoice(
        label="责任人",
        queryset=User.objects.none(),
        required=False,
        empty_label="（不指定）",
        widget=forms.Select(attrs=SELECT),
    )
    deadline = forms.DateField(label="完成时限", widget=DATE)
    kind = forms.ChoiceField(
        label="落实方式", choices=DecisionKind.choices, initial=DecisionKind.TASK, widget=forms.Select(attrs=SELECT)
    )
    submit_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        units: QuerySet[OrgUnit],
        people: QuerySet[User],
        options: list[User],
        people_url: str = "",
        **kwargs: Any,
    ) -> None:
        """`people` validates the chosen person (the service then checks the owner unit); `options` are the ones
        listed: the chosen unit's people, swapped by htmx when the unit changes (`people_url`)."""
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["owner_person"].queryset = people  # type: ignore[attr-defined]
        self.fields["owner_person"].widget.choices = [("", "（不指定）"), *((p.pk, person_label(p)) for p in options)]
        if people_url:
            self.fields["owner_unit"].widget.attrs.update(
                {"hx-get": people_url, "hx-target": "#id_owner_person", "hx-trigger": "change"}
            )


class ProgressForm(forms.Form):
    text = forms.CharField(label="进展情况", max_length=1000, widget=forms.Textarea(attrs={**TEXT, "rows": 3}))
    mark_done = forms.BooleanField(label="已完成", required=False)
    done_on = forms.DateField(label="完成日期", required=False, widget=DATE)
    submit_key = forms.CharField(required=False, widget=forms.HiddenInput)


class ReopenForm(forms.Form):
    reason = forms.CharField(label="退回理由", max_length=500, widget=forms.TextInput(attrs=TEXT))


class TaskForceForm(forms.Form):
    name = forms.CharField(label="专班名称", max_length=100, widget=forms.TextInput(attrs=TEXT))
    campaign = forms.ModelChoiceField(
        label="专项工作",
        queryset=TaskForce.objects.none(),
        required=False,
        empty_label="（不属于专项工作）",
        widget=forms.Select(attrs=SELECT),
    )
    duties = forms.CharField(
        label="工作职责", required=False, max_length=2000, widget=forms.Textarea(attrs={**TEXT, "rows": 3})
    )
    lead = PersonChoice(label="组长", queryset=User.objects.none(), widget=forms.Select(attrs=SELECT))
    deputies = PeopleChoice(
        label="副组长",
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={**SELECT, "size": 4}),
    )
    members = PeopleChoice(
        label="成员",
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={**SELECT, "size": 6}),
    )
    liaisons = PeopleChoice(
        label="联络员",
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={**SELECT, "size": 4}),
    )
    submit_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, people: QuerySet[User], campaigns: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("lead", "deputies", "members", "liaisons"):
            self.fields[name].queryset = people  # type: ignore[attr-defined]
        self.fields["campaign"].queryset = campaigns  # type: ignore[attr-defined]

    def member_list(self) -> list[tuple[User, str]]:
        data = self.cleaned_data
        rows: list[tuple[User, str]] = [(data["lead"], MemberDuty.LEAD)]
        for name, duty in (
            ("deputies", MemberDuty.DEPUTY),
            ("members", MemberDuty.MEMBER),
            ("liaisons", MemberDuty.LIAISON),
        ):
            rows.extend((p, duty) for p in data[name])
        return rows


ATTENDANCE_CHOICES = Attendance.choices

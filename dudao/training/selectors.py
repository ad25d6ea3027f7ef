"""Reads of 继续教育: events in scope, their enrolments and attendances, each person's hours per year against the
required total, and the rates per school/district (one GROUP BY over the staff, whatever the number of units).

Staff are active accounts with a 教师档案 (teachers.StaffProfile), reached through the relation only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from dudao.accounts.models import User
from dudao.core.indicators import Grouping
from dudao.orgs.models import OrgUnit
from dudao.orgs.scoping import can, scope_root_path
from dudao.training.models import Attendance, Category, Enrolment, TrainingEvent

PSYCH_KINDS = ("psych_a", "psych_b", "psych_c")
ZERO = Decimal("0")
TENTH = Decimal("0.1")


def _hours(value: Any) -> Decimal:
    """A sum of hours as one-place Decimal (SQLite sums to 3 or 3.5, PostgreSQL to 3.0)."""
    return Decimal(str(value or 0)).quantize(TENTH)


@dataclass(frozen=True)
class Requirement:
    yearly: Decimal
    five_year: Decimal


def requirement() -> Requirement:
    """The hours each teacher owes (set per city deployment: DUDAO_TRAINING_YEARLY_HOURS, …_FIVE_YEAR_HOURS)."""
    return Requirement(
        yearly=Decimal(str(getattr(settings, "DUDAO_TRAINING_YEARLY_HOURS", 72))),
        five_year=Decimal(str(getattr(settings, "DUDAO_TRAINING_FIVE_YEAR_HOURS", 360))),
    )


def events_for(user: User) -> QuerySet[TrainingEvent]:
    return TrainingEvent.objects.for_user(user).select_related("organiser")


def event_for(user: User, pk: int) -> TrainingEvent | None:
    """The event if the viewer reads it as a unit head, or is enrolled in or attended it."""
    event = TrainingEvent.objects.select_related("organiser").filter(pk=pk).first()
    if event is None:
        return None
    if events_for(user).filter(pk=pk).exists():
        return event
    if Enrolment.objects.filter(event=event, user=user).exists():
        return event
    return None


def may_organise(user: User, event: TrainingEvent) -> bool:
    return can(user, "training.organise", event.organiser)


def staff_under(path: str) -> QuerySet[User]:
    return User.objects.filter(unit__path__under=path, is_active=True, staff_profile__isnull=False)


def participants(viewer: User, event: TrainingEvent) -> QuerySet[Enrolment]:
    """Enrolments of the event that the viewer may see: everyone for its organiser, else those in the viewer's
    subtree (a school sees its own teachers in a city training)."""
    qs = Enrolment.objects.filter(event=event).select_related("user__unit").order_by("user__unit__path", "user_id")
    if may_organise(viewer, event):
        return qs
    root = scope_root_path(viewer, "training.read")
    return qs.none() if root is None else qs.filter(user__unit__path__under=root)


def attendance_by_user(event: TrainingEvent, user_ids: Sequence[int]) -> dict[int, Attendance]:
    return {a.user_id: a for a in Attendance.objects.filter(event=event, user_id__in=user_ids)}


def attendances_of(person: User, year: int | None = None) -> QuerySet[Attendance]:
    qs = Attendance.objects.filter(user=person).select_related("event__organiser")
    return qs if year is None else qs.filter(year=year)


def attendance_for(viewer: User, pk: int) -> Attendance | None:
    """One attendance (for its certificate): the person's own, or a person in the viewer's subtree."""
    attendance = Attendance.objects.select_related("event__organiser", "user__unit").filter(pk=pk).first()
    if attendance is None:
        return None
    if attendance.user_id == viewer.pk:
        return attendance
    unit = attendance.user.unit
    if unit is not None and can(viewer, "training.read", unit):
        return attendance
    if can(viewer, "training.organise", attendance.event.organiser):
        return attendance
    return None


@dataclass(frozen=True)
class PersonHours:
    person: User
    year_hours: Decimal
    five_year_hours: Decimal
    required: Requirement

    @property
    def gap(self) -> Decimal:
        return max(ZERO, self.required.yearly - self.year_hours)

    @property
    def five_year_gap(self) -> Decimal:
        return max(ZERO, self.required.five_year - self.five_year_hours)

    @property
    def met(self) -> bool:
        return self.gap == 0


def with_hours(people: QuerySet[User], year: int) -> QuerySet[Any]:
    """People annotated with `year_hours` and `five_year_hours` (the year and the four before it), one join."""
    return people.annotate(
        year_hours=Coalesce(Sum("training_attendances__hours", filter=Q(training_attendances__year=year)), ZERO),
        five_year_hours=Coalesce(
            Sum(
                "training_attendances__hours",
                filter=Q(training_attendances__year__gte=year - 4, training_attendances__year__lte=year),
            ),
            ZERO,
        ),
    )


def hours_of(person: User, year: int) -> PersonHours:
    row = with_hours(User.objects.filter(pk=person.pk), year).values("year_hours", "five_year_hours").first() or {}
    return PersonHours(person, _hours(row.get("year_hours")), _hours(row.get("five_year_hours")), requirement())


def hours_gap(unit: OrgUnit, year: int, *, short_only: bool = False) -> QuerySet[Any]:
    """Staff under `unit` with their hours of `year`, the shortest first (annotated as in `with_hours`)."""
    qs = with_hours(staff_under(unit.path).select_related("unit", "staff_profile"), year)
    if short_only:
        qs = qs.filter(year_hours__lt=requirement().yearly)
    return qs.order_by("year_hours", "unit__path", "id")


def as_hours(people: Sequence[User]) -> list[PersonHours]:
    need = requirement()
    return [
        PersonHours(p, _hours(p.year_hours), _hours(p.five_year_hours), need)  # type: ignore[attr-defined]
        for p in people
    ]


@dataclass(frozen=True)
class Rates:
    staff: int
    met: int
    class_teachers: int
    class_trained: int
    psych: int

    @staticmethod
    def pct(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def met_rate(self) -> float | None:
        return self.pct(self.met, self.staff)

    @property
    def class_rate(self) -> float | None:
        return self.pct(self.class_trained, self.class_teachers)

    @property
    def psych_rate(self) -> float | None:
        return self.pct(self.psych, self.staff)


def _met_ids(root: str, year: int, need: Decimal) -> QuerySet[Any]:
    return (
        Attendance.objects.filter(year=year, user__unit__path__under=root)
        .order_by()
        .values("user_id")
        .annotate(total=Sum("hours"))
        .filter(total__gte=need)
        .values("user_id")
    )


def rates(units: Sequence[OrgUnit], year: int) -> dict[Any, Rates]:
    """For each unit: staff, staff meeting the yearly hours, class teachers and those who attended a 班主任
    training in `year`, staff holding a 心理健康教育 certificate (A/B/C). One GROUP BY over the staff."""
    grouping = Grouping.of(units)
    trained = Attendance.objects.filter(
        year=year, event__category=Category.CLASS_TEACHER, user__unit__path__under=grouping.root
    ).values("user_id")
    psych = User.objects.filter(
        unit__path__under=grouping.root, staff_profile__certificates__kind__in=PSYCH_KINDS
    ).values("id")
    class_teacher = Q(staff_profile__is_class_teacher=True)
    sums = grouping.sums(
        staff_under(grouping.root),
        "unit__path",
        staff=Count("id"),
        met=Count("id", filter=Q(id__in=_met_ids(grouping.root, year, requirement().yearly))),
        class_teachers=Count("id", filter=class_teacher),
        class_trained=Count("id", filter=class_teacher & Q(id__in=trained)),
        psych=Count("id", filter=Q(id__in=psych)),
    )
    return {pk: Rates(*(int(v) for v in values)) for pk, values in sums.items()}


def organiser_units(user: User) -> QuerySet[OrgUnit]:
    root = scope_root_path(user, "training.organise")
    if root is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(
        path__under=root, is_closed=False, kind__in=["bureau", "office", "district", "school"]
    )


def year_choices(today: dt.date) -> list[int]:
    return list(range(today.year, today.year - 5, -1))

"""What every section shares: its limits, and the registry's figures for one school."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse

from dudao.accounts.models import User
from dudao.command import selectors as command
from dudao.core.indicators import Basis, Value
from dudao.orgs.models import OrgUnit
from dudao.orgs.roles import Role

PERMISSION = "profile.read"
# How far back a section looks: inspection rounds, late reports, recent notices.
SCORE_DAYS = 365
RECENT_DAYS = 30
LIST_LIMIT = 8
ROUNDS_LIMIT = 12
NOTICES_LIMIT = 5
SHIFTS_LIMIT = 100
UPCOMING_SHIFTS = 4
# The staff roles counted on the profile (the school's own people), in the order shown.
STAFF_ROLES = (Role.PRINCIPAL, Role.SCHOOL_STAFF, Role.CLASS_TEACHER, Role.COUNSELLOR, Role.DOCTOR)


@dataclass(frozen=True)
class Figure:
    """A registry figure for the school, labelled as the cockpit labels it."""

    code: str
    name: str
    measure: str
    value: Value
    basis: str
    definition: str
    is_good_high: bool

    @property
    def shown(self) -> str:
        if self.value.value is None:
            return "—"
        number = self.value.value
        text = f"{number:g}" if isinstance(number, float) else str(number)
        return f"{text}%" if self.measure == "%" else text

    @property
    def counts(self) -> str:
        """ "3/5" behind a rate (not behind a mean, whose numerator is a sum of scores)."""
        part, whole, value = self.value.numerator, self.value.denominator, self.value.value
        if value is None or part is None or not whole or abs(value - 100 * part / whole) > 0.06:
            return ""
        return f"{part:g}/{whole:g}"


# ----- figures from the registry ---------------------------------------------------------------------------------


WINDOWS = {Basis.NOW: "当前", Basis.DAY: "今天", Basis.TERM: "本学期"}


def registry_figures(
    user: User, school: OrgUnit, codes: list[str], start: dt.date, end: dt.date, window: str = ""
) -> list[Figure]:
    """The registry's figures `codes` for the school over [start, end] (`window` names that range on screen),
    those the acting role may read."""
    readable = {indicator.code: indicator for indicator in command.catalogue(user)}
    shown = []
    for code in codes:
        indicator = readable.get(code)
        if indicator is None:
            continue
        value = command.values(user, indicator, [school], start, end).get(school.pk, Value(None))
        shown.append(
            Figure(
                code=code,
                name=indicator.name,
                measure=indicator.measure,
                value=value,
                basis=WINDOWS.get(indicator.basis, window or indicator.basis.label),
                definition=indicator.definition,
                is_good_high=indicator.direction.value == "higher",
            )
        )
    return shown


def unit_query(url_name: str, school: OrgUnit, **extra: str) -> str:
    query = "&".join([f"unit={school.pk}", *(f"{k}={v}" for k, v in extra.items())])
    return f"{reverse(url_name)}?{query}"

"""What keeps a unit from being closed. Each app registers a checker that names its open work.

from dudao.orgs.registry import open_work_checker

@open_work_checker
def open_inspections(unit) -> list[str]:
    return ["2 个进行中的督查"] if ... else []
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dudao.orgs.models import OrgUnit

Checker = Callable[["OrgUnit"], list[str]]
_checkers: list[Checker] = []


def open_work_checker(fn: Checker) -> Checker:
    _checkers.append(fn)
    return fn


def open_work(unit: OrgUnit) -> list[str]:
    reasons: list[str] = []
    for checker in _checkers:
        reasons.extend(checker(unit))
    return reasons

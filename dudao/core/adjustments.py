"""Score adjustments (扣分/加分) that other apps contribute to appraisal, per unit and period.

Appraisal (考评) deducts points for accountability records (问责) and may add them for commendations (表彰). Those
records live in apps on appraisal's own floor, which it may not import; so they plug in here, as figures do in
`core.indicators`. An app registers a source from its AppConfig.ready():

    from dudao.core.adjustments import Adjustment, AdjustmentSource, register

    register(AdjustmentSource(code="accountability.records", name="问责记录", collect=records_for))

`collect(units, start, end)` answers for many units at once with a fixed number of queries:
`{unit pk: [Adjustment, ...]}`, each adjustment counting for the unit it names and every unit above it that was
asked about is the source's business (it knows its rows' paths); deductions are negative points.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from dudao.core.indicators import UnitLike


@dataclass(frozen=True)
class Adjustment:
    """One record's effect on a unit's score: `points` < 0 deducts, > 0 adds; `reason` says which record and why,
    `url` is the page that shows it (empty when there is none)."""

    points: float
    reason: str
    url: str = ""
    on: dt.date | None = None


Collect = Callable[[Sequence[UnitLike], dt.date, dt.date], dict[Any, list[Adjustment]]]


@dataclass(frozen=True)
class AdjustmentSource:
    code: str
    name: str
    collect: Collect
    # What the source counts, shown with the scheme's rules ("每起问责扣 2 分").
    definition: str = ""


_sources: dict[str, AdjustmentSource] = {}


def register(source: AdjustmentSource) -> AdjustmentSource:
    """Add a source; registering the same code twice (a reloaded module) replaces it."""
    _sources[source.code] = source
    return source


def registered() -> list[AdjustmentSource]:
    return sorted(_sources.values(), key=lambda s: s.code)


def get(code: str) -> AdjustmentSource | None:
    return _sources.get(code)

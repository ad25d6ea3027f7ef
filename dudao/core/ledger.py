"""The rectification ledger's intake port for domain apps that find hazards (隐患) but must not import the ledger.

`inspections` sits above the ledger and calls it directly; apps on the ledger's own floor (the risk register's
periodic checks, later bus or canteen checks) hand their problems over through this port instead. The ledger
plugs its implementation in from its AppConfig.ready() (docs/architecture.md, "Extension points"), so the caller
needs no import of `dudao.rectification`, and import-linter keeps the domain apps independent.

Items handed over are ordinary ledger items (四定, progress, 销号); the caller keeps the returned item ids to show
their state next to its own records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Hazard:
    """One problem for the ledger. `unit` is the responsible unit (a school, district bureau or office);
    `severity` is "general" (一般隐患) or "serious" (重大隐患); `photo_ids` are files already stored through
    `core.files.store_upload`, kept as the item's "before" photos."""

    unit: Any
    category: str
    description: str
    severity: str
    due_limit: dt.date
    source_ref: str
    photo_ids: Sequence[int] = field(default_factory=tuple)


@dataclass(frozen=True)
class ItemState:
    """What a caller shows of a handed-over item: its status label, whether it is closed (销号), its due date and
    overdue flag, and the ledger page of the item."""

    item_id: int
    status_label: str
    is_closed: bool
    due_date: dt.date
    is_overdue: bool
    owner_name: str
    url: str


class LedgerIntake(Protocol):
    def hand_over(self, *, actor: Any, hazards: Sequence[Hazard]) -> list[int]:
        """Ledger items for the hazards, in order, inside the caller's transaction (audited by the ledger);
        returns their ids. The caller has checked that the actor may report them."""
        ...

    def states(self, item_ids: Collection[int]) -> dict[int, ItemState]:
        """The current state of those items (missing ids are left out), in one or two queries."""
        ...


_intake: LedgerIntake | None = None


def plug(intake: LedgerIntake) -> None:
    global _intake
    _intake = intake


def ledger() -> LedgerIntake:
    if _intake is None:
        raise ImproperlyConfigured("No ledger intake is plugged in: dudao.rectification must be in INSTALLED_APPS.")
    return _intake

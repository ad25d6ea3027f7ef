"""The search's one write: cases shown in its results are read like the case list reads them, and written down."""

from __future__ import annotations

from collections.abc import Iterable

from dudao.accounts.models import User
from dudao.cases.models import CaseFile
from dudao.cases.services import log_list


def log_case_hits(*, actor: User, cases: Iterable[CaseFile]) -> None:
    """One access event per case shown (action `case_search`), as the case list writes `case_list`."""
    log_list(actor=actor, cases=cases, via="search")

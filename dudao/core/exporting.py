"""The registry of exports that can run as background jobs (下载中心).

An export is registered by the app that owns its data, in `dudao/<app>/export_jobs.py` (the download centre
imports those modules at start-up, as Django's admin discovers `admin.py`), so the jobs app never imports a
domain app and a domain app never imports the jobs app:

    register_export("roster", "学生名册", permission="student.read", personal_data=True, writer=roster_plan)

A writer takes the acting user and the export's filters (the query parameters of the page the export button sits
on) and returns an `ExportPlan`: the checks of the direct download (permission → `Forbidden`, object out of scope →
`NotInScope`, bad input → `DomainError`), the row count, the sheet's layout and a lazy row generator. The direct
download and the background job both call it, so they check and write the same thing; the job calls it again at
run time with the owner's identity of that moment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dudao.core.errors import DomainError


class NotInScope(DomainError):
    """The object an export names is missing or outside the user's subtree: pages and the API answer 404."""

    def __init__(self, message: str = "要导出的对象不存在或不在您的管理范围内") -> None:
        super().__init__(message, code="not_found", status=404)


@dataclass
class ExportPlan:
    filename: str
    headers: Sequence[str]
    # Called once, when the file is written: the rows, streamed (never a list of a million rows).
    rows: Callable[[], Iterable[Sequence[Any]]]
    count: int
    sheet_name: str = "Sheet1"
    column_widths: Sequence[int] | None = None
    title: str = ""
    landscape: bool = False
    # The page the direct download answers on (small exports skip the queue).
    direct_url: str = ""
    # Leaves the access event of the export itself (who took which personal data); called when the file is written.
    record_access: Callable[[], None] = lambda: None
    # What the download centre shows about the export: "学生名册 · 第一中学".
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


Writer = Callable[[Any, Mapping[str, str]], ExportPlan]


@dataclass(frozen=True)
class ExportKind:
    kind: str
    label: str
    permission: str
    personal_data: bool
    writer: Writer


_kinds: dict[str, ExportKind] = {}


def register_export(kind: str, label: str, *, permission: str, personal_data: bool, writer: Writer) -> None:
    """Register (or replace) an export kind."""
    _kinds[kind] = ExportKind(kind, label, permission, personal_data, writer)


def export_kind(kind: str) -> ExportKind:
    try:
        return _kinds[kind]
    except KeyError:
        raise DomainError(f"没有名为“{kind}”的导出类型", code="export_kind_unknown") from None


def export_kinds() -> list[ExportKind]:
    return sorted(_kinds.values(), key=lambda k: k.kind)

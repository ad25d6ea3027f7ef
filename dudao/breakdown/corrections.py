"""Corrections users made to saved analyses, as corpus annotations (the format of tests/breakdown/corpus/*.json).

The parser learns nothing silently from a correction: an operator exports them (`manage.py breakdown_corrections
--export`), a developer reviews them and adds the documents to the corpus, and the rules are improved against them
like against any other annotated document.
"""

from __future__ import annotations

from typing import Any

from dudao.breakdown import parser
from dudao.breakdown.models import Analysis, Row, RowKind

ANCHOR_MIN = 10
ANCHOR_MAX = 40


def deadline_key(row: Row) -> str | None:
    """The annotation's deadline: "<=2026-09-30", "2026-09-01..2026-09-30", "2026-09-01", "weekly" or None."""
    start, end = row.deadline_start, row.deadline_end
    if not start and not end:
        return row.recurrence if row.recurrence in ("daily", "weekly", "monthly", "term") else None
    if start is None:
        return f"<={end}"
    if end is None:
        return f">={start}"
    return str(start) if start == end else f"{start}..{end}"


def _anchor(plain: str, start: int, end: int) -> str | None:
    """The shortest stretch from the row's start (at least ANCHOR_MIN characters) found nowhere earlier in the
    text, so that `plain.find(anchor)` lands in this row."""
    while start < end and plain[start] in " \u3000\n，,：:":
        start += 1
    for length in range(min(ANCHOR_MIN, end - start), min(ANCHOR_MAX, end - start) + 1):
        anchor = plain[start : start + length]
        if anchor and plain.find(anchor) == start:
            return anchor
    return None


def annotation_for(analysis: Analysis, rows: list[Row]) -> dict[str, Any]:
    plain = parser.simplified(analysis.source_text)
    tasks: list[dict[str, Any]] = []
    non_tasks: list[str] = []
    for row in rows:
        anchor = _anchor(plain, row.source_start, row.source_end)
        if anchor is None:
            continue
        if row.kind != RowKind.TASK:
            non_tasks.append(anchor)
            continue
        tasks.append(
            {
                "anchor": anchor,
                "responsible": list(row.responsible),
                "deadline": deadline_key(row),
                "targets": [[t.get("number"), t.get("unit")] for t in row.targets if t.get("unit") or t.get("number")],
            }
        )
    return {
        "date": analysis.doc_date.isoformat(),
        "source": f"corrections of analysis {analysis.pk}",
        "rows": tasks,
        "non_tasks": non_tasks,
    }

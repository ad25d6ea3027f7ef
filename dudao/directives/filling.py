"""Between the fill-in page and the form schema: posted fields → values, values → widgets to render.

Posted names: `f.<key>` for a field (repeated for multiple choice), `t.<key>.<row>.<column>` for a table cell.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from dudao.directives.models import FieldType
from dudao.directives.schema import DEFAULT_TABLE_ROWS, MAX_TABLE_ROWS, FieldError, fields_of

_CELL = re.compile(r"^t\.([a-z][a-z0-9_]*)\.(\d{1,6})\.([a-z][a-z0-9_]*)$")


def values_from_post(schema: dict[str, Any], post: QueryDict) -> dict[str, Any]:
    values: dict[str, Any] = {}
    tables: dict[str, dict[int, dict[str, Any]]] = {}
    for name in post:
        match = _CELL.match(name)
        if match:
            key, row, column = match.group(1), int(match.group(2)), match.group(3)
            tables.setdefault(key, {}).setdefault(row, {})[column] = post.get(name, "")
    for item in fields_of(schema):
        key = item["key"]
        if item["type"] == FieldType.TABLE:
            rows = tables.get(key, {})
            values[key] = [rows[index] for index in sorted(rows)]
        elif item["type"] == FieldType.MULTICHOICE:
            values[key] = post.getlist(f"f.{key}")
        elif item["type"] == FieldType.FILE:
            continue  # files arrive through their own upload form
        else:
            values[key] = post.get(f"f.{key}", "")
    return values


@dataclass
class Widget:
    field: dict[str, Any]
    name: str
    value: Any
    errors: list[str] = dataclasses.field(default_factory=list)
    rows: list[tuple[int, list[Widget]]] = dataclasses.field(default_factory=list)
    blank_row: list[Widget] = dataclasses.field(default_factory=list)
    aggregated: bool = False
    locked: bool = False
    file: Any = None

    @property
    def type(self) -> str:
        return str(self.field["type"])

    @property
    def max_rows(self) -> int:
        return int(self.field.get("max_rows") or DEFAULT_TABLE_ROWS) if self.type == FieldType.TABLE else 0


def widgets(
    schema: dict[str, Any],
    values: dict[str, Any],
    errors: list[FieldError],
    *,
    aggregated_keys: set[str] = frozenset(),  # type: ignore[assignment]
    files: dict[int, Any] | None = None,
    editable: bool = True,
) -> list[Widget]:
    by_key: dict[str, list[str]] = {}
    for error in errors:
        by_key.setdefault(error.key, []).append(error.message)
    result = []
    for item in fields_of(schema):
        key = item["key"]
        value = values.get(key)
        aggregated = key in aggregated_keys
        widget = Widget(
            item, f"f.{key}", value, by_key.get(key, []), aggregated=aggregated, locked=aggregated or not editable
        )
        if item["type"] == FieldType.TABLE:
            rows = value if isinstance(value, list) else []
            for index, row in enumerate(rows[:MAX_TABLE_ROWS]):
                cells = [Widget(c, f"t.{key}.{index}.{c['key']}", (row or {}).get(c["key"])) for c in item["columns"]]
                widget.rows.append((index, cells))
            widget.blank_row = [Widget(c, f"t.{key}.__i__.{c['key']}", None) for c in item["columns"]]
        if item["type"] == FieldType.FILE and files is not None and isinstance(value, int):
            widget.file = files.get(value)
        result.append(widget)
    return result

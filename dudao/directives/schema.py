"""Report form schemas: checking what a clerk built, and checking what a unit filled in.

A schema is JSON:

    {"fields": [{"key": "staff", "label": "教职工数", "type": "integer", "required": true,
                 "min": 0, "max": null, "unit": "人", "help": "", "choices": [],
                 "columns": [... fields, for type "table" ...], "max_rows": 200}],
     "rules":  [{"left": "psych_full", "op": "<=", "right": "staff"}],
     "totals": [{"key": "teachers", "label": "心理教师合计", "sum": ["psych_full", "psych_part"]}]}

Numbers (integer and decimal fields, totals, and the column sums of tables as "table.column")
are what `numbers()` returns; they are stored in `SubmissionValue` for sums up the tree.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from dudao.core.errors import DomainError
from dudao.directives.models import FieldType

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# A table holds at most this many rows, whatever the form says: big enough for every real list
# (the schools of a district), small enough that a page and a sheet stay usable.
MAX_TABLE_ROWS = 1000
DEFAULT_TABLE_ROWS = 200
MAX_FIELDS = 200
MAX_TEXT = 5000
NUMERIC = {FieldType.INTEGER, FieldType.DECIMAL}
OPERATORS = {"<=": "不能大于", ">=": "不能小于", "<": "应小于", ">": "应大于", "==": "应等于"}


@dataclass(frozen=True)
class FieldError:
    key: str
    message: str


def fields_of(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return list(schema.get("fields") or [])


def _label(field: dict[str, Any]) -> str:
    return str(field.get("label") or field.get("key"))


# ----- checking a schema ------------------------------------------------------------------------


def _check_field(field: Any, seen: set[str], *, in_table: bool) -> dict[str, Any]:
    if not isinstance(field, dict):
        raise DomainError("表单字段格式不正确", code="schema_invalid")
    key = str(field.get("key") or "").strip()
    label = str(field.get("label") or "").strip()
    kind = str(field.get("type") or "")
    if not label:
        raise DomainError("每个字段都要有名称", code="schema_label_missing")
    if not KEY_RE.match(key):
        raise DomainError(f"字段“{label}”的编码只能用小写字母、数字和下划线，且以字母开头", code="schema_key_invalid")
    if key in seen:
        raise DomainError(f"字段编码“{key}”重复", code="schema_key_duplicate")
    seen.add(key)
    if kind not in FieldType.values:
        raise DomainError(f"字段“{label}”的类型“{kind}”不存在", code="schema_type_invalid")
    if in_table and kind in (FieldType.TABLE, FieldType.FILE):
        raise DomainError(f"表格列“{label}”不能是表格或附件", code="schema_type_invalid")
    clean: dict[str, Any] = {
        "key": key,
        "label": label[:60],
        "type": kind,
        "required": bool(field.get("required")),
        "help": str(field.get("help") or "")[:200],
    }
    if kind in NUMERIC:
        clean.update(_numeric_options(field, label))
    if kind in (FieldType.CHOICE, FieldType.MULTICHOICE):
        clean["choices"] = _choices(field, label)
    if kind == FieldType.TABLE:
        clean.update(_table_options(field, label))
    return clean


def _numeric_options(field: dict[str, Any], label: str) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for bound in ("min", "max"):
        value = field.get(bound)
        if value is not None and value != "":
            try:
                options[bound] = float(value)
            except (TypeError, ValueError) as exc:
                raise DomainError(f"字段“{label}”的{bound}值不是数字", code="schema_bound_invalid") from exc
    if "min" in options and "max" in options and options["min"] > options["max"]:
        raise DomainError(f"字段“{label}”的最小值大于最大值", code="schema_bound_invalid")
    options["unit"] = str(field.get("unit") or "")[:10]
    if field.get("max_ref") == "enrolled":
        # A student count: the plausibility check compares it with the unit's enrolled students.
        options["max_ref"] = "enrolled"
    return options


def _choices(field: dict[str, Any], label: str) -> list[str]:
    choices = [str(c).strip() for c in field.get("choices") or [] if str(c).strip()]
    if not choices:
        raise DomainError(f"选择题“{label}”至少要有一个选项", code="schema_choices_missing")
    return choices


def _table_options(field: dict[str, Any], label: str) -> dict[str, Any]:
    columns = field.get("columns") or []
    if not columns:
        raise DomainError(f"表格“{label}”至少要有一列", code="schema_columns_missing")
    column_keys: set[str] = set()
    checked = [_check_field(c, column_keys, in_table=True) for c in columns]
    try:
        max_rows = int(field.get("max_rows") or DEFAULT_TABLE_ROWS)
    except (TypeError, ValueError) as exc:
        raise DomainError(f"表格“{label}”的最多行数应为整数", code="schema_invalid") from exc
    return {"columns": checked, "max_rows": max(1, min(max_rows, MAX_TABLE_ROWS))}


def _dicts(value: Any, what: str) -> list[dict[str, Any]]:
    """A list of JSON objects, or a DomainError (a hand-written import may hold anything)."""
    items = value or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise DomainError(f"表单定义格式不正确：{what}应为对象列表", code="schema_invalid")
    return items


def check_schema(schema: Any) -> dict[str, Any]:
    """The schema in canonical form, or a DomainError naming what is wrong."""
    if not isinstance(schema, dict):
        raise DomainError("表单定义应为 JSON 对象", code="schema_invalid")
    raw_fields = schema.get("fields") or []
    if not isinstance(raw_fields, list) or len(raw_fields) > MAX_FIELDS:
        raise DomainError(f"表单最多 {MAX_FIELDS} 个字段", code="schema_too_many_fields")
    seen: set[str] = set()
    fields = [_check_field(f, seen, in_table=False) for f in raw_fields]
    by_key = {f["key"]: f for f in fields}
    numeric = {k for k, f in by_key.items() if f["type"] in NUMERIC}
    rules = []
    for rule in _dicts(schema.get("rules"), "校验规则"):
        left, op, right = str(rule.get("left", "")), str(rule.get("op", "")), str(rule.get("right", ""))
        if op not in OPERATORS:
            raise DomainError(f"校验规则的比较符“{op}”不支持（可用 <= >= < > ==）", code="schema_rule_invalid")
        for side in (left, right):
            if side not in numeric and not _is_number(side):
                raise DomainError(f"校验规则引用的“{side}”不是本表的数值字段", code="schema_rule_invalid")
        rules.append({"left": left, "op": op, "right": right})
    totals = []
    for total in _dicts(schema.get("totals"), "合计项"):
        key, label = str(total.get("key", "")), str(total.get("label", "")).strip()
        if not KEY_RE.match(key) or key in seen or not label:
            raise DomainError("合计项需要名称和不重复的编码", code="schema_total_invalid")
        parts = [str(p) for p in total.get("sum") or []]
        if not parts or any(p not in numeric for p in parts):
            raise DomainError(f"合计项“{label}”只能汇总本表的数值字段", code="schema_total_invalid")
        seen.add(key)
        totals.append({"key": key, "label": label, "sum": parts})
    return {"fields": fields, "rules": rules, "totals": totals}


def parse_rule(text: str) -> dict[str, str]:
    """`psych_full <= staff` as typed in the form builder."""
    match = re.fullmatch(
        r"\s*([a-z][a-z0-9_]*|\d+(?:\.\d+)?)\s*(<=|>=|==|<|>)\s*([a-z][a-z0-9_]*|\d+(?:\.\d+)?)\s*", text
    )
    if not match:
        raise DomainError(f"无法识别校验规则“{text}”，应写成“字段编码 <= 字段编码”", code="schema_rule_invalid")
    return {"left": match.group(1), "op": match.group(2), "right": match.group(3)}


RULE_OPERATORS = {"<=": "不大于", ">=": "不小于", "<": "小于", ">": "大于", "==": "等于"}


def numeric_fields(schema: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, label) of the fields a rule or a total may name, in form order, for the builder's pickers."""
    return [(f["key"], _label(f)) for f in fields_of(schema) if f.get("type") in NUMERIC]


def describe_rule(schema: dict[str, Any], rule: dict[str, Any]) -> str:
    """A rule as a clerk reads it: “专职心理教师数” 不大于 “教职工数”."""
    labels = dict(numeric_fields(schema))

    def side(token: str) -> str:
        return token if _is_number(token) else f"“{labels.get(token, token)}”"

    return f"{side(str(rule.get('left', '')))} {RULE_OPERATORS.get(str(rule.get('op')), rule.get('op'))} " + side(
        str(rule.get("right", ""))
    )


def describe_total(schema: dict[str, Any], total: dict[str, Any]) -> str:
    labels = dict(numeric_fields(schema))
    return f"{total.get('label')} = " + " + ".join(f"“{labels.get(p, p)}”" for p in total.get("sum") or [])


def rule_from_picker(left: str, op: str, right: str, number: str) -> dict[str, str]:
    """The rule built with the pickers (field, operator, field or a number)."""
    right = right.strip() or number.strip()
    if not left.strip() or not right:
        raise DomainError("请选择要比较的两个字段（或填写一个数字）", code="schema_rule_invalid")
    if op not in RULE_OPERATORS:
        raise DomainError("请选择比较方式", code="schema_rule_invalid")
    if right == number.strip() and not _is_number(right):
        raise DomainError(f"“{right}”不是数字", code="schema_rule_invalid")
    return {"left": left.strip(), "op": op, "right": right}


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# ----- checking values --------------------------------------------------------------------------


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


Cleaned = tuple[Any, str | None]  # (clean value, error message or None)


def _clean_number(field: dict[str, Any], value: Any, label: str) -> Cleaned:
    try:
        number = float(str(value).strip().replace(",", ""))
    except ValueError:
        return value, f"“{label}”应填数字"
    if not math.isfinite(number):
        return value, f"“{label}”应填数字"
    if field["type"] == FieldType.INTEGER:
        if number != int(number):
            return value, f"“{label}”应填整数"
        number = int(number)
    unit = field.get("unit", "")
    if "min" in field and number < field["min"]:
        return number, f"“{label}”不能小于 {_fmt(field['min'])}{unit}"
    if "max" in field and number > field["max"]:
        return number, f"“{label}”不能大于 {_fmt(field['max'])}{unit}"
    return number, None


def _clean_date(field: dict[str, Any], value: Any, label: str) -> Cleaned:
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat(), None
    except ValueError:
        return value, f"“{label}”应填日期（如 2026-09-01）"


def _clean_boolean(field: dict[str, Any], value: Any, label: str) -> Cleaned:
    if isinstance(value, bool):
        return value, None
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "是", "on"):
        return True, None
    if text in ("0", "false", "no", "否", "off"):
        return False, None
    return value, f"“{label}”应选“是”或“否”"


def _clean_choice(field: dict[str, Any], value: Any, label: str) -> Cleaned:
    if str(value) not in field["choices"]:
        return value, f"“{label}”的选项“{value}”不存在"
    return str(value), None


def _clean_multichoice(field: dict[str, Any], value: Any, label: str) -> Cleaned:
    items = value if isinstance(value, list) else [value]
    bad = [str(v) for v in items if str(v) not in field["choices"]]
    if bad:
        return items, f"“{label}”的选项“{bad[0]}”不存在"
    return [str(v) for v in items], None


def _clean_reference(field: dict[str, Any], value: Any, label: str) -> Cleaned:
    try:
        return int(value), None
    except (TypeError, ValueError):
        return value, f"“{label}”的选择不正确"


def _clean_text(field: dict[str, Any], value: Any, label: str) -> Cleaned:
    text = str(value)
    if len(text) > MAX_TEXT:
        return text[:MAX_TEXT], f"“{label}”不能超过 {MAX_TEXT} 个字"
    return text, None


_CLEANERS = {
    **dict.fromkeys(NUMERIC, _clean_number),
    FieldType.DATE: _clean_date,
    FieldType.BOOLEAN: _clean_boolean,
    FieldType.CHOICE: _clean_choice,
    FieldType.MULTICHOICE: _clean_multichoice,
    FieldType.PERSON: _clean_reference,
    FieldType.SCHOOL: _clean_reference,
    FieldType.FILE: _clean_reference,
}


def _clean_scalar(field: dict[str, Any], value: Any, where: str) -> Cleaned:
    """(clean value, error message or None). A value that cannot be read is kept as typed."""
    kind = field["type"]
    if _empty(value):
        return (False if kind == FieldType.BOOLEAN and value is False else None), None
    return _CLEANERS.get(kind, _clean_text)(field, value, where + _label(field))


def _fmt(number: float) -> str:
    return str(int(number)) if number == int(number) else str(number)


def check_rows(schema: dict[str, Any], raw: dict[str, Any]) -> None:
    """Refuse an oversized table before reading any of it (drafts included)."""
    for field in fields_of(schema):
        if field["type"] != FieldType.TABLE:
            continue
        rows = raw.get(field["key"])
        if isinstance(rows, list) and len(rows) > field.get("max_rows", DEFAULT_TABLE_ROWS):
            raise DomainError(
                f"“{_label(field)}”最多填 {field.get('max_rows', DEFAULT_TABLE_ROWS)} 行，本次提交了 {len(rows):,} 行；"
                "行数更多时请分批报送或改用附件",
                code="table_too_many_rows",
            )


def clean_values(
    schema: dict[str, Any], raw: dict[str, Any], *, strict: bool
) -> tuple[dict[str, Any], list[FieldError]]:
    """Typed values and the problems found. `strict` (submitting) also checks required fields and rules."""
    check_rows(schema, raw)
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for field in fields_of(schema):
        key = field["key"]
        value = raw.get(key)
        if field["type"] == FieldType.TABLE:
            rows_out: list[dict[str, Any]] = []
            for index, row in enumerate(value if isinstance(value, list) else [], start=1):
                if not isinstance(row, dict) or all(_empty(row.get(c["key"])) for c in field["columns"]):
                    continue
                clean_row: dict[str, Any] = {}
                for column in field["columns"]:
                    where = f"{_label(field)}第{len(rows_out) + 1}行的"
                    cell, problem = _clean_scalar(column, row.get(column["key"]), where)
                    clean_row[column["key"]] = cell
                    if problem:
                        errors.append(FieldError(key, problem))
                    elif strict and column.get("required") and _empty(cell):
                        errors.append(FieldError(key, f"请填写“{where}{_label(column)}”"))
                del index
                rows_out.append(clean_row)
            values[key] = rows_out
            if strict and field.get("required") and not rows_out:
                errors.append(FieldError(key, f"“{_label(field)}”至少填一行"))
            continue
        clean, problem = _clean_scalar(field, value, "")
        values[key] = clean
        if problem:
            errors.append(FieldError(key, problem))
        elif strict and field.get("required") and _empty(clean):
            errors.append(FieldError(key, f"请填写“{_label(field)}”"))
    if strict:
        # Rules are checked with the type errors, so the first submit names every problem at once; a rule whose
        # operand could not be read is skipped (its field already carries an error).
        errors.extend(_check_rules(schema, values))
    return values, errors


def _check_rules(schema: dict[str, Any], values: dict[str, Any]) -> list[FieldError]:
    labels = {f["key"]: _label(f) for f in fields_of(schema)}
    problems: list[FieldError] = []
    for rule in schema.get("rules") or []:
        left = _operand(rule["left"], values)
        right = _operand(rule["right"], values)
        if left is None or right is None:
            continue
        holds = {
            "<=": left <= right,
            ">=": left >= right,
            "<": left < right,
            ">": left > right,
            "==": left == right,
        }[rule["op"]]
        if not holds:
            right_name = labels.get(rule["right"], rule["right"])
            problems.append(
                FieldError(
                    rule["left"],
                    f"“{labels.get(rule['left'], rule['left'])}”{OPERATORS[rule['op']]}“{right_name}”",
                )
            )
    return problems


def _operand(token: str, values: dict[str, Any]) -> float | None:
    if _is_number(token):
        return float(token)
    value = values.get(token)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def numbers(schema: dict[str, Any], values: dict[str, Any]) -> dict[str, float]:
    """Every number the form yields: numeric fields, totals, and column sums of tables ("table.col")."""
    result: dict[str, float] = {}
    for field in fields_of(schema):
        value = values.get(field["key"])
        if field["type"] in NUMERIC and isinstance(value, int | float) and not isinstance(value, bool):
            result[field["key"]] = float(value)
        elif field["type"] == FieldType.TABLE and isinstance(value, list):
            result[f"{field['key']}.rows"] = float(len(value))
            for column in field["columns"]:
                if column["type"] in NUMERIC:
                    cells = [r.get(column["key"]) for r in value if isinstance(r, dict)]
                    result[f"{field['key']}.{column['key']}"] = float(
                        sum(c for c in cells if isinstance(c, int | float) and not isinstance(c, bool))
                    )
    for total in _dicts(schema.get("totals"), "合计项"):
        result[total["key"]] = float(sum(result.get(part, 0.0) for part in total["sum"]))
    return result


def number_labels(schema: dict[str, Any]) -> dict[str, str]:
    """Display names of the keys `numbers()` yields, in form order."""
    labels: dict[str, str] = {}
    for field in fields_of(schema):
        if field["type"] in NUMERIC:
            labels[field["key"]] = _label(field) + (f"（{field['unit']}）" if field.get("unit") else "")
        elif field["type"] == FieldType.TABLE:
            labels[f"{field['key']}.rows"] = f"{_label(field)}（行数）"
            for column in field["columns"]:
                if column["type"] in NUMERIC:
                    labels[f"{field['key']}.{column['key']}"] = f"{_label(field)}·{_label(column)}"
    for total in _dicts(schema.get("totals"), "合计项"):
        labels[total["key"]] = total["label"]
    return labels

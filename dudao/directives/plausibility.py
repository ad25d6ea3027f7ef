"""Reported-number plausibility (数据异常提示): numbers a unit reports that deserve a second look.

Three checks run when a report is submitted (inside the submit transaction; `refresh` replaces the flags):

* history_outlier: the same number in the unit's earlier periods of the same recurring directive (at least
  `MIN_HISTORY` past values, the latest `HISTORY_WINDOW`). Modified z-score 0.6745·(x − median)/MAD, flagged when
  |z| > 3.5 (Iglewicz–Hoaglin). When every past value is the same (MAD 0), flagged only when x differs from that
  value by more than half of it. A change within 10 % of the median never flags (see `modified_z`).
* peer_outlier: the same number reported by units of the same kind in the same round (the directive and the
  directives forwarding it, same period number), at least `MIN_PEERS` others, the same modified z-score (MAD 0:
  the mean absolute deviation instead). Peers are those who reported before this unit. The
  explanation names how many peers and how far, never a peer's figure (the reporting unit reads it too).
* impossible: a student count larger than the unit's enrolled students on the roster (fields declaring
  "max_ref": "enrolled", or integer fields in 人 whose label says 学生 and 数), and negative counts (fields in a
  count unit such as 人/个/次, with 数 in the label and no minimum, unless the label speaks of a change: 增/减/变化/
  差/净). Rules between fields ("lte") are enforced at submit already and refuse the report outright.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from dudao.directives import schema as form_schema
from dudao.directives.models import Directive, FieldType, FlagKind, Submission, SubmissionValue, ValueFlag
from dudao.orgs import enrolment

THRESHOLD = 3.5
MIN_HISTORY = 4
HISTORY_WINDOW = 12
MIN_PEERS = 8
CONSTANT_TOLERANCE = 0.5
MIN_RELATIVE = 0.1
CHANGE_WORDS = ("增", "减", "变化", "差", "净", "比上")
COUNT_UNITS = {"人", "个", "名", "次", "所", "件", "间", "台", "套", "户"}


@dataclass(frozen=True)
class Outlier:
    median: float
    mad: float
    z: float | None  # None when MAD is 0 (a constant history)


def modified_z(x: float, values: Sequence[float], *, mean_fallback: bool = False) -> Outlier | None:
    """The modified z-score of x against values, or None when x is plausible.

    A deviation within `MIN_RELATIVE` of the median never flags: with few, steady values the MAD is tiny and a
    change of a few per cent would otherwise read as "7 离散度". When MAD is 0 and `mean_fallback` (peers, where
    half of the units often report the same small number), the mean absolute deviation stands in for it
    (z = (x − median) / (1.253314 · MeanAD)); otherwise a constant history flags a change of more than half.
    """
    median = statistics.median(values)
    if abs(x - median) <= MIN_RELATIVE * abs(median):
        return None
    mad = statistics.median([abs(v - median) for v in values])
    if mad == 0 and mean_fallback:
        mean_ad = statistics.fmean([abs(v - median) for v in values])
        if mean_ad > 0:
            z = (x - median) / (1.253314 * mean_ad)
            return Outlier(median, 0.0, z) if abs(z) > THRESHOLD else None
    if mad == 0:
        if median == 0:
            return Outlier(median, 0.0, None) if x != 0 else None
        return Outlier(median, 0.0, None) if abs(x - median) > CONSTANT_TOLERANCE * abs(median) else None
    z = 0.6745 * (x - median) / mad
    return Outlier(median, mad, z) if abs(z) > THRESHOLD else None


def _fmt(number: float) -> str:
    return f"{number:.2f}".rstrip("0").rstrip(".") if number != int(number) else str(int(number))


def _direction(x: float, median: float) -> str:
    return "高出" if x > median else "低了"


@dataclass
class Found:
    key: str
    label: str
    kind: str
    value: float
    explanation: str
    reference: dict[str, Any] = field(default_factory=dict)


def _root(directive: Directive) -> Directive:
    while directive.parent_id is not None:
        directive = Directive.objects.select_related("parent").get(pk=directive.parent_id)
    return directive


def _family(directive: Directive) -> list[int]:
    ids, frontier = [directive.pk], [directive.pk]
    while frontier:
        frontier = list(Directive.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def _history(submission: Submission, keys: list[str]) -> dict[str, list[float]]:
    rows = (
        SubmissionValue.objects.filter(
            submission__unit_id=submission.unit_id,
            period__directive_id=submission.directive_id,
            period__index__lt=submission.period.index,
            field_key__in=keys,
            number__isnull=False,
        )
        .order_by("-period__index")
        .values_list("field_key", "number")
    )
    result: dict[str, list[float]] = {}
    for key, number in rows:
        if number is not None and len(result.setdefault(key, [])) < HISTORY_WINDOW:
            result[key].append(float(number))
    return result


def _peers(submission: Submission, keys: list[str]) -> dict[str, list[float]]:
    family = _family(_root(submission.directive))
    rows = (
        SubmissionValue.objects.filter(
            period__directive_id__in=family,
            period__index=submission.period.index,
            submission__unit__kind=submission.unit.kind,
            field_key__in=keys,
            number__isnull=False,
        )
        .exclude(submission_id=submission.pk)
        .values_list("field_key", "number")
    )
    result: dict[str, list[float]] = {}
    for key, number in rows:
        if number is not None:
            result.setdefault(key, []).append(float(number))
    return result


def _is_count(item: dict[str, Any]) -> bool:
    """A count that cannot be negative: a count unit, no minimum set, a label with 数 and no change word."""
    label = str(item.get("label") or "")
    return (
        item.get("min") is None
        and item.get("unit") in COUNT_UNITS
        and "数" in label
        and not any(word in label for word in CHANGE_WORDS)
    )


def is_student_count(item: dict[str, Any]) -> bool:
    """Declared ("max_ref": "enrolled") or by label: an integer field in 人 whose label says 学生…数."""
    if item.get("max_ref") == "enrolled":
        return True
    label = str(item.get("label") or "")
    return item.get("type") == FieldType.INTEGER and item.get("unit") == "人" and "学生" in label and "数" in label


def _impossible(submission: Submission, schema: dict[str, Any], numbers: dict[str, float]) -> list[Found]:
    found: list[Found] = []
    enrolled: int | None = None
    for item in form_schema.fields_of(schema):
        key, label = item["key"], str(item.get("label") or item["key"])
        if item["type"] not in form_schema.NUMERIC or key not in numbers:
            continue
        x = numbers[key]
        if x < 0 and _is_count(item):
            found.append(Found(key, label, FlagKind.IMPOSSIBLE, x, f"数量不能为负数（填报 {_fmt(x)}）"))
            continue
        if is_student_count(item):
            if enrolled is None:
                enrolled = enrolment.rollup([submission.unit])[submission.unit.pk].students
            # A unit without a roster (0 enrolled) is not checked: the roster, not the report, is missing.
            if enrolled and x > enrolled:
                found.append(
                    Found(
                        key,
                        label,
                        FlagKind.IMPOSSIBLE,
                        x,
                        f"填报 {_fmt(x)} 人，多于本单位学籍名册在籍学生 {enrolled} 人",
                        {"enrolled": enrolled},
                    )
                )
    return found


def check(submission: Submission, schema: dict[str, Any], values: dict[str, Any]) -> list[Found]:
    """Every flag for these values, in form order (impossible first for a field, then history, then peers)."""
    numbers = form_schema.numbers(schema, values)
    labels = form_schema.number_labels(schema)
    found = _impossible(submission, schema, numbers)
    for item in found:
        item.label = labels.get(item.key, item.label)  # as the other flags name it: with the unit
    impossible_keys = {f.key for f in found}
    keys = [k for k in numbers if k not in impossible_keys]
    if not keys:
        return found
    history = _history(submission, keys)
    peers = _peers(submission, keys)
    for key in keys:
        x, label = numbers[key], labels.get(key, key)
        past = history.get(key, [])
        if len(past) >= MIN_HISTORY and (out := modified_z(x, past)) is not None:
            if out.z is None:
                text = f"本单位前 {len(past)} 期均为 {_fmt(out.median)}，本期填报 {_fmt(x)}，变化超过一半"
            else:
                text = (
                    f"比本单位前 {len(past)} 期中位数 {_fmt(out.median)} {_direction(x, out.median)} "
                    f"{abs(out.z):.1f} 个离散度"
                )
                if out.median > 0 and x >= 2 * out.median:
                    text += f"（约为其 {x / out.median:.1f} 倍）"
            reference = {"periods": len(past), "median": out.median, "mad": out.mad, "z": out.z}
            found.append(Found(key, label, FlagKind.HISTORY, x, text, reference))
        others = peers.get(key, [])
        if len(others) >= MIN_PEERS and (out := modified_z(x, others, mean_fallback=True)) is not None:
            side = "高于" if x > out.median else "低于"
            if out.z is None:
                text = f"同期 {len(others)} 个同类单位的填报几乎相同，本单位明显{side}它们"
            else:
                text = f"明显{side}同期 {len(others)} 个同类单位的一般水平（偏离 {abs(out.z):.1f} 个离散度）"
            # No median or MAD here: a peer's figure must not reach the reporting unit.
            found.append(Found(key, label, FlagKind.PEER, x, text, {"peers": len(others), "z": out.z}))
    order = {k: i for i, k in enumerate(numbers)}
    return sorted(found, key=lambda f: order.get(f.key, 0))


def refresh(submission: Submission, schema: dict[str, Any]) -> list[ValueFlag]:
    """Replace the submission's flags with those of its current values (call inside the submit transaction)."""
    ValueFlag.objects.filter(submission=submission).delete()
    return ValueFlag.objects.bulk_create(
        [
            ValueFlag(
                submission=submission,
                field_key=f.key,
                label=f.label[:130],
                kind=f.kind,
                value=f.value,
                reference=f.reference,
                explanation=f.explanation[:300],
            )
            for f in check(submission, schema, submission.values)
        ]
    )


def open_counts(submissions: Sequence[Submission]) -> dict[int, int]:
    """{submission pk: flags not yet acknowledged}, one query for a list page."""
    rows = (
        ValueFlag.objects.filter(submission__in=[s.pk for s in submissions], acknowledged_at__isnull=True)
        .values("submission")
        .annotate(n=Count("id"))
        .values_list("submission", "n")
    )
    return dict(rows)


def open_flags(submission: Submission) -> list[ValueFlag]:
    return list(ValueFlag.objects.filter(submission=submission, acknowledged_at__isnull=True))

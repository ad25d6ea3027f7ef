"""How an item turns a figure into points, and how each rule reads in plain Chinese.

Pure functions over plain numbers (no queries), so the rules are tested on their own and the explanation a unit
reads is produced by the same code that scored it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from dudao.core.errors import DomainError
from dudao.core.indicators import Direction

Number = float | int | Decimal


def fmt(value: Number | None, measure: str = "") -> str:
    """A figure as people write it: 92.5%、3 项、100 分 (no trailing .0)."""
    if value is None:
        return "—"
    number = float(value)
    text = f"{number:.2f}".rstrip("0").rstrip(".") if number != int(number) else str(int(number))
    if not measure:
        return text
    return f"{text}{measure}" if measure == "%" else f"{text} {measure}"


def linear(value: float, floor: float, target: float, weight: float) -> float:
    """Nothing at `floor`, full marks at `target`, in proportion between (either direction)."""
    share = (value - floor) / (target - floor)
    return round(weight * min(max(share, 0.0), 1.0), 2)


def banded(value: float, bands: Sequence[Sequence[float]], direction: Direction, weight: float) -> float:
    """The first band the value reaches (≥ its threshold when higher is better, ≤ when lower is), as a percentage
    of the weight; a value reaching no band scores nothing."""
    for threshold, percent in bands:
        reached = value >= threshold if direction is Direction.HIGHER else value <= threshold
        if reached:
            return round(weight * float(percent) / 100, 2)
    return 0.0


def parse_bands(text: str) -> list[list[float]]:
    """“95:100, 85:80, 70:60” → [[95, 100], [85, 80], [70, 60]]: threshold, then the share of the weight (%)."""
    bands: list[list[float]] = []
    for part in text.replace("，", ",").replace("：", ":").replace("；", ",").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        threshold, sep, percent = part.partition(":")
        try:
            if not sep:
                raise ValueError(part)
            pair = [float(threshold), float(percent)]
        except ValueError:
            raise DomainError(
                f"分档“{part[:30]}”写法不对：请写成“阈值:得分比例”，如“95:100, 85:80”", code="bands_invalid"
            ) from None
        if not 0 <= pair[1] <= 100:
            raise DomainError(f"分档“{part[:30]}”的得分比例应在 0 到 100 之间", code="bands_invalid")
        bands.append(pair)
    if not bands:
        raise DomainError("请填写分档，如“95:100, 85:80, 70:60”", code="bands_required")
    return bands


def ordered_bands(bands: Iterable[Sequence[float]], direction: Direction) -> list[list[float]]:
    """Best band first: highest threshold first when higher is better, lowest first when lower is."""
    return sorted(([float(t), float(p)] for t, p in bands), key=lambda b: b[0], reverse=direction is Direction.HIGHER)


def bands_text(bands: Sequence[Sequence[float]], direction: Direction, weight: float, measure: str) -> str:
    sign = "≥" if direction is Direction.HIGHER else "≤"
    parts = [f"{sign}{fmt(t, measure)}得 {fmt(weight * p / 100)} 分" for t, p in bands]
    return "；".join(parts) + "；其余不得分"


def linear_text(floor: float, target: float, direction: Direction, weight: float, measure: str) -> str:
    if direction is Direction.HIGHER:
        return f"达到 {fmt(target, measure)}得满分 {fmt(weight)} 分，{fmt(floor, measure)}及以下不得分，其间按比例计分"
    return (
        f"不超过 {fmt(target, measure)}得满分 {fmt(weight)} 分，"
        f"达到 {fmt(floor, measure)}及以上不得分，其间按比例计分"
    )


def linear_hint(value: float, floor: float, target: float, weight: float, measure: str) -> str:
    """What raises a linear score: the target, and what one step towards it is worth."""
    per_step = weight / abs(target - floor)
    step = "1 个百分点" if measure == "%" else f"1 {measure or '个单位'}"
    verb = "提高" if target > floor else "减少"
    return f"{verb}到 {fmt(target, measure)}可得满分，每{verb} {step}约加 {fmt(round(per_step, 2))} 分"


def banded_hint(
    value: float, bands: Sequence[Sequence[float]], direction: Direction, weight: float, measure: str
) -> str:
    """The next band up from where the value stands."""
    better = [
        (t, p) for t, p in bands if (value < t if direction is Direction.HIGHER else value > t) and weight * p / 100 > 0
    ]
    if not better:
        return ""
    threshold, percent = better[-1]
    sign = "达到" if direction is Direction.HIGHER else "降到"
    return f"{sign} {fmt(threshold, measure)}可得 {fmt(weight * percent / 100)} 分"

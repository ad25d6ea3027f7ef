"""The scoring rules as plain arithmetic, and their words."""

from __future__ import annotations

import pytest

from dudao.appraisal.scoring import (
    banded,
    banded_hint,
    bands_text,
    fmt,
    linear,
    linear_hint,
    linear_text,
    ordered_bands,
    parse_bands,
)
from dudao.core.errors import DomainError
from dudao.core.indicators import Direction


@pytest.mark.parametrize(
    ("value", "floor", "target", "expected"),
    [(80, 50, 100, 6.0), (100, 50, 100, 10.0), (120, 50, 100, 10.0), (40, 50, 100, 0.0), (2, 10, 0, 8.0)],
)
def test_linear_scores_between_floor_and_target_either_direction(
    value: float, floor: float, target: float, expected: float
) -> None:
    assert linear(value, floor, target, 10) == expected


def test_banded_takes_the_first_band_reached() -> None:
    higher = ordered_bands([[85, 80], [95, 100], [70, 60]], Direction.HIGHER)
    assert higher == [[95, 100], [85, 80], [70, 60]]
    assert banded(90, higher, Direction.HIGHER, 15) == 12.0
    assert banded(60, higher, Direction.HIGHER, 15) == 0.0
    lower = ordered_bands([[2, 50], [0, 100]], Direction.LOWER)
    assert banded(0, lower, Direction.LOWER, 20) == 20.0
    assert banded(1, lower, Direction.LOWER, 20) == 10.0
    assert banded(3, lower, Direction.LOWER, 20) == 0.0


def test_parse_bands_accepts_chinese_punctuation() -> None:
    assert parse_bands("95：100，85:80；70:60") == [[95, 100], [85, 80], [70, 60]]


@pytest.mark.parametrize(("text", "message"), [("95-100", "写法不对"), ("95:120", "0 到 100"), ("  ", "请填写分档")])
def test_bad_bands_are_refused_in_words(text: str, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        parse_bands(text)


def test_rules_and_hints_read_as_plain_chinese() -> None:
    assert linear_text(60, 100, Direction.HIGHER, 15, "%") == "达到 100%得满分 15 分，60%及以下不得分，其间按比例计分"
    assert linear_text(5, 0, Direction.LOWER, 10, "项").startswith("不超过 0 项得满分 10 分，达到 5 项及以上不得分")
    assert linear_hint(80, 60, 100, 15, "%") == "提高到 100%可得满分，每提高 1 个百分点约加 0.38 分"
    bands = ordered_bands([[95, 100], [85, 80]], Direction.HIGHER)
    assert bands_text(bands, Direction.HIGHER, 10, "%") == "≥95%得 10 分；≥85%得 8 分；其余不得分"
    assert banded_hint(80, bands, Direction.HIGHER, 10, "%") == "达到 85%可得 8 分"
    assert banded_hint(90, bands, Direction.HIGHER, 10, "%") == "达到 95%可得 10 分"
    assert fmt(12.50) == "12.5" and fmt(3, "项") == "3 项" and fmt(None) == "—"

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dudao.core.excel import column_letter, safe_cell


def test_formula_prefixes_are_escaped() -> None:
    for dangerous in ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=x"]:
        assert safe_cell(dangerous).startswith("'")
    assert safe_cell("王小明") == "王小明"
    assert safe_cell(42) == 42


@given(st.text())
def test_escaped_cells_never_start_a_formula(text: str) -> None:
    assert not str(safe_cell(text)).startswith(("=", "+", "-", "@"))


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]

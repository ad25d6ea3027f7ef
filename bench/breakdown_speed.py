"""Parsing a 30,000-character speech, against tokenising the same text with jieba alone.

    python -m bench.breakdown_speed

The speech is the corpus documents repeated (with their section numbers running on) to 30,000 characters.
Target: under 2 s, ratio to jieba ≤ 10. jieba's dictionary load is excluded (done once before timing).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from bench import common
from dudao.breakdown.parser import parse

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "breakdown" / "corpus"
LENGTH = 30_000


def speech() -> str:
    parts = [p.read_text("utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    text = ""
    while len(text) < LENGTH:
        text += "\n".join(parts) + "\n"
    return text[:LENGTH]


def main() -> None:
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    text = speech()
    parse(text[:2000], doc_date=dt.date(2026, 8, 15))  # warm the converters
    parse_s, jieba_s, rows = [], [], 0
    for _ in range(5):
        t0 = time.perf_counter()
        rows = len(parse(text, doc_date=dt.date(2026, 8, 15)).rows)
        parse_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        list(jieba.cut(text))
        jieba_s.append(time.perf_counter() - t0)
    value, baseline = common.median(parse_s), common.median(jieba_s)
    common.log(f"{len(text)} characters, {rows} rows; parse {value:.3f} s, jieba {baseline:.3f} s")
    common.result("breakdown_parse_30k_s", value, "s", baseline, value / baseline)


if __name__ == "__main__":
    main()

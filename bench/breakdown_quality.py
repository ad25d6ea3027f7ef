"""Precision and recall of the speech parser on the annotated corpus in tests/breakdown/corpus/.

    python -m bench.breakdown_quality --fresh    # fresh held-out batch (corpus/fresh/, docs 41-): report first
    python -m bench.breakdown_quality --heldout  # the old held-out documents (corpus/heldout/, docs 35-40)
    python -m bench.breakdown_quality --heldout --fresh  # both held-out sets together
    python -m bench.breakdown_quality            # the development corpus, originals and variants
    python -m bench.breakdown_quality 20 21 22   # only the documents whose names start so (no variants)

The held-out documents (issue 19, docs 35-40) were written and annotated before the parser saw them; since the
second round their errors have been used to improve the rules, so the fresh batch (docs 41-, committed before any
parser change of that round, never used to write rules) is the honest figure for text the rules have never met.
The annotation conventions are in tests/breakdown/corpus/README.md.

A predicted row matches an annotated row when its source span covers the annotation's anchor. Tasks are
scored on matched rows; deadlines, responsible subjects and targets on the items of all rows (an item of an
unmatched predicted row is a false positive; an item of a missed row is a false negative). Variants
(Traditional characters, GBK/Big5, .docx, .pdf) are read through the same upload path and scored too.
The baseline is recall 0.8, the issue's aim; ratio = the weakest recall among deadlines, subjects and targets
divided by it (≥ 1 meets the aim).

Only rows the parser marks as tasks are scored; rows it marks 回顾/非任务 are hidden from the user by default.
The non-task rate is the share of task rows, in documents annotated with "non_tasks" (anchors of review,
greeting, praise and exhortation sentences), whose span covers such an anchor (aim ≤ 5 %).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import common
from dudao.breakdown.parser import Row, parse, read_document
from dudao.breakdown.parser.cleaning import simplified

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "breakdown" / "corpus"
HELDOUT = CORPUS / "heldout"
FRESH = CORPUS / "fresh"
AIM_RECALL = 0.8
AIM_NONTASK_RATE = 0.05


@dataclass
class Score:
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)

    def precision(self, key: str) -> float:
        found = self.tp[key] + self.fp[key]
        return self.tp[key] / found if found else 1.0

    def recall(self, key: str) -> float:
        wanted = self.tp[key] + self.fn[key]
        return self.tp[key] / wanted if wanted else 1.0


def deadline_key(row: Row) -> str | None:
    d = row.deadline
    if d is None:
        return None
    if d.recurrence in ("daily", "weekly", "monthly", "term") and not (d.start or d.end):
        return d.recurrence
    if d.start is None and d.end is None:
        return None
    if d.start is None:
        return f"<={d.end}"
    if d.end is None:
        return f">={d.start}"
    if d.start == d.end:
        return str(d.start)
    return f"{d.start}..{d.end}"


def _items(kind: str, row: dict[str, Any] | Row) -> Counter[str]:
    if isinstance(row, Row):
        if kind == "deadline":
            key = deadline_key(row)
            return Counter([key] if key else [])
        if kind == "responsible":
            return Counter(row.responsible)
        return Counter(_target_key(t.number, t.unit) for t in row.targets)
    if kind == "deadline":
        return Counter([row["deadline"]] if row.get("deadline") else [])
    if kind == "responsible":
        return Counter(row["responsible"])
    return Counter(_target_key(n, u) for n, u in row["targets"])


def _target_key(number: float | None, unit: str | None) -> str:
    """ "2名", "100%", "0" (清零); a template's placeholder ("X人") is "?人"."""
    return f"{number:g}{unit or ''}" if number is not None else f"?{unit or ''}"


def score_document(text: str, annotation: dict[str, Any], score: Score) -> None:
    analysis = parse(text, doc_date=dt.date.fromisoformat(annotation["date"]))
    plain = simplified(analysis.text)
    tasks = [row for row in analysis.rows if getattr(row, "kind", "task") == "task"]
    if "non_tasks" in annotation:
        score.tp["nontask_docs"] += 1
        score.fn["task_rows"] += len(tasks)
        for anchor in annotation["non_tasks"]:
            at = plain.find(anchor)
            if at < 0:
                raise ValueError(f"non-task anchor not found: {anchor}")
            if any(row.start <= at < row.end for row in tasks):
                score.fp["nontask"] += 1
    analysis.rows = tasks
    matched: dict[int, int] = {}
    for i, expected in enumerate(annotation["rows"]):
        at = plain.find(expected["anchor"])
        for j, row in enumerate(analysis.rows):
            if j not in matched.values() and at >= 0 and row.start <= at < row.end:
                matched[i] = j
                break
    score.tp["task"] += len(matched)
    score.fn["task"] += len(annotation["rows"]) - len(matched)
    score.fp["task"] += len(analysis.rows) - len(matched)
    for kind in ("deadline", "responsible", "target"):
        for i, expected in enumerate(annotation["rows"]):
            want = _items(kind, expected)
            got = _items(kind, analysis.rows[matched[i]]) if i in matched else Counter()
            score.tp[kind] += sum((want & got).values())
            score.fn[kind] += sum((want - got).values())
            score.fp[kind] += sum((got - want).values())
        for j, row in enumerate(analysis.rows):
            if j not in matched.values():
                score.fp[kind] += sum(_items(kind, row).values())


def documents(
    only: tuple[str, ...] = (), *, heldout: bool = False, fresh: bool = False
) -> list[tuple[str, str, dict[str, Any]]]:
    folders = [folder for folder, wanted in ((HELDOUT, heldout), (FRESH, fresh)) if wanted] or [CORPUS]
    docs = []
    for path in sorted(p for folder in folders for p in folder.glob("*.txt")):
        if only and not path.name.startswith(only):
            continue
        annotation = json.loads(path.with_suffix(".json").read_text("utf-8"))
        docs.append((path.name, path.read_text("utf-8"), annotation))
    if only or heldout or fresh:
        return docs
    variants = json.loads((CORPUS / "variants" / "variants.json").read_text("utf-8"))
    for name, source in variants.items():
        annotation = json.loads((CORPUS / f"{source}.json").read_text("utf-8"))
        text = read_document((CORPUS / "variants" / name).read_bytes(), name).text
        docs.append((name, text, annotation))
    return docs


def evaluate(only: tuple[str, ...] = (), *, heldout: bool = False, fresh: bool = False) -> Score:
    score = Score()
    for _, text, annotation in documents(only, heldout=heldout, fresh=fresh):
        score_document(text, annotation, score)
    return score


def nontask_rate(score: Score) -> float:
    """Task rows covering a review/greeting/exhortation sentence, per task row (documents annotated for it)."""
    return score.fp["nontask"] / score.fn["task_rows"] if score.fn["task_rows"] else 0.0


def main() -> None:
    heldout = "--heldout" in sys.argv[1:]
    fresh = "--fresh" in sys.argv[1:]
    only = tuple(a for a in sys.argv[1:] if not a.startswith("--"))
    score = evaluate(only, heldout=heldout, fresh=fresh)
    prefix, label = {
        (True, True): ("breakdown_heldout_all", "old held-out and fresh held-out"),
        (True, False): ("breakdown_heldout", "old held-out"),
        (False, True): ("breakdown_fresh", "fresh held-out"),
    }.get((heldout, fresh), ("breakdown", f"{', '.join(only)}" if only else "originals and variants"))
    common.log(f"corpus: {len(documents(only, heldout=heldout, fresh=fresh))} documents ({label})")
    for kind in ("task", "deadline", "responsible", "target"):
        p, r = score.precision(kind), score.recall(kind)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        common.log(
            f"{kind:12s} precision {p:.3f} recall {r:.3f} F1 {f1:.3f}  (tp {score.tp[kind]}, fp {score.fp[kind]}, fn {score.fn[kind]})"  # noqa: E501
        )
    rate = nontask_rate(score)
    common.log(
        f"non-task rate {rate:.3f}  ({score.fp['nontask']} task rows over review/greeting/exhortation sentences, "
        f"{score.fn['task_rows']} task rows in {score.tp['nontask_docs']} documents annotated for it)"
    )
    for kind in ("task", "deadline", "responsible", "target"):
        common.result(f"{prefix}_{kind}_precision", score.precision(kind), "ratio", 0.7, score.precision(kind) / 0.7)
        common.result(
            f"{prefix}_{kind}_recall", score.recall(kind), "ratio", AIM_RECALL, score.recall(kind) / AIM_RECALL
        )
    # The non-task rate's ratio is aim / rate (≥ 1 meets the aim), like the others.
    common.result(f"{prefix}_nontask_rate", rate, "ratio", AIM_NONTASK_RATE, AIM_NONTASK_RATE / rate if rate else 99.0)
    weakest = min(score.recall(k) for k in ("deadline", "responsible", "target"))
    common.result(f"{prefix}_min_recall", weakest, "ratio", AIM_RECALL, weakest / AIM_RECALL)


if __name__ == "__main__":
    main()

"""Speech or notice → task-breakdown rows. Pure Python, no Django, no network, no model files.

analysis = parse(text, doc_date=date(2026, 8, 12))
for row in analysis.rows: row.as_json()
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from dudao.breakdown.parser.cleaning import TONE_MARKED, clean_marked, simplified
from dudao.breakdown.parser.deadlines import Calendar, Deadline, find_deadlines, pick_deadline
from dudao.breakdown.parser.fields import (
    MODULES,
    OUTSIDE_KINDS,
    REPORT_WORDS,
    Target,
    find_mechanisms,
    find_subjects,
    find_targets,
    pick_module,
    unique_names,
)
from dudao.breakdown.parser.kinds import KINDS, TASK, kind_of
from dudao.breakdown.parser.reading import DocumentText, UnreadableInput, looks_garbled, read_document
from dudao.breakdown.parser.structure import Segment, segment

__all__ = [
    "KINDS",
    "MODULES",
    "OUTSIDE_KINDS",
    "TASK",
    "TONE_MARKED",
    "Analysis",
    "Calendar",
    "DocumentText",
    "Row",
    "UnreadableInput",
    "find_targets",
    "looks_garbled",
    "parse",
    "read_document",
    "row_for_span",
    "simplified",
]

MAX_TASK_CHARS = 60
_MARKER_PREFIX = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}是|第[一二三四五六七八九十]{1,3}|其[一二三四五六七八九十])[，,、：:]?"
)


@dataclass
class Row:
    section: str
    task: str
    responsible: list[str]
    responsible_text: list[str]
    deadline: Deadline | None
    targets: list[Target]
    mechanisms: list[str]
    module: str
    start: int
    end: int
    needs_report: bool = False
    kind: str = TASK  # task / review (回顾) / other (greeting, praise, exhortation: 非任务)
    damaged: bool = False  # its paragraph lost converter debris (pinyin, mis-decoded characters)

    def as_json(self) -> dict[str, Any]:
        """The shape the command line prints (issue 9; kind and damaged since issue 19)."""
        return {
            "kind": self.kind,
            "damaged": self.damaged,
            "section": self.section,
            "task": self.task,
            "responsible": list(self.responsible),
            "deadline": self.deadline.as_json() if self.deadline else {"text": "", "start": None, "end": None},
            "targets": [t.as_json() for t in self.targets],
            "mechanisms": list(self.mechanisms),
            "module": self.module,
            "source": {"start": self.start, "end": self.end},
        }


@dataclass
class Analysis:
    text: str  # the cleaned text, original characters; row offsets point into it
    rows: list[Row]
    structured: bool
    warnings: list[str] = field(default_factory=list)


def _task_line(sentence: str) -> str:
    sentence = _MARKER_PREFIX.sub("", sentence.strip())
    first = re.split(r"(?<=[。；;！!？?])", sentence, maxsplit=1)[0].rstrip("。；;，,")
    return first if len(first) <= MAX_TASK_CHARS else first[: MAX_TASK_CHARS - 1] + "…"


# "对弄虚作假的，将严肃追究相关人员责任": the bureau's warning, not a duty of the previous sentence's actor.
_ACCOUNTABILITY = re.compile(r"^对[^。；]{1,30}?[，,][^。；]{0,8}?(?:追究|问责|追责|严肃处理|严肃查处)")
_SALUTATION = re.compile(r"^[^。！？\n]{2,60}[:：]\s*$", re.MULTILINE)


def _single_addressee(text: str, unit_names: tuple[str, ...]) -> str | None:
    """A notice sent to one kind of unit ("各县区教育局：") makes it responsible for the tasks that name nobody."""
    m = _SALUTATION.search(text[:600])
    if m is None or "同志" in m.group(0):
        return None
    names = unique_names(find_subjects(m.group(0), unit_names))
    return names[0] if len(names) == 1 else None


def _original_words(deadline: Deadline | None, display: str, base: int) -> Deadline | None:
    """The deadline's words as the document wrote them (Traditional characters stay Traditional)."""
    if deadline is None:
        return None
    words = display[base + deadline.offset : base + deadline.offset + len(deadline.text)]
    return Deadline(words or deadline.text, deadline.start, deadline.end, deadline.recurrence, deadline.offset)


def _outside(offset: int, spans: list[tuple[int, int]]) -> bool:
    return not any(s < offset < e for s, e in spans)


def parse(
    text: str,
    *,
    doc_date: dt.date | None = None,
    calendar: Calendar | None = None,
    unit_names: tuple[str, ...] = (),
    already_clean: bool = False,
) -> Analysis:
    """Rows of a speech. Never raises on odd text: at worst returns no rows and a warning."""
    # Callers in the product pass the document date (Beijing time); the parser stays free of Django imports.
    doc_date = doc_date or dt.date.today()  # noqa: DTZ011
    damaged_lines: list[int] = []
    if already_clean:
        display = text
    else:
        cleaned = clean_marked(text)
        display, damaged_lines = cleaned.text, cleaned.damaged
    warnings: list[str] = []
    if damaged_lines:
        warnings.append(
            f"有 {len(damaged_lines)} 段文字夹带转换残留（带声调的拼音或乱码），已去除；"
            "这些段落的行已标出“原文有残缺”，请对照原文核对。"
        )
    if looks_garbled(display):
        warnings.append("文字中有大量乱码，分析结果可能不可靠。")
    analysis_text = simplified(display)
    segments, structured = segment(analysis_text)
    if not structured:
        warnings.append("没有找到“一、（一）1.”或“一是、二是”式的层次，已按句子逐条识别工作要求。")
    rows = [
        _row(display, analysis_text, seg, doc_date=doc_date, calendar=calendar, unit_names=unit_names)
        for seg in segments
    ]
    _mark_kinds(analysis_text, segments, rows, damaged_lines)
    for (seg, row), (prev_seg, prev_row) in zip(
        zip(segments[1:], rows[1:], strict=False), zip(segments, rows, strict=False), strict=False
    ):
        # Chinese drops a repeated subject: "各学校务必……。要落实一岗双责……" — the second sentence is the schools' too.
        # So does an item of an enumeration in one paragraph: "一是各学校要……。二是要利用班级微信群……".
        if (
            not row.responsible
            and not _ACCOUNTABILITY.search(analysis_text[seg.start : seg.end])
            and seg.kind in ("sentence", "enumeration")
            and seg.kind == prev_seg.kind
            and seg.line >= 0
            and seg.line == prev_seg.line
        ):
            row.responsible = list(prev_row.responsible)
    addressee = _single_addressee(analysis_text, unit_names)
    if addressee is not None:
        for row in rows:
            if not row.responsible and not _ACCOUNTABILITY.search(display[row.start : row.end]):
                row.responsible = [addressee]
    return Analysis(text=display, rows=rows, structured=structured, warnings=warnings)


def _mark_kinds(text: str, segments: list[Segment], rows: list[Row], damaged_lines: list[int]) -> None:
    """Review, greeting and exhortation rows are marked (not dropped); rows from damaged paragraphs are flagged."""
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    damaged = set(damaged_lines)
    for seg, row in zip(segments, rows, strict=True):
        first = bisect.bisect_right(starts, seg.start) - 1
        last = bisect.bisect_right(starts, max(seg.start, seg.end - 1)) - 1
        paragraph_end = starts[first + 1] - 1 if first + 1 < len(starts) else len(text)
        row.kind = kind_of(
            text[seg.start : seg.end],
            section_titles=seg.titles,
            paragraph=text[starts[first] : paragraph_end],
            has_subject=bool(row.responsible_text),
        )
        row.damaged = any(i in damaged for i in range(first, last + 1))


def _row(
    display: str,
    analysis_text: str,
    seg: Segment,
    *,
    doc_date: dt.date,
    calendar: Calendar | None,
    unit_names: tuple[str, ...],
) -> Row:
    body = analysis_text[seg.start : seg.end]
    targets = find_targets(body)
    target_spans = [(t.offset, t.offset + len(t.text)) for t in targets]
    subjects = [s for s in find_subjects(body, unit_names) if _outside(s.offset, target_spans)]
    deadline = _original_words(pick_deadline(find_deadlines(body, doc_date, calendar)), display, seg.start)
    if seg.lead_start is not None and seg.lead_end is not None:
        lead = analysis_text[seg.lead_start : seg.lead_end]
        if not subjects:
            subjects = find_subjects(lead, unit_names)
        if deadline is None:
            deadline = _original_words(pick_deadline(find_deadlines(lead, doc_date, calendar)), display, seg.lead_start)
    return Row(
        section=" / ".join(seg.section),
        task=_task_line(display[seg.start : seg.end]),
        responsible=unique_names(subjects),
        responsible_text=list(dict.fromkeys(s.text for s in subjects)),
        deadline=deadline,
        targets=targets,
        mechanisms=find_mechanisms(body),
        module=pick_module(body),
        start=seg.start,
        end=seg.end,
        needs_report=bool(REPORT_WORDS.search(body)),
    )


def row_for_span(
    text: str,
    start: int,
    end: int,
    *,
    section: str = "",
    doc_date: dt.date,
    calendar: Calendar | None = None,
    unit_names: tuple[str, ...] = (),
) -> Row:
    """Fields of a span the user chose (a split or merged row) of an already cleaned text."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    seg = Segment(section=[section] if section else [], start=start, end=max(start, end))
    return _row(text, simplified(text), seg, doc_date=doc_date, calendar=calendar, unit_names=unit_names)

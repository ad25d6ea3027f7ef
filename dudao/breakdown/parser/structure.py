"""Cutting a speech or notice into task rows: numbered parts, enumerations (一是…二是…), duty sentences.

Each row keeps its section path (一 / （三） / 六是) and its span in the cleaned text. Items of an
enumeration inherit the responsible subjects and the deadline of the sentence that introduces them
("各学校要在开学前做到：一是…二是…").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CN = "一二三四五六七八九十"
_LEVELS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(rf"^(?P<m>[{CN}]{{1,3}})[、.．]\s*")),
    (1, re.compile(rf"^(?P<m>第[{CN}]{{1,3}}部分)[，,、：:\s]*")),
    (2, re.compile(rf"^(?P<m>[（(][{CN}]{{1,3}}[）)])\s*")),
    (3, re.compile(r"^(?P<m>\d{1,2})(?:[、.．](?!\d)|\s)\s*")),
    (3, re.compile(rf"^(?P<m>第[{CN}]{{1,3}}|首先|其次|再次|最后)[，,、：:]\s*")),
    (3, re.compile(rf"^(?P<m>[{CN}]{{1,3}}是)(?=要|[\u4e00-\u9fff])[，,、：:]?\s*")),
    (4, re.compile(r"^(?P<m>[（(]\d{1,2}[）)]|[①②③④⑤⑥⑦⑧⑨⑩])\s*")),
]
_ENUM = re.compile(
    rf"(?:(?<=[。；;，,：:！\s])|^)(?P<m>[{CN}]{{1,3}}是|第[{CN}]{{1,3}}(?=[，,、])|其[{CN}](?=[，,、]))[，,、：:]?"
)
_SENTENCE = re.compile(r"[^。！？；;!?]+[。！？；;!?]?[”’」』]?")
DUTY = re.compile(
    r"(?<![重主只纪概必])要(?![点素闻件])|重点(?:检查|督查|抓好|做好|推进|整治)|务必|必须|确保|切实|严禁|禁止|不得|严格|做到|应当|应(?![对急用])|须|需|请|抓紧|加快|加强|落实|负责|牵头|将(?:于|在|对|组织|开展)|不少于|不低于|至少|不超过|时间为|开展|完成|做好|建立|健全|组织|报送|上报|杜绝|坚决|推进|强化|督促|指导|实行|实施|开设|配备|排查|压实|全面"
)
_NARRATIVE = re.compile(
    r"(?:通知如下|如下[:：。]?$|讲几点意见|讲几点|讲三点|谈几点|(?:通知|讲话|意见|方案)$)|^(?:同志们|今年以来|近年来|过去|总的来看|总体来看|据统计|此外，|特此通知|以上|附件[:：\d])"
)


@dataclass
class Segment:
    section: list[str]
    start: int
    end: int
    lead_start: int | None = None  # the sentence introducing an enumeration, for inherited fields
    lead_end: int | None = None
    kind: str = "sentence"  # heading / item / enumeration / sentence
    line: int = -1  # the paragraph, so a sentence without a subject can take the previous sentence's
    extra: dict[str, str] = field(default_factory=dict)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \u3000\n：:，,":
        start += 1
    while end > start and text[end - 1] in " \u3000\n":
        end -= 1
    return start, end


def _heading(line: str) -> tuple[int, str, int] | None:
    for level, pattern in _LEVELS:
        m = pattern.match(line)
        if m:
            return level, m.group("m"), m.end()
    return None


def _title_end(line: str, body_start: int) -> int:
    """Where a heading's title ends: its first sentence, or the whole line when short and unpunctuated."""
    m = re.search(r"[。！？；;]", line[body_start:])
    return body_start + m.end() if m else len(line)


def segment(text: str) -> tuple[list[Segment], bool]:
    """Rows as spans of `text` (the simplified analysis text). Returns (segments, structured?)."""
    segments: list[Segment] = []
    path: dict[int, str] = {}
    structured = False
    offset = 0
    for line in text.split("\n"):
        line_start = offset
        offset += len(line) + 1
        if not line.strip():
            continue
        head = _heading(line)
        if head and head[1].endswith("是") and len(_ENUM.findall(line)) >= 2:
            head = None  # "一是…；二是…" in one paragraph is an enumeration, not a numbered part
        body_start = 0
        if head:
            level, marker, after = head
            structured = True
            path = {k: v for k, v in path.items() if k < level}
            path[level] = marker
            title_end = _title_end(line, after)
            body_start = title_end
            section = [path[k] for k in sorted(path)]
            if level >= 3:
                # A numbered item is one task (unless it holds an enumeration, handled below).
                if not _ENUM.search(line, title_end):
                    s, e = _trim(line, after, len(line))
                    if e - s >= 4:
                        segments.append(Segment(section, line_start + s, line_start + e, kind="item"))
                    continue
            elif title_end >= len(line) or not line[title_end:].strip():
                # A bare heading: a task only when it is itself imperative and nothing below refines it.
                s, e = _trim(line, after, len(line))
                if DUTY.search(line[s:e]) and e - s >= 6:
                    segments.append(Segment(section, line_start + s, line_start + e, kind="heading"))
                continue
        section = [path[k] for k in sorted(path)]
        for seg in _body(line, line_start, body_start, section):
            seg.line = line_start
            segments.append(seg)
    if structured:
        # Before the first numbered part come the title, the addressees and "现通知如下": no tasks there.
        segments = [seg for seg in segments if seg.section]
    # A bare heading followed by rows in its own section is a title, not a task.
    kept = []
    for i, seg in enumerate(segments):
        if (
            seg.kind == "heading"
            and i + 1 < len(segments)
            and segments[i + 1].section[: len(seg.section)] == seg.section
        ):
            continue
        kept.append(seg)
    return kept, structured


def _body(line: str, line_start: int, body_start: int, section: list[str]) -> list[Segment]:
    out: list[Segment] = []
    markers = list(_ENUM.finditer(line, body_start))
    if len(markers) >= 2:
        lead_s, lead_e = _trim(line, body_start, markers[0].start())
        lead = (line_start + lead_s, line_start + lead_e) if lead_e > lead_s else (None, None)
        if lead_e > lead_s:
            # Sentences of the lead before its last sentence can be tasks of their own.
            for sentence in _sentences(line, lead_s, lead_e)[:-1]:
                out.append(Segment(section, line_start + sentence[0], line_start + sentence[1]))
            last = _sentences(line, lead_s, lead_e)
            if last:
                lead = (line_start + last[-1][0], line_start + last[-1][1])
        for i, m in enumerate(markers):
            end = markers[i + 1].start() if i + 1 < len(markers) else len(line)
            s, e = _trim(line, m.end(), end)
            if e - s >= 3:
                out.append(
                    Segment(
                        [*section, m.group("m")],
                        line_start + m.start("m"),
                        line_start + e,
                        lead_start=lead[0],
                        lead_end=lead[1],
                        kind="enumeration",
                    )
                )
        return out
    for s, e in _sentences(line, body_start, len(line)):
        words = line[s:e]
        if len(words) < 6 or _NARRATIVE.search(words) or not DUTY.search(words):
            continue
        out.append(Segment(section, line_start + s, line_start + e))
    return out


def _sentences(line: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    for m in _SENTENCE.finditer(line, start, end):
        s, e = _trim(line, m.start(), m.end())
        if e > s:
            spans.append((s, e))
    return spans

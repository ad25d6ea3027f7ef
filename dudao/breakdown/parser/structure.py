"""Cutting a speech or notice into task rows: numbered parts, enumerations (一是…二是…), duty sentences.

Each row keeps its section path (一 / （三） / 六是) and its span in the cleaned text. Items of an
enumeration inherit the responsible subjects and the deadline of the sentence that introduces them
("各学校要在开学前做到：一是…二是…").
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field, replace

from dudao.breakdown.parser.deadlines import find_deadlines
from dudao.breakdown.parser.fields import find_subjects

CN = "一二三四五六七八九十"
_LEVELS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(rf"^(?P<m>[{CN}]{{1,3}})[、.．]\s*")),
    (1, re.compile(rf"^(?P<m>第[{CN}]{{1,3}}部分)[，,、：:\s]*")),
    (2, re.compile(rf"^(?P<m>[（(][{CN}]{{1,3}}[）)])\s*")),
    (3, re.compile(r"^(?P<m>\d{1,2})(?:[、.．](?!\d)|\s)\s*")),
    (3, re.compile(rf"^(?P<m>第[{CN}]{{1,3}}|首先|其次|再次|最后)[，,、：:]\s*")),
    (3, re.compile(rf"^(?P<m>[{CN}]{{1,3}}是)(?=要|[\u4e00-\u9fff])[，,、：:]?\s*")),
    (3, re.compile(rf"^(?P<m>[{CN}]{{1,3}}要)(?=[\u4e00-\u9fff]{{2,30}}[。！；])")),
    (4, re.compile(r"^(?P<m>[（(]\d{1,2}[）)]|[①②③④⑤⑥⑦⑧⑨⑩])\s*")),
]
_ENUM = re.compile(
    rf"(?:(?<=[。；;，,：:！\s])|^)(?P<m>[{CN}]{{1,3}}是|第[{CN}]{{1,3}}(?=[，,、])|其[{CN}](?=[，,、]))[，,、：:]?"
)
_SENTENCE = re.compile(r"[^。！？；;!?]+[。！？；;!?]?[”’」』]?")
DUTY = re.compile(
    r"追责|问责|追究|(?<![重主只纪概必])要(?![点素闻件])|重点(?:检查|督查|抓好|做好|推进|整治)|务必|必须|确保|切实|严禁|禁止|不得|严格|做到|应当|应(?![对急用])|须|需|请|抓紧|加快|加强|落实|负责|牵头|将(?:于|在|对|组织|开展)|不少于|不低于|至少|不超过|时间为|开展|完成|做好|建立|健全|组织|报送|上报|杜绝|坚决|推进|强化|督促|指导|实行|实施|开设|配备|排查|压实|全面"
)
_NARRATIVE = re.compile(
    r"(?:通知如下|如下[:：。]?$|讲几点意见|讲几点|讲三点|谈几点|(?:通知|讲话|意见|方案)$)|^(?:同志们|刚才|会上|今年以来|近年来|过去|总的来看|总体来看|据统计|此外，|特此通知|以上|附件[:：\d])"
)


_ANY_DAY = dt.date(2000, 1, 3)
_ANNEX = re.compile(r"^\s*附件\s*[\d一二三四五六七八九十]*\s*[:：]?")
_ANNEX_ITEM = re.compile(r"^\s*(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*[.．、]\s*[^。；;！？]{1,40}$")
# A table row pasted as text: cells divided by full-width or ASCII bars or tabs ("9月15日前｜完成家访｜各中小学").
_CELL = re.compile(r"[｜|\t]")
# A clause that starts with its own actor and duty: "，各县区教育局汇总后于…", "。班主任和心理教师每周至少…".
_ACTOR_DUTY = re.compile(
    r"^[^，。；;：:]{0,6}?(?:要|务必|必须|应|须|需|负责|牵头|将|汇总后|每[天日周月]|至少|是[^，。；;]{0,14}?第一责任人)"
)


def _times(words: str) -> set[str]:
    return {d.text for d in find_deadlines(words, _ANY_DAY)}


def _starts_with_actor(words: str) -> bool:
    subjects = find_subjects(words[:24])
    return bool(subjects) and subjects[0].offset == 0 and bool(_ACTOR_DUTY.match(words[len(subjects[0].text) : 40]))


def _actor_starts(text: str, start: int, end: int) -> list[int]:
    """Where, inside one row, a later clause names a new actor for its own duty with its own time ("各学校要在
    7月5日前报县区教育局，各县区教育局汇总后于7月10日前报市教育局"): a row has one deadline, so it is split there.
    A second actor without a time of its own stays in the row ("…，教研室要每学期开展一次视导" after an untimed
    duty)."""
    cuts: list[int] = []
    chunk_start = start
    for m in re.finditer(r"[。；;，,]", text[start:end]):
        p = start + m.end()
        while p < end and text[p] in " \u3000":
            p += 1
        if p >= end - 4:
            break
        head = text[p : min(end, p + 24)]
        subjects = find_subjects(head)
        if not subjects or subjects[0].offset != 0:
            continue
        if not _ACTOR_DUTY.match(head[len(subjects[0].text) :]):
            continue
        if not find_subjects(text[chunk_start:p]):
            continue  # the first actor of the row: what comes before it (a title, a reason) stays with it
        if text[p - 1] in "。；;" and m.group(0) == "。":
            cuts.append(p)  # a new sentence with its own actor and duty is a row of its own
            chunk_start = p
            continue
        before = _times(text[chunk_start:p])
        clause = re.match(r"[^。；;]*", text[p:end])
        own = _times(clause.group(0) if clause else "")
        if not before or not own or own <= before:
            continue
        cuts.append(p)
        chunk_start = p
    return cuts


def _split_actors(text: str, seg: Segment) -> list[Segment]:
    cuts = _actor_starts(text, seg.start, seg.end)
    if not cuts:
        return [seg]
    bounds = [seg.start, *cuts, seg.end]
    out = []
    for s, e in itertools.pairwise(bounds):
        while e > s and text[e - 1] in "，,":
            e -= 1
        out.append(replace(seg, start=s, end=e, extra=dict(seg.extra)))
    return out


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
    titles: list[str] = field(default_factory=list)  # the words of the headings above (一、2025年工作回顾 …)


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


@dataclass
class _Walk:
    """Where `segment` stands while reading the lines: the heading path, whether any numbered part was seen, the
    table rows counted, and whether the lines are inside an annex list."""

    path: dict[int, str] = field(default_factory=dict)
    titles: dict[int, str] = field(default_factory=dict)
    structured: bool = False
    table_rows: int = 0
    in_annex: bool = False

    def section(self) -> list[str]:
        return [self.path[k] for k in sorted(self.path)]

    def heading_titles(self) -> list[str]:
        return [self.titles[k] for k in sorted(self.titles)]


def _in_annex(walk: _Walk, line: str) -> bool:
    """ "附件：1. 自查表" and the numbered attachment titles under it are not tasks."""
    if _ANNEX.match(line):
        walk.in_annex = True
        return True
    if walk.in_annex and _ANNEX_ITEM.match(line):
        return True
    walk.in_annex = False
    return False


def _table_row(walk: _Walk, line: str, line_start: int) -> list[Segment]:
    """A row of a pasted table is one task when it names a duty or a month."""
    if not (DUTY.search(line) or re.search(r"\d+月|[一二三四五六七八九十]+月", line)):
        return []
    walk.table_rows += 1
    s, e = _trim(line, 0, len(line))
    section = [*walk.section(), f"表{walk.table_rows}"]
    return [Segment(section, line_start + s, line_start + e, kind="item", line=line_start)]


def _heading_rows(walk: _Walk, line: str, line_start: int, out: list[Segment]) -> int | None:
    """Read a numbered heading: update the path, add the rows it is itself, and return where the line's body starts
    (0 for a line that is no heading), or None when nothing of the line is left to read."""
    head = _heading(line)
    if head and head[1].endswith("是") and len(_ENUM.findall(line)) >= 2:
        head = None  # "一是…；二是…" in one paragraph is an enumeration, not a numbered part
    if not head:
        return 0
    level, marker, after = head
    walk.structured = True
    walk.path = {k: v for k, v in walk.path.items() if k < level}
    walk.path[level] = marker
    title_end = _title_end(line, after)
    if level < 3:
        glued = _glued_body(line, after, title_end)
        if glued is not None:
            walk.titles = {k: v for k, v in walk.titles.items() if k < level}
            walk.titles[level] = line[after:glued]
            return glued
    walk.titles = {k: v for k, v in walk.titles.items() if k < level}
    if level < 3:
        walk.titles[level] = line[after:title_end]
    section = walk.section()
    if level >= 3 and not marker.endswith("要"):
        # A numbered item is one task (unless it holds an enumeration, read as the body).
        if _ENUM.search(line, title_end):
            return title_end
        s, e = _trim(line, after, len(line))
        if e - s >= 4:
            out.append(Segment(section, line_start + s, line_start + e, kind="item"))
        return None
    if title_end >= len(line) or not line[title_end:].strip():
        # A bare heading: a task only when it is itself imperative and nothing below refines it. Heading words
        # glued to the sentence ("二、抓好校园安全各学校要…") are left out of the task.
        glued = _glued_body(line, after, title_end, whole=True)
        s, e = _trim(line, glued or after, len(line))
        if DUTY.search(line[s:e]) and e - s >= 6:
            # "四、县公安局要在学校周边设置…，每所…" is a task however the lines below it go on; a short
            # "一、各学校要高度重视" over its own items is a title.
            whole_duty = glued is not None and e - s >= 20 and bool(re.search(r"[，,]", line[s:e]))
            out.append(Segment(section, line_start + s, line_start + e, kind="item" if whole_duty else "heading"))
        return None
    return title_end


def _glued_body(line: str, after: int, title_end: int, *, whole: bool = False) -> int | None:
    """Where the body starts when a heading's first sentence is itself a task: "二、各学校要配齐…。心理教师…"
    (the whole line), or a short heading glued to it: "二、抓好校园安全各学校要在开学后两周内…" (after the
    heading words). None for an ordinary title ("一、高度重视，迅速行动。")."""
    if not whole and (title_end >= len(line) or not line[title_end:].strip()):
        return None  # a one-sentence heading: the bare-heading rule decides
    title = line[after:title_end]
    subjects = find_subjects(title[:40])
    glued = _actor_after_heading_words(title)
    if glued is not None and (not subjects or subjects[0].offset > glued):
        return after + glued  # "四、结果报送各县区教育局要…": 报送 is the heading's word, not a verb of the sentence
    if not subjects:
        return None
    first = subjects[0]
    if not _ACTOR_DUTY.match(title[first.offset + len(first.text) :]):
        return None
    if first.offset == 0:
        return after
    head = title[: first.offset]
    if len(head) < 4 or head[-1] in "各每本该其省市区县镇乡村" or _times(head):
        return after  # "各中心学校要…", "暑假期间各单位要…": the sentence's own words, not a heading
    if first.offset <= 16 and not re.search(r"[，,。；;：:！？、]", head):
        return after + first.offset
    return None


def _actor_after_heading_words(title: str) -> int | None:
    """Where an actor with a duty starts right after 2–8 heading words without punctuation ("结果报送各县区教育局要…",
    "检查要求各学校要…"); the actor is looked for on its own, so the heading words cannot make it an object."""
    for k in range(2, min(9, len(title))):
        if re.search(r"[，,。；;：:！？、“”]", title[:k]):
            return None
        if title[k - 1] in "各每本该其省市区县镇乡村" or title[k] not in "各市区县省乡镇村":
            continue
        subjects = find_subjects(title[k : k + 24])
        if subjects and subjects[0].offset == 0 and _ACTOR_DUTY.match(title[k + len(subjects[0].text) :]):
            return k
    return None


def _without_title_headings(segments: list[Segment]) -> list[Segment]:
    """A bare heading followed by rows in its own section is a title, not a task."""
    return [
        seg
        for i, seg in enumerate(segments)
        if not (
            seg.kind == "heading"
            and i + 1 < len(segments)
            and segments[i + 1].section[: len(seg.section)] == seg.section
        )
    ]


def segment(text: str) -> tuple[list[Segment], bool]:
    """Rows as spans of `text` (the simplified analysis text). Returns (segments, structured?)."""
    segments: list[Segment] = []
    walk = _Walk()
    offset = 0
    for line in text.split("\n"):
        line_start = offset
        offset += len(line) + 1
        if not line.strip() or _in_annex(walk, line):
            continue
        if len(_CELL.findall(line)) >= 2:
            for seg in _table_row(walk, line, line_start):
                seg.titles = walk.heading_titles()
                segments.append(seg)
            continue
        before = len(segments)
        body_start = _heading_rows(walk, line, line_start, segments)
        for seg in segments[before:]:
            seg.titles = walk.heading_titles()
        if body_start is None:
            continue
        for seg in _body(line, line_start, body_start, walk.section()):
            seg.line = line_start
            seg.titles = walk.heading_titles()
            segments.append(seg)
    if walk.structured:
        # Before the first numbered part come the title, the addressees and "现通知如下": no tasks there.
        segments = [seg for seg in segments if seg.section]
    kept = _without_title_headings(segments)
    return [piece for seg in kept for piece in _split_actors(text, seg)], walk.structured


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
        tail: list[tuple[int, int]] = []
        for i, m in enumerate(markers):
            end = markers[i + 1].start() if i + 1 < len(markers) else len(line)
            s, e = _trim(line, m.end(), end)
            if i + 1 == len(markers) and not re.search(r"[。！？]", line[markers[0].end() : m.start()]):
                # "一是严禁…，二是…，三是严禁……。各学校要在3月底前……": after one-clause items, a sentence that
                # names its own actor is not part of the last item (items with a title sentence keep their body).
                sentences = _sentences(line, s, e)
                for k, (ss, _) in enumerate(sentences[1:], start=1):
                    if _starts_with_actor(line[ss:e]):
                        tail = sentences[k:]
                        e = sentences[k - 1][1]
                        break
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
        for s, e in tail:
            if e - s >= 6 and not _NARRATIVE.search(line[s:e]) and DUTY.search(line[s:e]):
                out.append(Segment(section, line_start + s, line_start + e))
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

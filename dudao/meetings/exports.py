"""The minutes (会议纪要) as a Word file in the official-document layout (GB/T 9704-2012, `core.officialdoc`).

发文机关标志 "<召集单位>办公室", title "关于…调度会议纪要", a first paragraph saying when, where and who chaired and
attended, the review of the previous meeting's decisions (when there was one), the minutes text, then the decisions
as numbered items with their owner and deadline; signed by the convening unit's office on the meeting's day.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dudao.core.officialdoc import OfficialDocument, build_docx, join_names
from dudao.meetings import selectors
from dudao.meetings.models import Attendance, Meeting

CHINESE = "一二三四五六七八九十"


def minutes_title(meeting: Meeting) -> str:
    """关于创城迎检第3次调度会议纪要: the meeting's name as a 调度会议, with 关于 … 纪要 around it."""
    name = meeting.title.strip().removesuffix("纪要")
    if name.endswith("调度会"):
        name += "议"
    elif not name.endswith(("会议", "调度会议")):
        name += "调度会议"
    return f"关于{name}纪要"


def _date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _opening(meeting: Meeting) -> str:
    starts = timezone.localtime(meeting.starts_at)
    attendees = list(meeting.attendees.select_related("person__unit").order_by("id"))
    present = [a.person.display_name for a in attendees if a.attendance == Attendance.PRESENT]
    leave = [a.person.display_name for a in attendees if a.attendance == Attendance.LEAVE]
    where = f"在{meeting.place}" if meeting.place else ""
    chair = f"，{meeting.chair.display_name}主持" if meeting.chair_id else ""
    text = f"{_date(starts.date())}，{meeting.unit.name}{where}召开{meeting.title}{chair}。"
    if meeting.task_force_id:
        text += f"{meeting.task_force.name}成员参加会议。"  # type: ignore[union-attr]
    if present:
        text += f"出席：{join_names(present)}。"
    if leave:
        text += f"请假：{join_names(leave)}。"
    return text + "现将会议议定事项纪要如下："


def minutes_body(meeting: Meeting, today: dt.date | None = None) -> str:
    """The text in `officialdoc.blocks`' markup: "一、" headings, paragraphs, numbered decisions."""
    today = today or timezone.localdate()
    parts = [_opening(meeting)]
    section = 0

    def heading(text: str) -> None:
        nonlocal section
        parts.append(f"{CHINESE[section]}、{text}")
        section += 1

    review = selectors.review(meeting, today)
    if review.previous is not None and review.rows:
        heading("上次会议议定事项落实情况")
        counts = "，".join(f"{state.label} {n} 项" for state, n in review.summary if n)
        parts.append(f"截至{_date(review.on)}，上次会议议定事项 {len(review.rows)} 项：{counts}。")
        for row in review.rows:
            d = row.decision
            parts.append(f"{d.position}. {d.text}（{d.owner_unit.name}，{row.state.label}）")
    if meeting.minutes.strip():
        heading("会议主要内容")
        parts.extend(line for line in meeting.minutes.splitlines() if line.strip())
    heading("议定事项")
    decisions = list(meeting.decisions.select_related("owner_unit", "owner_person").order_by("position", "id"))
    if not decisions:
        parts.append("本次会议无议定事项。")
    for d in decisions:
        owner = d.owner_unit.name + (f"，责任人：{d.owner_person.display_name}" if d.owner_person_id else "")
        parts.append(f"{d.position}. {d.text}（责任单位：{owner}；完成时限：{_date(d.deadline)}）")
    return "\n".join(parts)


def minutes_document(meeting: Meeting, today: dt.date | None = None) -> OfficialDocument:
    office = f"{meeting.unit.name}办公室"
    owners = list(dict.fromkeys(d.owner_unit.name for d in meeting.decisions.select_related("owner_unit")))
    return OfficialDocument(
        masthead=office,
        title=minutes_title(meeting),
        addressee=join_names(owners),
        body=minutes_body(meeting, today),
        signer=office,
        date=timezone.localtime(meeting.starts_at).date(),
        printer=office,
        print_date=today or timezone.localdate(),
        draft_mark="" if meeting.minutes.strip() else "纪要未定稿",
    )


def minutes_docx(meeting: Meeting, today: dt.date | None = None) -> bytes:
    return build_docx(minutes_document(meeting, today))

"""A 督办单 as a Word file in the official-document layout (GB/T 9704-2012, `core.officialdoc`), the same text
as its print view: 发文机关标志 "<督办单位>督办单", the order's number, subject, addressee, body, deadline, the facts
as an attachment list, and the response when there is one."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dudao.core.officialdoc import OfficialDocument, build_docx
from dudao.supervision.models import OrderStatus, SupervisionOrder


def _date(value: dt.date | dt.datetime) -> str:
    day = timezone.localtime(value).date() if isinstance(value, dt.datetime) else value
    return f"{day.year}年{day.month}月{day.day}日"


def order_body(order: SupervisionOrder) -> str:
    lines = [line for line in order.body.splitlines() if line.strip()]
    lines.append(f"请于{_date(order.deadline)}前将办理情况书面反馈{order.issuer.name}。")
    facts = list(order.facts.all())
    if facts:
        lines.append("附：督办事项清单")
        lines.extend(f"{n}. {fact.label}" for n, fact in enumerate(facts, start=1))
    if order.response:
        lines.append("一、办理情况反馈")
        lines.extend(line for line in order.response.splitlines() if line.strip())
        who = f"反馈单位：{order.target.name}"
        if order.responded_by is not None:
            who += f"，反馈人：{order.responded_by.display_name}"
        if order.responded_at is not None:
            who += f"，反馈时间：{_date(order.responded_at)}"
        if order.status == OrderStatus.CLOSED and order.closed_at is not None:
            who += f"，办结时间：{_date(order.closed_at)}"
        lines.append(who + "。")
    return "\n".join(lines)


def order_document(order: SupervisionOrder) -> OfficialDocument:
    parent = order.target.get_parent()
    copy_to = parent.name if parent is not None and parent.pk != order.issuer_id else ""
    return OfficialDocument(
        masthead=f"{order.issuer.name}督办单",
        number=order.number,
        title=order.subject,
        addressee=order.target.name,
        body=order_body(order),
        signer=order.issuer.name,
        date=timezone.localtime(order.issued_at).date(),
        copy_to=copy_to,
        printer=order.issuer.name,
    )


def order_docx(order: SupervisionOrder) -> bytes:
    return build_docx(order_document(order))

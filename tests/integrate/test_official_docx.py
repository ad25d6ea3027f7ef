"""Meeting minutes and 督办单 download as .docx in the official layout (core.officialdoc)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from docx import Document

from dudao.meetings import services as meetings
from dudao.meetings.exports import minutes_title
from tests.factories import City
from tests.meetings.conftest import at, convene, decide
from tests.supervision.factories import issue

pytestmark = pytest.mark.django_db

A, F, N = 200, 403, 404


def _texts(content: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(content)).paragraphs]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("创城调度会", "关于创城调度会议纪要"),
        ("第三次调度会议", "关于第三次调度会议纪要"),
        ("开学准备", "关于开学准备调度会议纪要"),
    ],
)
def test_minutes_title(city: City, title: str, expected: str) -> None:
    meeting = convene(city, None, timezone.localdate(), title=title)
    assert minutes_title(meeting) == expected


def test_minutes_docx_has_the_office_masthead_and_numbered_decisions(signed_in, city: City) -> None:
    day = timezone.localdate()
    meeting = convene(city, None, day)
    meeting = meetings.save_minutes(
        actor=city.user("bureau_staff"),
        meeting=meeting,
        minutes="会议听取了各区创城工作汇报。",
        version=meeting.version,
    )
    decide(
        city, meeting, day + dt.timedelta(days=7), text="完成校园周边环境整治", owner_person=city.user("district_admin")
    )
    decide(city, meeting, day + dt.timedelta(days=14), unit=city.district_b, text="补齐值班台账")
    response = signed_in(city.user("bureau_leader")).get(f"/meetings/{meeting.pk}/minutes.docx")
    assert response.status_code == A
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    texts = _texts(response.content)
    assert "测试市教育局办公室" in texts
    assert "关于创城调度会议纪要" in texts
    owner = city.user("district_admin").display_name
    deadline = day + dt.timedelta(days=7)
    due = f"{deadline.year}年{deadline.month}月{deadline.day}日"
    first = f"1. 完成校园周边环境整治（责任单位：甲区教育局，责任人：{owner}；完成时限：{due}）"
    assert first in texts
    assert any(t.startswith("2. 补齐值班台账（责任单位：乙区教育局") for t in texts)
    assert "一、会议主要内容" in texts and "会议听取了各区创城工作汇报。" in texts and "二、议定事项" in texts


@pytest.mark.parametrize(("role", "expected"), [("bureau_staff", A), ("class_teacher", F), ("auditor", F)])
def test_minutes_docx_by_role(signed_in, city: City, role: str, expected: int) -> None:
    meeting = convene(city, None, timezone.localdate())
    assert signed_in(city.user(role)).get(f"/meetings/{meeting.pk}/minutes.docx").status_code == expected


def test_a_districts_minutes_are_not_found_by_another_district(signed_in, city: City) -> None:
    meeting = meetings.create_meeting(
        actor=city.user("district_admin"),
        title="甲区调度会",
        starts_at=at(timezone.localdate()),
        place="",
        chair=city.user("district_admin"),
        task_force=None,
    )
    assert signed_in(city.user("district_admin_b")).get(f"/meetings/{meeting.pk}/minutes.docx").status_code == N


def test_the_order_print_view_offers_a_docx_with_the_same_parts(signed_in, city: City) -> None:
    order = issue(city)
    client = signed_in(city.user("district_admin"))
    assert (
        f'href="/supervision/{order.pk}/order.docx"' in client.get(f"/supervision/{order.pk}/print/").content.decode()
    )
    response = client.get(f"/supervision/{order.pk}/order.docx")
    assert response.status_code == A
    texts = _texts(response.content)
    assert "测试市教育局督办单" in texts and order.number in texts and order.subject in texts
    assert "甲区教育局：" in texts and any(t.startswith("请于") and "书面反馈测试市教育局" in t for t in texts)


@pytest.mark.parametrize(("role", "expected"), [("bureau_leader", A), ("class_teacher", F), ("district_admin_b", N)])
def test_the_order_docx_by_role(signed_in, city: City, role: str, expected: int) -> None:
    order = issue(city)
    assert signed_in(city.user(role)).get(f"/supervision/{order.pk}/order.docx").status_code == expected

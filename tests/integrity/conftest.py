from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from dudao.accounts.models import User
from dudao.integrity import services
from dudao.integrity.models import DutyList, MajorMatter, SpotCheck, Talk
from tests.factories import City, UserFactory, assign


def photo(name: str = "现场.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 120, 60)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def today() -> dt.date:
    return timezone.localdate()


def duty(city: City, leader_key: str = "principal", **overrides: Any) -> DutyList:
    data = {
        "year": today().year,
        "post": "校长",
        "business_duties": "主持学校全面工作",
        "integrity_duties": "落实党风廉政建设主体责任",
        **overrides,
    }
    item, _ = services.create_duty_list(
        actor=city.user("discipline_officer"), leader=city.user(leader_key), data=services.DutyIn(**data)
    )
    return item


def talk(city: City, subject_key: str = "principal", **overrides: Any) -> Talk:
    data: dict[str, Any] = {
        "kind": "integrity",
        "talker": city.user("bureau_leader"),
        "subject": city.user(subject_key),
        "held_on": today(),
        "place": "局长办公室",
        "summary": "节前廉政提醒：不得收受礼品礼金",
        **overrides,
    }
    item, _ = services.record_talk(actor=city.user("discipline_officer"), data=services.TalkIn(**data))
    return item


def spot_check(city: City, **overrides: Any) -> SpotCheck:
    data: dict[str, Any] = {
        "name": "春节期间明察暗访",
        "festival": "chunjie",
        "starts_on": today() - dt.timedelta(days=1),
        "ends_on": today() + dt.timedelta(days=10),
        "focus": "收送礼品礼金",
        **overrides,
    }
    item, _ = services.create_check(
        actor=city.user("discipline_officer"), unit=city.root, data=services.CheckIn(**data)
    )
    return item


def matter(city: City, **overrides: Any) -> MajorMatter:
    data: dict[str, Any] = {
        "category": "funds",
        "title": "校园监控升级改造资金安排",
        "decided_on": today(),
        "meeting": "局党组会议（第13次）",
        "participants": "局党组成员 7 人",
        "vote": "passed",
        "vote_detail": "同意7票",
        "amount": __import__("decimal").Decimal("860.50"),
        **overrides,
    }
    item, _ = services.create_matter(actor=city.user("bureau_leader"), unit=city.root, data=services.MatterIn(**data))
    return item


@pytest.fixture(autouse=True)
def discipline_officer(city: City) -> User:
    """The test city's 纪检监察员 at the root, as `city.user("discipline_officer")`."""
    officer = UserFactory.create(username="discipline.officer", unit=city.root)
    assign(officer, "discipline_officer", city.root)
    city.users["discipline_officer"] = officer
    return officer

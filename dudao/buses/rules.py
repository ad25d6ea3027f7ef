"""The rules of the school-bus app, without database access: plate format, licence classes, document states.

Licence rule implemented (校车安全管理条例 第二十三条 and the 公安部 rules on school-bus driving qualification):
a school-bus driver holds a licence of class A1 (大型客车), A3 (城市公交车) or B1 (中型客车) — the classes the
traffic police accept for 校车驾驶资格; a vehicle with 20 or more seats is a large passenger vehicle (大型客车) and
needs A1. A licence, a 年检 or an insurance policy is valid through its date; the yearly no-violation check
(无违法记录核查) is valid for 365 days. Anything due within `EXPIRING_DAYS` is flagged; anything past is blocked.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum

EXPIRING_DAYS = 30
LARGE_VEHICLE_SEATS = 20

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# 湘A·12345 (ordinary, 7 characters), 湘AD12345 (new energy, 8), 湘A1234学 (coach-school plate ending in 学).
PLATE = re.compile(rf"^[{PROVINCES}][A-HJ-NP-Z](?:[A-HJ-NP-Z0-9]{{5,6}}|[A-HJ-NP-Z0-9]{{4}}学)$")


def normalise_plate(raw: str) -> str:
    return re.sub(r"[\s·\-.]", "", raw or "").upper()


def plate_is_valid(plate: str) -> bool:
    return bool(PLATE.match(plate))


class DocState(StrEnum):
    OK = "ok"
    EXPIRING = "expiring"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return {"ok": "有效", "expiring": "即将到期", "expired": "已过期"}[self.value]


def doc_state(due: dt.date, today: dt.date) -> DocState:
    if due < today:
        return DocState.EXPIRED
    if due <= today + dt.timedelta(days=EXPIRING_DAYS):
        return DocState.EXPIRING
    return DocState.OK


def licence_fits(licence_class: str, seats: int) -> bool:
    if seats >= LARGE_VEHICLE_SEATS:
        return licence_class == "A1"
    return licence_class in {"A1", "A3", "B1"}


def expired_documents(documents: list[tuple[str, dt.date]], today: dt.date) -> list[str]:
    """'年检（2026-11-30 到期）' for each document past its date."""
    return [f"{label}（{due:%Y-%m-%d} 到期）" for label, due in documents if due < today]
